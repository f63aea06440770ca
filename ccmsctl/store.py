"""ccmsctl's cache folder: entries signed with a key of the folder's own, so that a corrupt
(a disk, an interrupted write) or foreign (copied from elsewhere, written by someone else)
entry reads as a miss, never as a wrong answer.

The key is made on first use and readable by its user only; a damaged key is replaced, and
every entry signed with the old one then misses. `CCMSCTL_CACHE` names the folder (default:
$XDG_CACHE_HOME/ccmsctl/parsed, or ~/.cache/ccmsctl/parsed), `off` turns caching off. What
goes in an entry, and what names it, is its user's: the parsed files (load/cache.py) and the
compiled sites (compile/memo.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ccmsctl.files import write_private

_SIGNATURE = 32  # bytes of HMAC-SHA256
_KEY_FILE = "key"


def default_folder() -> Path | None:
    """The cache's folder, or None when `CCMSCTL_CACHE=off`."""
    chosen = os.environ.get("CCMSCTL_CACHE", "")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ccmsctl" / "parsed"


class SignedStore:
    """Entries under `folder`, each `magic`, its signature, then its payload."""

    def __init__(self, folder: Path, magic: bytes) -> None:
        self.folder = folder
        self.magic = magic
        self._secret: bytes | None = None

    def key(self) -> bytes | None:
        """The folder's signing key, made on first use; None when it cannot be had."""
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

    def get(self, entry: Path) -> bytes | None:
        """The payload of `entry` (a path under the folder) when its signature holds."""
        key = self.key()
        if key is None:
            return None
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        magic = self.magic
        head, signature = blob[: len(magic)], blob[len(magic) : len(magic) + _SIGNATURE]
        payload = blob[len(magic) + _SIGNATURE :]
        expected = hmac.new(key, payload, hashlib.sha256).digest()
        if head != magic or not hmac.compare_digest(signature, expected):
            return None
        return payload

    def put(self, entry: Path, payload: bytes) -> None:
        """Keep `payload` as `entry`, signed; a folder that cannot be written is left alone."""
        key = self.key()
        if key is None:
            return
        signature = hmac.new(key, payload, hashlib.sha256).digest()
        try:
            entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private(entry, self.magic + signature + payload)
        except OSError:
            return
