"""The lab's clocks: the instant each PBX's Asterisk lives at. Where Debian's faketime is
installed, the lab's Asterisk runs with libfaketime (roles/asterisk/files/asterisk-lab starts
it so), shifted by the offset in seconds this module writes into the host's clock file
(`clocks/<host>` in the lab folder), which libfaketime reads at every reading of the time.
A call at an instant holds the clocks of the PBXs that may take it (a lock each, taken in
name order, so two calls never share a clock and calls to other PBXs go on beside it) from
before it is placed until it ends."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.lab.lab import Lab, LabError
from ccmsctl.waiting import first

CLOCKS = "clocks"  # in the lab folder, a file per PBX; the folder asterisk-lab reads
LIBRARY = "*/faketime/libfaketime.so.1"  # under /usr/lib
SETTLE = 0.2  # seconds for a reading of the time in flight to end before a call starts
LOCK_WAIT = 600  # seconds a call waits for another's hold on a clock


def faketime_installed() -> bool:
    return any(Path("/usr/lib").glob(LIBRARY))


def _locked(fileno: int) -> bool | None:
    try:
        fcntl.flock(fileno, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return None
    return True


def _lock(fileno: int) -> None:
    if first(lambda: _locked(fileno), LOCK_WAIT, 0.2) is None:
        raise LabError(f"another call held a PBX's clock for {LOCK_WAIT} s")


@contextmanager
def held_at(lab: Lab, instant: datetime | None, hosts: Iterable[str] = ()) -> Iterator[None]:
    """The Asterisk of `hosts` (every PBX of the lab when none are named) at `instant` (None:
    real time) while the block runs: their clocks set so that they read `instant` as the
    block starts, and held against other calls."""
    if instant is not None and not faketime_installed():
        raise LabError("a call at an instant needs Debian's faketime: apt-get install faketime")
    names = sorted(set(hosts) or {h.name for h in lab.hosts if "pbx" in h.roles})
    folder = lab.folder / CLOCKS
    folder.mkdir(exist_ok=True)
    with ExitStack() as held:
        for name in names:
            handle = held.enter_context((folder / f".{name}.lock").open("a"))
            _lock(handle.fileno())
        changed = False
        for name in names:
            if instant is None:
                wanted = "+0"
            else:
                offset = (instant - datetime.now(UTC)).total_seconds() - SETTLE
                wanted = f"{offset:+.0f}"
            if wanted != _read(folder / name):
                (folder / name).write_text(wanted + "\n", encoding="ascii")
                changed = True
        if changed:
            time.sleep(SETTLE)
        yield


def _read(clock: Path) -> str:
    try:
        return clock.read_text(encoding="ascii").strip() or "+0"
    except OSError:
        return "+0"
