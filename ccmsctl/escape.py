"""Values become text: one escaping step per output language ccmsctl writes for people.

Every writer of terminal text, Markdown, HTML or GitHub workflow commands passes the strings
it did not write itself (names, messages that quote the estate, file names) through the one
function here for its language, so that a value is always content: it cannot start a line,
a link, an image, a mention, a table cell, an element or a workflow command.

The lowest layer: it knows nothing of the estate, YAML or the command line.
"""

from __future__ import annotations

import html
import re

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str, *, keep_tabs: bool = False) -> str:
    """`text` safe to print on one line of a terminal or CI log: line breaks, control and
    invisible characters shown as escapes (a value from the estate cannot start a line of
    its own, or a workflow command). `keep_tabs`: a tab stays one (a diff's content)."""
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable() or (keep_tabs and char == "\t")
        else _ESCAPES.get(char, f"\\u{ord(char):04x}")
        for char in text
    )


def github_data(text: str) -> str:
    """A GitHub workflow command's message, escaped as GitHub's toolkit does (escapeData)."""
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value (escapeProperty): also ':' and ','."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(
    level: str, file: str, title: str, message: str, line: int = 0, col: int = 0
) -> str:
    """One GitHub workflow command annotating `file` (at `line` and `col` where given):
    `::error file=...,line=...,col=...,title=...::message`, every value escaped."""
    location = f"file={github_property(file)}"
    location += f",line={line}" if line else ""
    location += f",col={col}" if line and col else ""
    return f"::{level} {location},title={github_property(title)}::{github_data(message)}"


# What can start Markdown (GitHub's flavour) inside a line: code, emphasis, strikethrough,
# links and images, HTML and autolinks, entities, table cells, math, escapes. CommonMark
# lets a backslash escape any ASCII punctuation, which then stands for itself. An
# underscore inside a word starts nothing (`mlps_level`), so it is left as it is there.
_MARKDOWN_INLINE = re.compile(r"[\\`*~\[\]<>&|$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What starts a block at the beginning of a line: a heading, a list item, a quote, a rule.
_MARKDOWN_LINE_START = re.compile(r"^(\s*(?:\d+)?)([#+=.)-])")
# GitHub turns text into links after Markdown is rendered: @mentions, #123 references, bare
# URLs and www. addresses. A zero-width space after the sign breaks each pattern, as
# GitHub's own bots write them, and shows nothing to the reader.
_GITHUB_LINK = re.compile(r"@|#(?=\d)|:(?=//)|(?<![A-Za-z0-9])[Ww]{3}(?=\.)")


def markdown_text(text: str) -> str:
    """`text` as Markdown inline content, in a paragraph, a list item or a table cell: on one
    line, whatever could start emphasis, a link, an image, HTML, a heading or a table cell
    escaped, and GitHub's automatic links (mentions, references, URLs) broken."""
    escaped = _MARKDOWN_INLINE.sub(lambda match: "\\" + match.group(), visible(text))
    escaped = _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return _GITHUB_LINK.sub(lambda match: match.group() + "&#8203;", escaped)


def markdown_code(text: str, *, in_table: bool = False) -> str:
    """`text` as an inline code span: delimited by a backtick run longer than any inside it,
    padded where it starts or ends with a backtick, on one line. `in_table`: pipes escaped,
    as a table row is split on them before the code span is read (GitHub's tables)."""
    shown = visible(text)
    if not shown:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    if in_table:
        shown = shown.replace("|", "\\|")
    # one space each side is stripped when both are there (unless it is all spaces)
    padded = shown.strip(" ") and (shown[0] in "` " or shown[-1] in "` ")
    pad = " " if padded else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def markdown_fence(text: str, info: str = "") -> str:
    """`text` as a fenced code block: the fence longer than any run of backticks inside it
    (and three at least), so no line of `text` can close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def html_text(text: str) -> str:
    """`text` as HTML text or an attribute value: &, <, >, quotes escaped."""
    return html.escape(text, quote=True)
