"""The lab's clock: the instant its PBXs' Asterisk lives at. Where Debian's faketime is
installed, the lab's Asterisk runs with libfaketime (roles/asterisk/files/asterisk-lab starts
it so), shifted by the offset in seconds this module writes into the lab folder's `clock`
file, which libfaketime reads at every reading of the time. A call at an instant holds the
clock (a lock, so two calls never share it) from before it is placed until it ends."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.lab.lab import Lab, LabError

CLOCK = "clock"  # in the lab folder; the name asterisk-lab reads
LIBRARY = "/usr/lib/*/faketime/libfaketime.so.1"
REREAD = 0.2  # seconds for a reading of the time in flight to end before a call starts
LOCK_WAIT = 600  # seconds a call waits for another's hold on the clock


def faketime_installed() -> bool:
    return any(Path("/usr/lib").glob(LIBRARY.removeprefix("/usr/lib/")))


def _lock(fileno: int) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fileno, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise LabError(f"another call held the lab's clock for {LOCK_WAIT} s") from None
            time.sleep(0.2)
        else:
            return


@contextmanager
def held_at(lab: Lab, instant: datetime | None) -> Iterator[None]:
    """The lab's Asterisk at `instant` (None: real time) while the block runs: the clock
    set so that it reads `instant` as the block starts, and held against other calls."""
    if instant is not None and not faketime_installed():
        raise LabError("a call at an instant needs Debian's faketime: apt-get install faketime")
    clock = lab.folder / CLOCK
    with (lab.folder / f"{CLOCK}.lock").open("a") as handle:
        _lock(handle.fileno())
        was = _read(clock)
        if instant is None:
            wanted = "+0"
        else:
            offset = (instant - datetime.now(UTC)).total_seconds() - REREAD
            wanted = f"{offset:+.0f}"
        if wanted != was:
            clock.write_text(wanted + "\n", encoding="ascii")
            time.sleep(REREAD)
        yield


def _read(clock: Path) -> str:
    try:
        return clock.read_text(encoding="ascii").strip() or "+0"
    except OSError:
        return "+0"
