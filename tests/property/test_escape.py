"""Each output language's escape keeps any string content, parsed back by a real parser: a
CommonMark parser with GitHub's tables and autolinks (markdown-it-py, linkify), Python's HTML
parser, and the GitHub workflow-command grammar."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ccmsctl.escape import (
    github_data,
    github_property,
    html_text,
    markdown_code,
    markdown_fence,
    markdown_text,
    visible,
)

pytestmark = pytest.mark.no_cover

# what a hostile string is made of: Markdown, HTML and workflow-command syntax, mentions,
# URLs, line breaks, control and invisible characters, and any other text
HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                *"\\`*_~[]()<>!&|$#@:/,%=-+.{}'\"\n\r\t\x00\x1b\u200b\u2028 ",
                *("https://evil.example", "www.evil.example", "@acme/team", "#12"),
                *("::warning::", "<img src=x onerror=alert(1)>", "[a](http://x)", "![i](x)"),
                *("&amp;", "1. "),
            ]
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=20,
).map("".join)


def markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])


def _inline(tokens: list[Any]) -> list[Any]:
    return [child for token in tokens if token.type == "inline" for child in token.children]


def _plain(text: str) -> str:
    """What a reader sees of a text escaped for GitHub: its zero-width spaces removed."""
    return text.replace("\u200b", "")


@given(HOSTILE)
@settings(max_examples=400, deadline=None)
def test_markdown_text_stays_text_in_a_paragraph_and_a_table_cell(value: str) -> None:
    for document, cells in (
        (f"- **FAILED** {markdown_text(value)}: done\n", None),
        (f"| a | b |\n|---|---|\n| {markdown_text(value)} | x |\n", 2),
    ):
        tokens = markdown().parse(document)
        kinds = {token.type for token in tokens}
        assert not kinds & {"heading_open", "html_block", "code_block", "fence", "hr"}, document
        if cells is not None:
            assert [t.type for t in tokens].count("td_open") == cells, document
        children = _inline(tokens)
        assert {c.type for c in children} <= {"text", "strong_open", "strong_close", "softbreak"}
        shown = "".join(c.content for c in children if c.type == "text")
        # GitHub's mentions, references and bare URLs: each broken by a zero-width space
        assert not re.search(r"@(?!\u200b)|#(?=\d)|:(?=//)", shown), document
        text = _plain(shown)
        assert visible(value).strip() in text


@given(HOSTILE)
@settings(max_examples=400, deadline=None)
def test_markdown_code_is_one_code_span_with_the_string(value: str) -> None:
    shown = visible(value)
    for document, in_table in ((f"x {markdown_code(value)} y\n", False),):
        children = _inline(markdown().parse(document))
        codes = [c for c in children if c.type == "code_inline"]
        assert len(codes) == (1 if shown else 0), document
        if shown:
            assert codes[0].content == shown, document
        assert in_table is False
    if shown:
        table = f"| a | b |\n|---|---|\n| {markdown_code(value, in_table=True)} | x |\n"
        tokens = markdown().parse(table)
        assert [t.type for t in tokens].count("td_open") == 2, table
        codes = [c for c in _inline(tokens) if c.type == "code_inline"]
        assert [c.content for c in codes] == [shown], table


@given(HOSTILE)
@settings(max_examples=200, deadline=None)
def test_a_fence_holds_any_text(value: str) -> None:
    text = value.replace("\r", "").replace("\x00", "\ufffd")
    tokens = markdown().parse(markdown_fence(text, "diff") + "\n\nafter\n")
    assert [t.type for t in tokens][:1] == ["fence"]
    assert tokens[0].content == text.rstrip() + "\n"
    assert tokens[-2].content == "after"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.data = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.data += data


@given(HOSTILE)
@settings(max_examples=300, deadline=None)
def test_html_text_is_text_and_attribute(value: str) -> None:
    parser = _Elements()
    parser.feed(f'<p title="{html_text(value)}">{html_text(value)}</p>')
    parser.close()
    assert parser.tags == ["p"]
    assert parser.data == value


# ::command key=value,key=value::message — GitHub's runner reads one per line
def _workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    assert line.startswith("::") and "\n" not in line and "\r" not in line
    head, message = line[2:].split("::", 1)
    name, _, properties = head.partition(" ")
    pairs = dict(item.split("=", 1) for item in properties.split(",")) if properties else {}
    return name, pairs, message


def _unescape(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


@given(HOSTILE, HOSTILE)
@settings(max_examples=300, deadline=None)
def test_a_workflow_command_keeps_its_properties_and_message(file: str, message: str) -> None:
    line = f"::warning file={github_property(file)},line=3::{github_data(message)}"
    name, properties, said = _workflow_command(line)
    assert name == "warning"
    assert set(properties) == {"file", "line"}
    assert _unescape(properties["file"]) == visible(file)
    assert _unescape(said) == visible(message)


@given(HOSTILE)
@settings(max_examples=300, deadline=None)
def test_visible_text_is_one_printable_line(value: str) -> None:
    shown = visible(value)
    assert shown.isprintable()
    assert value.isprintable() or shown != value
