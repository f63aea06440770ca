"""A cache of parsed YAML files: each file's documents, their data and the place of every
node, so that a file that did not change is not parsed again (parsing is most of what
`validate` does on a large estate).

An entry is keyed by the SHA-256 of the file's text, ccmsctl's version and the reader's own
source (yamlread.py and this module: a changed reader misses every entry), never by the
file's name: the places are stored without it and take the name the file has now. Only a
file read without a finding is kept.

A cache can be corrupt (a disk, an interrupted write) or foreign (copied from elsewhere,
written by someone else): each entry is signed with a key of the cache's own, made on first
use and readable by its user only, and read only when its signature holds; anything that
does not read back as an entry is a miss, never a wrong answer. `CCMSCTL_CACHE` names the
folder (default: $XDG_CACHE_HOME/ccmsctl/parsed, or ~/.cache/ccmsctl/parsed), `off` turns
the cache off.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import secrets
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from ccmsctl.errors import DocumentSpans, Span
from ccmsctl.errors import Path as Path_
from ccmsctl.files import write_private
from ccmsctl.load import yamlread
from ccmsctl.load.yamlread import RawDocument

MAGIC = b"ccmsctl parsed 1\n"
_SIGNATURE = 32  # bytes of HMAC-SHA256
_KEY_FILE = "key"


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


def default_folder() -> Path | None:
    """The cache's folder, or None when `CCMSCTL_CACHE=off`."""
    chosen = os.environ.get("CCMSCTL_CACHE", "")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ccmsctl" / "parsed"


class DocumentCache:
    """Parsed files under `folder`, by the digest of their text."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._reader = _reader_digest()
        self._secret: bytes | None = None

    @classmethod
    def default(cls) -> DocumentCache | None:
        folder = default_folder()
        return cls(folder) if folder is not None else None

    def _key(self) -> bytes | None:
        """The cache's signing key, made on first use; None when it cannot be had."""
        if self._secret is not None:
            return self._secret
        path = self.folder / _KEY_FILE
        try:
            key = path.read_bytes()
        except OSError:
            key = b""
        if len(key) != 32:  # none yet, or damaged: a new key (every entry then misses)
            key = secrets.token_bytes(32)
            try:
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                write_private(path, key)
            except OSError:
                return None
        self._secret = key
        return key

    def _entry(self, text: str) -> Path:
        digest = hashlib.sha256(self._reader + text.encode("utf-8", "surrogatepass"))
        name = digest.hexdigest()
        return self.folder / name[:2] / f"{name}.bin"

    def get(self, text: str, file: str) -> list[RawDocument] | None:
        """The documents of `text` (a file now called `file`), or None: a miss."""
        key = self._key()
        if key is None:
            return None
        try:
            blob = self._entry(text).read_bytes()
        except OSError:
            return None
        head, signature = blob[: len(MAGIC)], blob[len(MAGIC) : len(MAGIC) + _SIGNATURE]
        payload = blob[len(MAGIC) + _SIGNATURE :]
        expected = hmac.new(key, payload, hashlib.sha256).digest()
        if head != MAGIC or not hmac.compare_digest(signature, expected):
            return None
        try:
            # signed with this cache's key: written by this user's ccmsctl
            return _documents(marshal.loads(payload), file)  # noqa: S302
        except (EOFError, ValueError, TypeError, IndexError, KeyError):
            return None

    def put(self, text: str, documents: list[RawDocument]) -> None:
        """Keep the documents of `text`; a cache that cannot be written is left alone."""
        key = self._key()
        if key is None:
            return
        try:
            payload = marshal.dumps(_entries(documents))
        except ValueError:  # a value marshal does not take: not kept
            return
        signature = hmac.new(key, payload, hashlib.sha256).digest()
        entry = self._entry(text)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private(entry, MAGIC + signature + payload)
        except OSError:
            return


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
