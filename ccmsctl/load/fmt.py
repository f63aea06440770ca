"""`ccmsctl fmt`: the estate's YAML in one canonical layout, through ruamel's round trip, so
comments, key order and flow style stay as written: two-space mappings, sequences indented
under their key (`  - item`), no line wrapping, and DIDs, extensions and menu keys in double
quotes (a plain `+862161230000` is read as a number; a quoted one stays a DID).

A plain value YAML would read as a number though it is one to dial (`first: +862161230000`
loses its `+`, `00861012345` its zeros) is quoted as written: the one change of value fmt
makes. Otherwise a file is rewritten only if its data is unchanged by the layout: read again,
it must give the same values. A file that does not parse is named with its error and left
as it is.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ccmsctl.errors import Finding, Severity, Span, UserError
from ccmsctl.files import write_atomic
from ccmsctl.load.estate import VAULT_HEADER, estate_files, read_text
from ccmsctl.load.migrate import FORMAT, NEWER, format_of, migrate
from ccmsctl.load.yamlread import read_documents

_DIAL = re.compile(r"^\+?[0-9*#]+$")  # a DID, an E.164 number, an extension, a menu key
# A plain value YAML reads as a number though it is a number to dial: `+8621...` (the sign
# is dropped) or `0086...` (the zeros are): quoted as written before anything else.
_PLAIN_DIAL = re.compile(r"\+[0-9]+|0[0-9]+")
UNSAFE = "E0001"


@dataclass(frozen=True)
class Formatted:
    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def round_trip_yaml() -> YAML:
    """The round-trip reader and writer, in the estate's canonical layout."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{address: ...}] stays so
    return yaml


def _quote_dials(node: Any) -> Any:
    """Strings that look like numbers a caller dials, in double quotes, wherever they are."""
    if isinstance(node, CommentedMap):
        for key in list(node):
            node[key] = _quote_dials(node[key])
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            node[index] = _quote_dials(item)
    elif (
        isinstance(node, str)
        and _DIAL.match(node)
        and not isinstance(node, DoubleQuotedScalarString)
    ):
        return DoubleQuotedScalarString(str(node))
    return node


def _values(text: str) -> list[Any]:
    return list(YAML(typ="safe", pure=True).load_all(text))


def _plain_dial_spans(text: str) -> list[tuple[int, int]]:
    """Where plain values that read as numbers but are numbers to dial stand in `text`:
    values only (not keys, not the inside of a block or quoted scalar), from the parser's
    own events (raises YAMLError when `text` does not parse)."""
    spans: list[tuple[int, int]] = []
    open_collections: list[list[bool]] = []  # per collection: [a mapping, next node a key]
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            open_collections.pop()
            continue
        if not isinstance(event, ScalarEvent | MappingStartEvent | SequenceStartEvent | AliasEvent):
            continue
        inside = open_collections[-1] if open_collections else None
        is_key = inside is not None and inside[0] and inside[1]
        if inside is not None and inside[0]:
            inside[1] = not inside[1]
        if (
            isinstance(event, ScalarEvent)
            and not is_key
            and event.style is None
            and event.tag is None
            and _PLAIN_DIAL.fullmatch(event.value)
        ):
            spans.append((event.start_mark.index, event.end_mark.index))
        if isinstance(event, MappingStartEvent):
            open_collections.append([True, True])
        elif isinstance(event, SequenceStartEvent):
            open_collections.append([False, False])
    return spans


def quote_plain_dials(text: str) -> str:
    """Plain `+8621...` and `0086...` values in double quotes, as written; every other byte
    (comments, block scalars, keys) as it was."""
    for start, end in reversed(_plain_dial_spans(text)):
        text = f'{text[:start]}"{text[start:end]}"{text[end:]}'
    return text


def same_but_dials(before: Any, after: Any) -> bool:
    """Whether `after` holds the values of `before`, but for numbers to dial that YAML read
    as integers and that are now the strings they were written as (`+8621...` for 8621...).
    Aliases that make a structure hold itself are followed once."""
    return _same(before, after, set())


