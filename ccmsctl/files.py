"""Writing files ccmsctl's own way, in one place: whole (a reader sees the old file or the
new one, never half of one: a new file of a name no one can have placed, O_EXCL, renamed
over the old) and, where they hold anything private, readable by this user only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Replace `path` whole with `data`, with permissions `mode`."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".ccmsctl")
    temporary = Path(name)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Replace `path` whole with `data`, readable by this user only (mode 0600)."""
    write_atomic(path, data, mode=0o600)


def open_private(path: Path) -> BinaryIO:
    """`path` opened to be written from the start, readable by this user only from its
    creation (for a file written as a stream: an archive)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(handle, "wb")
