"""Asterisk's configuration syntax as ccmsctl's import reads it (ccmsctl/importing/conf.py):
each rule as Asterisk's main/config.c applies it, with the file and line of every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccmsctl.errors import Span
from ccmsctl.importing.conf import ImportSyntaxError, read_config
from tests.brownfield import NOT_CONFIGS, asterisk_samples


def _read(tmp_path: Path, files: dict[str, str], top: str = "top.conf"):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return read_config(tmp_path, top)


def test_templates_inheritance_and_additions(tmp_path: Path) -> None:
    config = _read(
        tmp_path,
        {
            "top.conf": (
                "[tpl](!)\ntype = endpoint\nallow = alaw\n"
                "[other](!)\ncontext = internal\n"
                "[1001](tpl,other)\nallow = g722\n"
                "[1001](+)\ncallerid = x <1001>\n"
            )
        },
    )
    template, other, phone = config.sections
    assert template.template and other.template and not phone.template
    assert phone.bases == ("tpl", "other")
    assert [(s.name, s.value, s.inherited) for s in phone.settings] == [
        ("type", "endpoint", "tpl"),
        ("allow", "alaw", "tpl"),
        ("context", "internal", "other"),
        ("allow", "g722", ""),
        ("callerid", "x <1001>", ""),
    ]
    assert phone.value("allow") == "g722"  # the last wins
    assert phone.settings[0].statement.span == Span("top.conf", 2, 1)  # the template's line
    assert phone.additions[0].span == Span("top.conf", 8, 1)


def test_comments_escapes_and_objects(tmp_path: Path) -> None:
    config = _read(
        tmp_path,
        {
            "top.conf": (
                "\ufeff[s] ; a section\n"
                "  password = a\\;b ; a comment\n"
                ";-- a block\n[hidden]\nx = 1\n--; y = 2\n"
                ";--- not a block\n"
                "exten => 1,1,NoOp()\n"
                "list = a\nlist += ,b\n"
            )
        },
    )
    [section] = config.sections
    assert section.statement.span == Span("top.conf", 1, 1)
    assert [(s.name, s.value, s.object) for s in section.settings] == [
        ("password", "a;b", False),
        ("y", "2", False),
        ("exten", "1,1,NoOp()", True),
        ("list", "a ,b", False),
    ]
    assert section.settings[0].statement.span == Span("top.conf", 2, 3)
    assert [s.span.line for s in section.settings[3].earlier] == [9]


def test_includes_go_on_in_the_including_files_section(tmp_path: Path) -> None:
    config = _read(
        tmp_path,
        {
            "top.conf": '[a]\nx = 1\n#include "more/*.conf"\ny = 2\n#tryinclude absent.conf\n',
            "more/1.conf": "z = 3\n[b]\nw = 4\n",
            "more/2.conf": "v = 5\n",
        },
    )
    a, b = config.sections
    assert [(s.name, s.statement.span.file) for s in a.settings] == [
        ("x", "top.conf"),
        ("z", "more/1.conf"),
        ("y", "top.conf"),
    ]
    assert [s.name for s in b.settings] == ["w", "v"]
    assert config.files == ["top.conf", "more/1.conf", "more/2.conf"]
    assert [s.span.line for s in config.followed] == [3, 5]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("x = 1\n", 1, "before any"),
        ("[a\n", 1, "closing ']'"),
        ("[a](b\n", 1, "closing ')'"),
        ("[a](missing)\n", 1, "does not exist"),
        ("[a]\n[b](+)\n", 2, "does not exist"),
        ("[a]\n#include absent.conf\n", 2, "does not exist"),
        ("[a]\n#include top.conf\n", 2, "deeper than 10"),
    ],
)
def test_what_asterisk_refuses_is_an_error_at_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    with pytest.raises(ImportSyntaxError, match=re.escape(words)) as raised:
        _read(tmp_path, {"top.conf": text})
    assert raised.value.span is not None
    assert raised.value.span.line == line


def test_what_asterisk_skips_is_kept_with_why(tmp_path: Path) -> None:
    config = _read(
        tmp_path,
        {"top.conf": "[a]\nno equals here\n#exec /bin/date\n#frobnicate x\n#include /opt/x.conf\n"},
    )
    assert [(s.span.line, why.split(":")[0]) for s, why in config.loose] == [
        (2, "no '=' in this line"),
        (3, "#exec runs a program at load time"),
        (4, "Asterisk ignores the unknown directive #frobnicate"),
        (5, "#include of a file outside Asterisk's configuration folder"),
    ]


def test_an_absolute_include_in_etc_asterisk_is_read_from_the_folder(tmp_path: Path) -> None:
    config = _read(
        tmp_path, {"top.conf": "[a]\n#include /etc/asterisk/b.conf\n", "b.conf": "x=1\n"}
    )
    assert [s.name for s in config.sections[0].settings] == ["x"]


def test_every_sample_config_of_asterisk_reads(tmp_path: Path) -> None:
    """Asterisk's own sample configurations (configs/samples) read without an error, but
    the three that are not in its configuration syntax (shell and SQL templates)."""
    samples = asterisk_samples(tmp_path)
    read = 0
    for path in sorted(samples.glob("*.conf")):
        if path.name in NOT_CONFIGS:
            with pytest.raises(ImportSyntaxError):
                read_config(samples, path.name)
            continue
        config = read_config(samples, path.name)
        assert all(s.statement.span.file == path.name for s in config.sections)
        read += 1
    assert read >= 90
    extensions = read_config(samples, "extensions.conf")
    demo = extensions.first("demo")
    assert demo is not None
    assert any(s.name == "exten" and s.object for s in demo.settings)
