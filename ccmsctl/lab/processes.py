"""The lab's processes, known by their pid files: alive or not, and stopped together
(asked first, then killed, every wait bounded)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from ccmsctl.waiting import until


def pid_of(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def alive(pid_file: Path) -> bool:
    pid = pid_of(pid_file)
    if pid is None:
        return False
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our own child, now reaped
    except ChildProcessError:
        pass  # not our child: started by an earlier command
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_all(pid_files: list[Path]) -> set[Path]:
    """SIGTERM every live process of `pid_files`, wait (bounded) for all of them, SIGKILL
    what is left; the pid files whose process was running."""
    running = {pid_file: pid for pid_file in pid_files if (pid := pid_of(pid_file)) is not None}
    running = {pid_file: pid for pid_file, pid in running.items() if alive(pid_file)}
    for pid in running.values():
        os.kill(pid, signal.SIGTERM)
    until(lambda: not any(alive(pid_file) for pid_file in running), 10)
    for pid_file, pid in running.items():
        if alive(pid_file):
            os.kill(pid, signal.SIGKILL)
    return set(running)
