"""Running another program, in one place: bounded by a timeout, its output captured, and a
program that is missing or does not finish in time said as a CommandError naming it (never a
trace). What its exit status means is the caller's to judge."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.errors import UserError


class CommandError(UserError):
    """A program ccmsctl runs is not installed, or did not finish within its time."""

    code = "E1002"


class TimedOutError(CommandError):
    """A program ccmsctl runs did not finish within its time."""

    code = "E1003"


@dataclass(frozen=True)
class Ran:
    """A finished run: its exit status and what it wrote."""

    command: tuple[str, ...]
    status: int
    out: bytes
    err: bytes

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8", "replace")

    def why(self) -> str:
        """Why it failed, in one line: the last line it wrote to stderr (else stdout)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        lines = lines or [line for line in self.stdout.splitlines() if line.strip()]
        return lines[-1].strip() if lines else f"{self.command[0]} exited {self.status}"


def run(
    command: Sequence[str | Path],
    *,
    timeout: float,
    stdin: bytes | None = None,
    installed_by: str = "",
) -> Ran:
    """Run `command` to its end (at most `timeout` seconds) with `stdin`; CommandError if its
    program is missing (`installed_by`: the Debian package that has it) or it runs too long."""
    argv = tuple(str(part) for part in command)
    try:
        done = subprocess.run(
            argv,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        package = f" (Debian package {installed_by})" if installed_by else ""
        raise CommandError(f"{argv[0]} is not installed{package}") from None
    except subprocess.TimeoutExpired:
        raise TimedOutError(f"{argv[0]} did not finish within {timeout:g} s") from None
    return Ran(argv, done.returncode, done.stdout, done.stderr)
