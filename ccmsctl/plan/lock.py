"""The apply lock: one apply at a time per target, with who holds it and since when.

A folder's lock (the lab's) is a file created with O_EXCL (atomic on one filesystem); an
inventory's is kept on its hosts (ssh/lock.py). A second apply waits up to --lock-timeout
and is then refused, naming the holder; `ccmsctl force-unlock LOCK_ID` breaks a lock left
by a killed apply.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.errors import UserError
from ccmsctl.waiting import first

LOCK_FILE = "lock.json"


@dataclass(frozen=True)
class LockInfo:
    id: str
    operation: str
    who: str
    version: str
    when: str

    def describe(self) -> str:
        return f"lock {self.id} held by {self.who} for {self.operation} since {self.when}"


class LockedError(UserError):
    """Another apply holds the lock (past --lock-timeout): who, since when, and how to break
    it if that apply died."""

    code = "E1205"

    def __init__(self, holder: LockInfo | None) -> None:
        detail = holder.describe() if holder else "lock held (its file is unreadable)"
        super().__init__(
            f"{detail}; if that apply is dead: ccmsctl force-unlock "
            f"{holder.id if holder else '<id>'}"
        )
        self.holder = holder


def read_lock(folder: Path) -> LockInfo | None:
    try:
        return LockInfo(**json.loads((folder / LOCK_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


OPERATOR = "CCMSCTL_OPERATOR"  # who runs ccmsctl, where user@machine does not say (CI)


def operator() -> str:
    """Who is applying: $CCMSCTL_OPERATOR (a CI job sets the person who merged), else
    user@machine. It names a lock's holder and goes into each host's record."""
    return os.environ.get(OPERATOR) or f"{getpass.getuser()}@{socket.gethostname()}"


def new_lock(operation: str, version: str) -> LockInfo:
    """A lock for this process to take: a new id, who (operator(), pid), since now."""
    return LockInfo(
        id=str(uuid.uuid4()),
        operation=operation,
        who=f"{operator()} (pid {os.getpid()})",
        version=version,
        when=datetime.now(UTC).isoformat(timespec="seconds"),
    )


@contextmanager
def locked(folder: Path, operation: str, version: str, *, timeout: float = 0) -> Iterator[LockInfo]:
    """Hold the lock of `folder` for the duration; wait up to `timeout` seconds for it."""
    info = new_lock(operation, version)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    handle = first(lambda: _create(path), timeout, 0.2)
    if handle is None:
        raise LockedError(read_lock(folder))
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(asdict(info), stream)
    try:
        yield info
    finally:
        path.unlink(missing_ok=True)


def _create(path: Path) -> int | None:
    """A handle on `path`, made now (None if it exists: the lock is held)."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None


class LockError(UserError):
    """force-unlock was given the wrong lock, or there is none."""

    code = "E1206"


def force_unlock(folder: Path, lock_id: str) -> LockInfo:
    """Remove the lock if its id is `lock_id`; raises LockError otherwise."""
    holder = read_lock(folder)
    if holder is None:
        raise LockError(f"no lock in {folder}")
    if holder.id != lock_id:
        raise LockError(f"the lock's id is {holder.id}, not {lock_id}")
    (folder / LOCK_FILE).unlink()
    return holder
