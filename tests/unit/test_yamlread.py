"""The YAML reader: YAML 1.2 scalars, spans of values and keys, and errors as findings."""

from __future__ import annotations

import pytest

from ccmsctl.errors import Span
from ccmsctl.load.yamlread import read_documents, resolve_plain


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("0086", 86),
        ("+862161230000", 862161230000),
        ("0x1f", 31),
        ("0o17", 15),
        ("1.5", 1.5),
        ("08:00", "08:00"),
        ("2026-10-01", "2026-10-01"),
        ("0xzz", "0xzz"),
        ("sh-1", "sh-1"),
    ],
)
def test_plain_scalars_follow_yaml_1_2(text: str, value: object) -> None:
    assert resolve_plain(text) == value


def test_values_and_keys_keep_their_positions() -> None:
    text = "kind: Site\nname: sh-1\nhosts:\n  - name: e1\n    roles: [edge, pbx]\n"
    [doc], findings = read_documents(text, "s.yaml")
    assert findings == []
    assert doc.data == {
        "kind": "Site",
        "name": "sh-1",
        "hosts": [{"name": "e1", "roles": ["edge", "pbx"]}],
    }
    assert doc.spans.at(("hosts", 0, "roles", 1)) == Span("s.yaml", 5, 19)
    assert doc.spans.at(("hosts", 0, "roles"), key=True) == Span("s.yaml", 5, 5)
    assert doc.spans.at(("hosts", 0, "missing")) == Span("s.yaml", 4, 5)


def test_quoted_scalars_stay_strings_and_plain_numbers_keep_their_text() -> None:
    [doc], _ = read_documents('a: "0086"\nb: 0086\nc: !!str 12\n', "n.yaml")
    assert doc.data == {"a": "0086", "b": 86, "c": "12"}
    assert doc.plain == {("b",): "0086"}


def test_several_documents_and_anchors_with_merge_keys() -> None:
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n---\nkind: Site\n"
    docs, findings = read_documents(text, "m.yaml")
    assert findings == []
    assert docs[0].data["other"] == {"x": 1, "y": 3}
    assert docs[1].spans.root.line == 6


def test_flow_mapping_with_colon_in_value_reads_as_yaml_1_2() -> None:
    [doc], findings = read_documents("password: {secret: env:HKT_SIP_PASSWORD}\n", "t.yaml")
    assert findings == []
    assert doc.data == {"password": {"secret": "env:HKT_SIP_PASSWORD"}}


def test_duplicate_key_drops_only_its_document() -> None:
    docs, findings = read_documents("a: 1\na: 2\n---\nb: 1\n", "d.yaml")
    assert [f.code for f in findings] == ["E0004"]
    assert findings[0].span == Span("d.yaml", 2, 1)
    assert [doc.data for doc in docs] == [{"b": 1}]


def test_syntax_error_keeps_earlier_documents() -> None:
    docs, findings = read_documents("a: 1\n---\nb: [1\nc: 2\n", "e.yaml")
    assert [doc.data for doc in docs] == [{"a": 1}]
    # where the unclosed '[' opened: the line to look at
    assert [(f.code, f.span.line) for f in findings] == [("E0001", 3)]


@pytest.mark.parametrize(
    "text", ["a: !custom 1\n", "a: *nowhere\n", "? [1, 2]\n: x\n", "a: \x07\n", "a: !!int x\n"]
)
def test_bad_input_is_a_located_finding(text: str) -> None:
    _, findings = read_documents(text, "bad.yaml")
    assert findings
    assert all(f.code == "E0001" and f.span.line >= 1 and f.span.col >= 1 for f in findings)


def test_alias_bomb_is_refused_without_expanding() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    docs, findings = read_documents("\n".join(levels) + "\n", "bomb.yaml")
    assert docs == []
    assert [f.code for f in findings] == ["E0001"]
    assert "more than" in findings[0].message
