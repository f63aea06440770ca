"""A cache of parsed YAML files: each file's documents, their data and the place of every
node, so that a file that did not change is not parsed again (parsing is most of what
`validate` does on a large estate).

An entry is keyed by the SHA-256 of the file's text, ccmsctl's version and the reader's own
source (yamlread.py and this module: a changed reader misses every entry), never by the
file's name: the places are stored without it and take the name the file has now. Only a
file read without a finding is kept.

Entries are kept in ccmsctl's cache folder (store.py), signed: anything that does not read
back as an entry is a miss, never a wrong answer.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from ccmsctl.errors import DocumentSpans, Span
from ccmsctl.errors import Path as Path_
from ccmsctl.load import yamlread
from ccmsctl.load.yamlread import RawDocument
from ccmsctl.store import SignedStore, default_folder

MAGIC = b"ccmsctl parsed 1\n"


@cache
def _reader_digest() -> bytes:
    """What makes a parse: ccmsctl's version and the reader's source."""
    try:
        release = package_version("ccmsctl")
    except PackageNotFoundError:
        release = "unknown"
    digest = hashlib.sha256(release.encode())
    for module in (yamlread.__file__, __file__):
        digest.update(Path(module).read_bytes())
    return digest.digest()


class DocumentCache:
    """Parsed files under `folder`, by the digest of their text."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._reader = _reader_digest()
        self._store = SignedStore(folder, MAGIC)

    @classmethod
    def default(cls) -> DocumentCache | None:
        folder = default_folder()
        return cls(folder) if folder is not None else None

    def _entry(self, text: str) -> Path:
        digest = hashlib.sha256(self._reader + text.encode("utf-8", "surrogatepass"))
        name = digest.hexdigest()
        return self.folder / name[:2] / f"{name}.bin"

    def get(self, text: str, file: str) -> list[RawDocument] | None:
        """The documents of `text` (a file now called `file`), or None: a miss."""
        payload = self._store.get(self._entry(text))
        if payload is None:
            return None
        try:
            # signed with this cache's key: written by this user's ccmsctl
            return _documents(marshal.loads(payload), file)  # noqa: S302
        except (EOFError, ValueError, TypeError, IndexError, KeyError):
            return None

    def put(self, text: str, documents: list[RawDocument]) -> None:
        """Keep the documents of `text`; a cache that cannot be written is left alone."""
        try:
            payload = marshal.dumps(_entries(documents))
        except ValueError:  # a value marshal does not take: not kept
            return
        self._store.put(self._entry(text), payload)


class _Places(Mapping[Path_, Span]):
    """The places of a document's nodes as an entry keeps them (path -> (line, column)),
    each made a Span of `file` only when asked for: most are never asked for."""

    __slots__ = ("file", "table")

    def __init__(self, file: str, table: dict[Path_, tuple[int, int]]) -> None:
        self.file = file
        self.table = table

    def __getitem__(self, path: Path_) -> Span:
        line, col = self.table[path]
        return Span(self.file, line, col)

    def __iter__(self) -> Iterator[Path_]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def _places(table: Mapping[Path_, Span]) -> dict[Path_, tuple[int, int]]:
    return {path: (span.line, span.col) for path, span in table.items()}


def _entries(documents: list[RawDocument]) -> tuple[Any, ...]:
    """The documents as marshal takes them: places without their file's name."""
    return tuple(
        (
            raw.data,
            (raw.spans.root.line, raw.spans.root.col),
            _places(raw.spans.values),
            _places(raw.spans.keys),
            raw.plain,
        )
        for raw in documents
    )


def _documents(entries: Any, file: str) -> list[RawDocument]:
    """The documents of an entry, their places in `file`."""
    documents = []
    for data, (line, col), values, keys, plain in entries:
        if not (isinstance(values, dict) and isinstance(keys, dict) and isinstance(plain, dict)):
            raise TypeError("not an entry")
        spans = DocumentSpans(Span(file, line, col), _Places(file, values), _Places(file, keys))
        documents.append(RawDocument(data, spans, plain))
    return documents
