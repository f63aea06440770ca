"""Junos's command line for the fake devices: operational mode, configuration mode on a
candidate of `set` lines, commit, commit confirmed with its automatic rollback, rollback 0.

hier_config's Junos driver does not apply `delete` lines to a configuration, so the candidate
is kept here as plain `set` lines: `set` adds one, `delete` removes a statement and all below
it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import paramiko

if TYPE_CHECKING:
    from ccmsctl.lab.fakedevice.server import FakeDevice


class Junos:
    """The Junos command line of one fake device."""

    def __init__(self, device: FakeDevice, username: str, hostname: str, minute: float) -> None:
        self.device, self.minute = device, minute
        self.host = f"{username}@{hostname}"
        self._lock = threading.Lock()
        self._rollback: threading.Timer | None = None
        self._before: list[str] = []  # the running lines before an unconfirmed commit
        self.rolled_back = 0

    def lines(self) -> list[str]:
        return [line for line in self.device.running.splitlines() if line.strip()]

    def _write(self, lines: list[str]) -> None:
        self.device.state_file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    def shell(self, channel: paramiko.Channel, lines: Iterator[str]) -> None:
        candidate: list[str] | None = None  # None: operational mode
        exiting = False
        channel.sendall(f"\r\n{self.host}> ".encode())
        for typed in lines:
            line = typed.strip()
            if exiting:
                exiting = False
                if line.lower() in ("", "yes", "y"):
                    candidate = None
                    channel.sendall(f"{typed}\r\nExiting configuration mode\r\n\r\n".encode())
                    channel.sendall(f"{self.host}> ".encode())
                else:
                    channel.sendall(f"{typed}\r\n\r\n[edit]\r\n{self.host}# ".encode())
                continue
            if candidate is None:
                reply = self._operational(line)
                if reply is None:
                    channel.close()
                    return
                if line in ("configure", "configure private"):
                    candidate = self.lines()
                    channel.sendall(f"{typed}\r\n{reply}[edit]\r\n{self.host}# ".encode())
                else:
                    channel.sendall(f"{typed}\r\n{reply}\r\n{self.host}> ".encode())
                continue
            if line in {"exit configuration-mode", "exit"}:
                if candidate != self.lines():
                    exiting = True
                    channel.sendall(
                        f"{typed}\r\nThe configuration has been changed but not committed\r\n"
                        "Exit with uncommitted changes? [yes,no] (yes) ".encode()
                    )
                    continue
                candidate = None
                channel.sendall(
                    f"{typed}\r\nExiting configuration mode\r\n\r\n{self.host}> ".encode()
                )
                continue
            reply, candidate = self._configure(line, candidate)
            channel.sendall(f"{typed}\r\n{reply}\r\n[edit]\r\n{self.host}# ".encode())

    def _operational(self, line: str) -> str | None:
        dialect = self.device.dialect
        if line in dialect.replies:
            return dialect.replies[line]
        if line in ("exit", "quit"):
            return None
        if line == "show configuration | display set":
            return "\r\n".join(self.lines()) + "\r\n"
        if line in dialect.configure:
            return "Entering configuration mode\r\n\r\n"
        if not line:
            return ""
        return f"{' ' * len(self.host)}^\r\nunknown command.\r\n"

    def _configure(self, line: str, candidate: list[str]) -> tuple[str, list[str]]:
        device = self.device
        if not line:
            return "", candidate
        if line == "rollback 0":
            return "load complete\r\n", self.lines()
        if line == "commit check":
            return "configuration check succeeds\r\n", candidate
        if line == "commit" or line.startswith("commit confirmed"):
            return self._commit(line, candidate), candidate
        if device.reject and device.reject.search(line):
            return f"{' ' * (len(self.host) + 6)}^\r\nsyntax error.\r\n", candidate
        verb, _, rest = line.partition(" ")
        if verb == "set" and rest:
            device.commands.append(line)
            return "", candidate if line in candidate else [*candidate, line]
        if verb == "delete" and rest:
            device.commands.append(line)
            body = line[len("delete ") :]
            kept = [
                c for c in candidate if not (c == f"set {body}" or c.startswith(f"set {body} "))
            ]
            if len(kept) == len(candidate):
                return "warning: statement not found\r\n", candidate
            return "", kept
        return f"{' ' * (len(self.host) + 2)}^\r\nsyntax error.\r\n", candidate

    def _commit(self, line: str, candidate: list[str]) -> str:
        with self._lock:
            previous = self.lines()
            confirmed_pending = self._rollback is not None
            self.cancel_rollback()
            self._write(candidate)
            self.device.saved += 1
            reply = "configuration check succeeds\r\n"
            if line.startswith("commit confirmed"):
                minutes = int(line.split()[2]) if len(line.split()) > 2 else 10
                keep = previous if not confirmed_pending else self._before
                self._before = keep
                self._rollback = threading.Timer(minutes * self.minute, self._roll_back, [keep])
                self._rollback.daemon = True
                self._rollback.start()
                reply += (
                    f"commit confirmed will be automatically rolled back in {minutes} minutes "
                    "unless confirmed\r\n"
                )
            return reply + "commit complete\r\n"

    def _roll_back(self, lines: list[str]) -> None:
        with self._lock:
            self._write(lines)
            self._rollback = None
            self.rolled_back += 1

    def cancel_rollback(self) -> None:
        if self._rollback is not None:
            self._rollback.cancel()
            self._rollback = None