def _same(before: Any, after: Any, seen: set[tuple[int, int]]) -> bool:
    if isinstance(before, dict | list) and isinstance(after, dict | list):
        pair = (id(before), id(after))
        if pair in seen:
            return True
        seen.add(pair)
    if isinstance(before, dict) and isinstance(after, dict):
        return list(before) == list(after) and all(
            _same(before[key], after[key], seen) for key in before
        )
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(
            _same(old, new, seen) for old, new in zip(before, after, strict=True)
        )
    if isinstance(before, int) and not isinstance(before, bool) and isinstance(after, str):
        return bool(_PLAIN_DIAL.fullmatch(after)) and int(after) == before
    if isinstance(before, float) and isinstance(after, float) and math.isnan(before):
        return math.isnan(after)  # NaN is not equal to itself, and is the same value
    return type(before) is type(after) and before == after


def format_text(text: str) -> str:
    """`text` in the canonical layout (raises YAMLError when it does not parse)."""
    yaml = round_trip_yaml()
    documents = [_quote_dials(document) for document in yaml.load_all(quote_plain_dials(text))]
    out = io.StringIO()
    yaml.dump_all(documents, out)
    result = out.getvalue()
    return result if result.endswith("\n") else result + "\n"


def format_file(path: Path, shown: str) -> tuple[Formatted | None, Finding | None]:
    text, unreadable = read_text(path, shown)
    if unreadable is not None:
        return None, unreadable
    if text.startswith(VAULT_HEADER):
        return None, None
    _, findings = read_documents(text, shown)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        return None, errors[0]
    try:
        after = format_text(text)
        same = same_but_dials(_values(text), _values(after))
    except YAMLError as error:
        return None, Finding(UNSAFE, Severity.ERROR, Span(shown, 1, 1), f"cannot format: {error}")
    if not same:
        message = "its layout cannot be made canonical without changing its values: left as is"
        return None, Finding(UNSAFE, Severity.ERROR, Span(shown, 1, 1), message)
    return Formatted(path, text, after), None


def format_estate(
    directory: Path, *, migrate_format: bool = False
) -> tuple[list[Formatted], list[Finding]]:
    """Every YAML file of the estate, formatted (not written), and the files that cannot be;
    with `migrate_format`, in the current estate format (ccmsctl/load/migrate.py)."""
    paths, problems = estate_files(directory)
    done: list[Formatted] = []
    for path in paths:
        formatted, problem = format_file(path, str(path))
        if formatted is not None:
            done.append(formatted)
        if problem is not None:
            problems.append(problem)
    if migrate_format and not problems:
        done, problems = _migrated(done)
    return done, problems


def _migrated(files: list[Formatted]) -> tuple[list[Formatted], list[Finding]]:
    """The formatted files with the estate's documents taken to the current format (all the
    estate's files at once: a step may change documents in any of them)."""
    yaml = round_trip_yaml()
    loaded = [(entry, list(yaml.load_all(entry.after))) for entry in files]
    documents = [d for _, docs in loaded for d in docs if isinstance(d, CommentedMap)]
    version = format_of(documents)
    if version is None or version == FORMAT:
        return files, []
    if version > FORMAT:
        message = f"the estate is written for estate format {version}; this ccmsctl knows {FORMAT}"
        where = Span(str(files[0].path) if files else ".", 1, 1)
        return files, [Finding(NEWER, Severity.ERROR, where, message)]
    migrate(documents, version)
    done = []
    for entry, docs in loaded:
        out = io.StringIO()
        yaml.dump_all([_quote_dials(d) for d in docs], out)
        text = out.getvalue() if out.getvalue().endswith("\n") else out.getvalue() + "\n"
        done.append(Formatted(entry.path, entry.before, text))
    return done, []


def write_formatted(files: Iterable[Formatted]) -> None:
    """Each changed file replaced whole (a temporary file renamed over it), mode kept; none
    if any of them is a symbolic link."""
    changed = [entry for entry in files if entry.changed]
    for entry in changed:
        _refuse_link(entry.path)
    for entry in changed:
        replace_file(entry.path, entry.after)


class LinkError(UserError):
    """An estate file to rewrite is a symbolic link: ccmsctl writes through no link."""

    code = "E1101"


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LinkError(
            f"{Span(str(path), 1, 1)}: a symbolic link: ccmsctl writes no file through a link "
            "(put the file there, or change the file it points to)"
        )


def replace_file(path: Path, text: str) -> None:
    """`path` replaced whole by `text`, its mode kept: a new file of a name no one can have
    placed (O_EXCL, so a link there is never followed) renamed over it. A `path` that is a
    symbolic link is refused, not written through."""
    _refuse_link(path)
    write_atomic(path, text.encode("utf-8"), mode=path.stat().st_mode & 0o7777)
