"""Load an estate directory: every YAML file, every document, into an `Estate`.

Dispatches documents on `kind:` to the models and collects every finding (syntax, schema) in
one pass. Reads files; writes nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError

from ccmsctl.errors import DocumentSpans, Finding, Severity, SourceMap, Span
from ccmsctl.load.schema_errors import findings_from
from ccmsctl.load.yamlread import RawDocument, read_documents
from ccmsctl.model.base import Document
from ccmsctl.model.kinds import KINDS, Estate

NOT_A_DOCUMENT = "E0002"
UNKNOWN_KIND = "E0003"
UNREADABLE = "E0005"
EMPTY_ESTATE = "E0006"

LOAD_CODES: Mapping[str, str] = MappingProxyType(
    {
        "E0001": "The file is not valid YAML.",
        "E0002": "A document is not a mapping with 'kind:' and 'name:'.",
        "E0003": "A document names an unknown kind.",
        "E0004": "A mapping gives the same key twice.",
        "E0005": "A file cannot be read, or is not UTF-8.",
        "E0006": "The estate directory holds no YAML files.",
        "E0101": "A required field is missing.",
        "E0102": "A field is not part of the kind.",
        "E0103": "A value has the wrong type.",
        "E0104": "A value is not valid for its field.",
        "E0105": "A credential is written as a value instead of a secret reference.",
    }
)


@dataclass(frozen=True)
class Loaded:
    """What loading gives: the estate, where each document stands, what was wrong, and the
    files read (for summaries)."""

    estate: Estate
    sources: SourceMap
    findings: tuple[Finding, ...]
    files: tuple[str, ...]


def estate_files(directory: Path) -> list[Path]:
    """YAML files under `directory`, sorted, skipping hidden files and folders."""
    found = [
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.rglob(pattern)
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    ]
    return sorted(found)


def load_estate(directory: Path) -> Loaded:
    """Read every YAML file under `directory` into an Estate, with all findings."""
    findings: list[Finding] = []
    documents: dict[str, list[Document]] = {kind: [] for kind in KINDS}
    spans: dict[tuple[str, str], list[DocumentSpans]] = {}
    broken: set[tuple[str, str]] = set()
    files = estate_files(directory) if directory.is_dir() else []
    if not files:
        message = "no YAML files found" if directory.is_dir() else "no such directory"
        findings.append(Finding(EMPTY_ESTATE, Severity.ERROR, Span(str(directory), 1, 1), message))
    for path in files:
        shown = path.as_posix()
        text, problem = _read_text(path, shown)
        if problem is not None:
            findings.append(problem)
            continue
        raws, syntax = read_documents(text, shown)
        findings.extend(syntax)
        for raw in raws:
            kind, name, doc, problems = _build(raw)
            findings.extend(problems)
            if kind is None:
                continue
            spans.setdefault((kind, name), []).append(raw.spans)
            if doc is None:
                broken.add((kind, name))
            else:
                documents[kind].append(doc)
    estate = Estate(
        documents={kind: tuple(docs) for kind, docs in documents.items()},
        broken=frozenset(broken),
    )
    sources = SourceMap({key: tuple(value) for key, value in spans.items()})
    return Loaded(estate, sources, tuple(findings), tuple(path.as_posix() for path in files))


def _read_text(path: Path, shown: str) -> tuple[str, Finding | None]:
    try:
        data = path.read_bytes()
    except OSError as error:
        return "", Finding(UNREADABLE, Severity.ERROR, Span(shown, 1, 1), error.strerror or "")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded"
        return "", Finding(
            UNREADABLE, Severity.ERROR, Span(shown, line, col), message, "save the file as UTF-8"
        )


def _build(raw: RawDocument) -> tuple[str | None, str, Document | None, list[Finding]]:
    """(kind, name, document or None, findings) for one raw document."""
    data = raw.data
    if not isinstance(data, dict):
        message = "a document must be a mapping with 'kind:' and 'name:'"
        return None, "", None, [Finding(NOT_A_DOCUMENT, Severity.ERROR, raw.spans.root, message)]
    kind = data.get("kind")
    if kind is None:
        return (
            None,
            "",
            None,
            [
                Finding(
                    NOT_A_DOCUMENT,
                    Severity.ERROR,
                    raw.spans.root,
                    "document has no 'kind:'",
                    f"one of: {', '.join(KINDS)}",
                )
            ],
        )
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(KINDS)}"
        span = raw.spans.at(("kind",))
        return (
            None,
            "",
            None,
            [Finding(UNKNOWN_KIND, Severity.ERROR, span, f"unknown kind '{kind}'", hint)],
        )
    name = data.get("name")
    if not isinstance(name, str):
        name = f"<{raw.spans.root}>"
    model = KINDS[kind]
    try:
        return kind, name, model.model_validate(data), []
    except ValidationError as error:
        return kind, name, None, findings_from(error, raw, model)


def count_by_kind(estate: Estate) -> Iterable[tuple[str, int]]:
    """(kind, number of documents) for every kind present."""
    return ((kind, len(docs)) for kind, docs in estate.documents.items() if docs)
