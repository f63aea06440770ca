"""Where things are and what is wrong with them: spans, findings, the source map.

The lowest layer of the pipeline: every stage reports problems as `Finding` values located by a
`Span`. This module knows nothing of YAML, pydantic or the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, NamedTuple

Path = tuple[str | int, ...]


class UserError(Exception):
    """A failure the user caused and can fix (a missing lab, a held lock, a stale plan, an
    unreachable host...): the command line prints it as one located error line, as a
    finding is printed (`where: error[E1203]: message`), exit status 1, no trace. Each
    stage's own errors derive from it, each kind with its own code (E1xxx; docs/errors.md)
    and, where the error is in a file, its span."""

    code: ClassVar[str] = "E1000"

    def __init__(self, message: str = "", span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span

    def line(self) -> str:
        """The error as the command line prints it."""
        where = f"{self.span}: " if self.span is not None else ""
        return f"{where}{Severity.ERROR}[{self.code}]: {self}"


class Severity(StrEnum):
    """How bad a finding is; `--strict` treats warnings as errors."""

    ERROR = "error"
    WARNING = "warning"


class Span(NamedTuple):
    """A 1-based position in a file of the estate, as printed to the user. A named tuple: the
    loader makes one for every YAML node, so it must be cheap."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Finding:
    """One located problem. Tests assert `code` and `span`, never the wording."""

    code: str
    severity: Severity
    span: Span
    message: str
    hint: str = ""
    subject: str = ""  # "Kind/name" of the document the finding is about, for waivers

    def sort_key(self) -> tuple[bool, str, int, int, str, str]:
        """Files that could not be read first (they are the cause of what follows), then
        file, line, column, code."""
        span = self.span
        return (self.code >= "E0100", span.file, span.line, span.col, self.code, self.message)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """All findings in the one stable order (see `Finding.sort_key`); duplicates dropped."""
    return sorted(set(findings), key=Finding.sort_key)


@dataclass(frozen=True)
class DocumentSpans:
    """Where each node of one YAML document stands: value spans and mapping-key spans."""

    root: Span
    values: Mapping[Path, Span] = field(default_factory=dict)
    keys: Mapping[Path, Span] = field(default_factory=dict)

    def at(self, path: Path, *, key: bool = False) -> Span:
        """The span of `path`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        for end in range(len(path), 0, -1):
            span = table.get(path[:end])
            if span is not None:
                return span
            if key:
                table = self.values
        return self.root


@dataclass(frozen=True)
class SourceMap:
    """Spans of every loaded document, by (kind, name)."""

    documents: Mapping[tuple[str, str], tuple[DocumentSpans, ...]] = field(default_factory=dict)

    def at(self, kind: str, name: str, *path: str | int, key: bool = False, nth: int = 0) -> Span:
        """Where `path` stands in the `nth` document of that kind and name."""
        docs = self.documents.get((kind, name), ())
        if not docs:
            return Span("<estate>", 1, 1)
        return docs[min(nth, len(docs) - 1)].at(path, key=key)
