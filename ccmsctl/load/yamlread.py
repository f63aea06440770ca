"""Read YAML text into plain data plus a span for every node.

ruamel.yaml (libyaml underneath when available) parses events; this module builds the data
itself so that each value and each mapping key keeps its file, line and column, and resolves
plain scalars by the YAML 1.2 core schema. It never raises on bad input: problems come back as
findings. It must not know about kinds or models.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from ccmsctl.errors import DocumentSpans, Finding, Path, Severity, Span

SYNTAX = "E0001"
MAX_NODES = 5_000_000  # per document, aliases expanded: bounds the work a file can ask for
MAX_DEPTH = 64  # nesting of mappings and sequences; an estate document needs fewer than ten
DUPLICATE_KEY = "E0004"

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
_TAG = "tag:yaml.org,2002:"
_MAY_NOT_BE_STRING = frozenset("0123456789+-.~nNtTfF")


@dataclass
class RawDocument:
    """One YAML document: its data, where each node stands, and the source text of plain
    scalars that did not read as strings (for hints such as 'quote numbers')."""

    data: Any
    spans: DocumentSpans
    plain: dict[Path, str] = field(default_factory=dict)


class _InvalidNodeError(Exception):
    """A problem with one node; the document it is in is dropped (the file's other documents
    are still read: this is not a parser's error)."""

    def __init__(self, code: str, span: Span, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.finding = Finding(code, Severity.ERROR, span, message, hint)


class _TooDeepError(_InvalidNodeError):
    """Nesting past MAX_DEPTH: the verdict on the file, not worth a second, slower parse."""

    def __init__(self, span: Span) -> None:
        super().__init__(
            SYNTAX,
            span,
            f"nesting deeper than {MAX_DEPTH} levels",
            "an estate document nests a few levels: flatten the data",
        )


def resolve_plain(text: str) -> Any:
    """A plain (unquoted, untagged) scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _MAY_NOT_BE_STRING:
        return text  # most scalars: names, words, addresses
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.match(text):
        return int(text)
    if text.startswith(("0o", "0x")):
        try:
            return int(text[2:], 8 if text[1] == "o" else 16)
        except ValueError:
            return text
    if _FLOAT.match(text):
        return float(text)
    return _SPECIAL_FLOATS.get(text, text)


def _tagged(text: str, tag: str, span: Span) -> Any:
    converters: dict[str, Callable[[str], Any]] = {
        "str": str,
        "int": int,
        "float": float,
        "bool": lambda value: _BOOLS[value],
        "null": lambda value: None if value in _NULLS else _BOOLS[value],
    }
    short = tag.removeprefix(_TAG)
    if tag == "!" or short not in converters:
        if tag == "!":
            return text
        raise _InvalidNodeError(SYNTAX, span, f"unsupported tag '{tag}'", "remove the tag")
    try:
        return converters[short](text)
    except (KeyError, ValueError):
        raise _InvalidNodeError(SYNTAX, span, f"'{text}' is not a valid !!{short}") from None


class _Frame:
    __slots__ = ("container", "key", "key_span", "merges", "path", "size")

    def __init__(self, container: dict[Any, Any] | list[Any], path: Path) -> None:
        self.container = container
        self.path = path
        self.key: Any = _NO_KEY
        self.key_span: Span | None = None
        self.merges: list[Any] = []
        self.size = 1  # nodes below, aliases counted as expanded


_NO_KEY = object()
_MERGE = object()


class _Builder:
    """Turns one document's events into data and spans."""

    def __init__(self, file: str, root: Span) -> None:
        self.file = file
        self.values: dict[Path, Span] = {}
        self.keys: dict[Path, Span] = {}
        self.plain: dict[Path, str] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.root_span = root
        self.data: Any = None

    def span(self, event: Any) -> Span:
        mark = event.start_mark
        return Span(self.file, mark.line + 1, mark.column + 1)

    def add(
        self, value: Any, span: Span, anchor: str | None, raw: str | None = None, size: int = 1
    ) -> None:
        """Place a finished value in the innermost container, or as the document itself."""
        if anchor:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.data = value
            self.values[()] = span
            return
        frame = self.stack[-1]
        frame.size += size
        if frame.size > MAX_NODES:
            raise _InvalidNodeError(
                SYNTAX,
                span,
                f"document expands to more than {MAX_NODES} nodes",
                "aliases that repeat large anchors multiply: write the data out, or split it",
            )
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
        elif frame.key is _NO_KEY:
            self.take_key(frame, value, span)
            return
        else:
            key, frame.key = frame.key, _NO_KEY
            if key is _MERGE:
                frame.merges.append(value)
                return
            path = (*frame.path, key)
            frame.container[key] = value
            assert frame.key_span is not None
            self.keys[path] = frame.key_span
        self.values[path] = span
        if raw is not None:
            self.plain[path] = raw

    def take_key(self, frame: _Frame, key: Any, span: Span) -> None:
        if isinstance(key, dict | list):
            raise _InvalidNodeError(SYNTAX, span, "a mapping key must be a plain value")
        if key == "<<" and not isinstance(frame.container, list):
            frame.key = _MERGE
            return
        if key in frame.container:
            first = self.keys.get((*frame.path, key), span)
            raise _InvalidNodeError(
                DUPLICATE_KEY, span, f"duplicate key '{key}'", f"first given at line {first.line}"
            )
        frame.key = key
        frame.key_span = span

    def open(self, container: dict[Any, Any] | list[Any], event: Any) -> None:
        span = self.span(event)
        if len(self.stack) >= MAX_DEPTH:
            raise _TooDeepError(span)
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            path: Path = ()
        elif isinstance(parent.container, list):
            path = (*parent.path, len(parent.container))
        elif parent.key is _NO_KEY:
            raise _InvalidNodeError(SYNTAX, span, "a mapping key must be a plain value")
        else:
            path = (*parent.path, parent.key) if parent.key is not _MERGE else parent.path
        self.stack.append(_Frame(container, path))
        self.values.setdefault(path, span)

    def close(self) -> tuple[Any, Span, int]:
        frame = self.stack.pop()
        if isinstance(frame.container, dict):
            for merged in frame.merges:
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, dict):
                        for key, value in source.items():
                            frame.container.setdefault(key, value)
        return frame.container, self.values.get(frame.path, self.root_span), frame.size


def read_documents(text: str, file: str) -> tuple[list[RawDocument], list[Finding]]:
    """All complete documents of `text`; a syntax error ends the file with a finding.

    libyaml reads fast but follows YAML 1.1 in places (it rejects `{secret: env:NAME}`); a
    file it rejects is read again by ruamel's own YAML 1.2 parser, whose verdict stands
    (unless the file already nests too deep: that is the verdict then).
    """
    deep = _flow_too_deep(text, file)
    if deep is not None:
        return [], [deep]
    documents, findings, read_again = _read(text, file, pure=False)
    if read_again:
        documents, findings, _ = _read(text, file, pure=True)
    return documents, findings


_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_too_deep(text: str, file: str) -> Finding | None:
    """Flow collections (`[`, `{`) nested deeper than MAX_DEPTH, found in one pass before
    any parser sees the file: both parsers slow down with the square of flow depth."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            before = text[: match.start()]
            line = before.count("\n") + 1
            col = match.start() - (before.rfind("\n") + 1) + 1
            return _TooDeepError(Span(file, line, col)).finding
        depth = max(depth, 0)
    return None


def _read(text: str, file: str, *, pure: bool) -> tuple[list[RawDocument], list[Finding], bool]:
    documents: list[RawDocument] = []
    findings: list[Finding] = []
    parser_failed = too_deep = False
    builder: _Builder | None = None
    anchors_of_open: list[str | None] = []
    parser = YAML(typ="safe", pure=pure)
    try:
        for event in parser.parse(text):
            if isinstance(event, DocumentStartEvent):
                builder = _Builder(file, Span(file, event.start_mark.line + 1, 1))
                anchors_of_open = []
                continue
            if builder is None:
                continue
            try:
                _feed(builder, event, anchors_of_open)
            except _InvalidNodeError as problem:
                too_deep = too_deep or isinstance(problem, _TooDeepError)
                findings.append(problem.finding)
                builder = None
                continue
            if isinstance(event, DocumentEndEvent):
                if builder.data is not None:
                    root = builder.values.get((), builder.root_span)
                    spans = DocumentSpans(root, builder.values, builder.keys)
                    documents.append(RawDocument(builder.data, spans, builder.plain))
                builder = None
    except MarkedYAMLError as error:
        findings.append(_syntax_finding(error, file, text))
        parser_failed = True
    except YAMLError as error:
        findings.append(_reader_finding(error, text, file))
        parser_failed = True
    # a parser's failure is worth a second reading by the other parser, unless the file
    # already nests too deep (that is the verdict, and the pure parser slows down with depth)
    return documents, findings, parser_failed and not too_deep


def _feed(builder: _Builder, event: Any, anchors_of_open: list[str | None]) -> None:
    if isinstance(event, ScalarEvent):
        span = builder.span(event)
        if event.tag is None and event.implicit[0] and not event.style:
            value = resolve_plain(event.value)
            raw = event.value if not isinstance(value, str) else None
        elif event.tag is not None and event.tag != "!" and not event.implicit[1]:
            value, raw = _tagged(event.value, event.tag, span), None
        else:
            value, raw = event.value, None
        builder.add(value, span, event.anchor, raw)
    elif isinstance(event, MappingStartEvent | SequenceStartEvent):
        builder.open({} if isinstance(event, MappingStartEvent) else [], event)
        anchors_of_open.append(event.anchor)
    elif isinstance(event, MappingEndEvent | SequenceEndEvent):
        value, span, size = builder.close()
        builder.add(value, span, anchors_of_open.pop(), size=size)
    elif isinstance(event, AliasEvent):
        span = builder.span(event)
        if event.anchor not in builder.anchors:
            raise _InvalidNodeError(SYNTAX, span, f"unknown alias '*{event.anchor}'")
        value, size = builder.anchors[event.anchor]
        builder.add(value, span, None, size=size)


def _syntax_finding(error: MarkedYAMLError, file: str, text: str = "") -> Finding:
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = " ".join(part for part in (error.problem, error.context) if part)
    opened = error.context_mark.line + 1 if error.context_mark is not None else line
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    plain, advice = _explained(problem, here, line, opened)
    hint = f"{advice} (the parser: {problem})" if advice else ""
    if error.context_mark is not None and any(cause in problem for cause in _OPENED):
        # where the quote, the bracket or the key began: the line to look at
        line, col = error.context_mark.line + 1, error.context_mark.column + 1
    return Finding(SYNTAX, Severity.ERROR, Span(file, line, col), f"YAML syntax: {plain}", hint)


_OPENED = ("quoted scalar", "flow sequence", "flow mapping", "simple key")


def _explained(problem: str, here: str, line: int, opened: int) -> tuple[str, str]:
    """What a YAML parser's complaint usually means, in plain words, and what to do at which
    line; the parser's own words where no usual cause fits."""
    if "'\\t'" in problem:
        return (
            "a tab in the indentation",
            f"YAML is indented with spaces: replace the tab on line {line}",
        )
    if "mapping values are not allowed" in problem:
        if here.count(": ") + here.rstrip().endswith(":") > 1:
            return (
                "a value holds ': ', which YAML reads as another key",
                f'quote the value on line {line} ("...")',
            )
        return (
            f"line {line} is indented under a key that already has a value",
            f"check the indentation of line {line} and of the key above it",
        )
    if "quoted scalar" in problem:
        return (
            f"a quote opened on line {opened} is never closed",
            f"close the quote on line {opened}",
        )
    if "flow sequence" in problem or "flow mapping" in problem:
        bracket = "[" if "sequence" in problem else "{"
        return (
            f"a '{bracket}' opened on line {opened} is not closed, or an item lacks its comma",
            f"close the bracket on line {opened}, or add the missing comma",
        )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return (
            f"line {line} is indented differently from the lines it belongs with "
            f"(from line {opened})",
            f"line up line {line} with the keys or items above it, using spaces",
        )
    if "could not find expected ':'" in problem:
        return (
            f"line {opened} is neither 'key: value' nor a list item",
            f"add the ':' after the key on line {opened}, or indent it into the value above",
        )
    return problem, ""


def _reader_finding(error: YAMLError, text: str, file: str) -> Finding:
    position = getattr(error, "position", None)
    line, col = (1, 1)
    if isinstance(position, int):
        before = text[:position]
        line = before.count("\n") + 1
        col = position - (before.rfind("\n") + 1) + 1
    reason = getattr(error, "reason", None) or "unreadable input"
    return Finding(SYNTAX, Severity.ERROR, Span(file, line, col), f"YAML syntax: {reason}")
