"""A fake network device for the lab and the tests: a real SSH server (paramiko) on a
loopback address with the command line of a platform (Cisco IOS, Arista EOS, Huawei VRP or
Juniper Junos), keeping a running configuration.

It answers what netmiko's driver for the platform sends: paging and width commands, show or
display the running configuration, enter configuration mode and its sub-modes, leave them,
`no`/`undo` lines, save (with VRP's confirmation). Configuration lines are applied with
hier_config, as the device would apply them; lines matching `reject` are refused with the
platform's own error text.

Junos keeps a candidate configuration of `set` lines: `set`/`delete` change the candidate,
`commit` makes it the running one, `rollback 0` discards it, and `commit confirmed N` rolls
the commit back by itself after N minutes (`minute` seconds each) unless a `commit` confirms
it in time.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import paramiko
from hier_config import HConfig, HConfigChild, get_hconfig

from ccmsctl.lab.fakedevice.dialects import DIALECTS
from ccmsctl.lab.fakedevice.junos import Junos
from ccmsctl.plan.platforms import PLATFORMS


class _Server(paramiko.ServerInterface):  # type: ignore[misc]  # paramiko is untyped
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.shell = threading.Event()

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.username and password == self.password
        return int(paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED)

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return int(paramiko.OPEN_SUCCEEDED)
        return int(paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)

    def check_channel_pty_request(self, *args: object) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.shell.set()
        return True


def load_host_key(path: Path | None) -> paramiko.PKey:
    """The device's SSH host key: kept in `path` (made there the first time, mode 0600), so
    a device keeps its key across restarts as a real one does; a new one without `path`."""
    if path is not None and path.exists():
        return paramiko.RSAKey.from_private_key_file(str(path))
    key = paramiko.RSAKey.generate(1024)
    if path is not None:
        key.write_private_key_file(str(path))
        path.chmod(0o600)
    return key


def known_hosts_line(address: str, port: int, key: paramiko.PKey) -> str:
    """The line of an SSH known_hosts file for `key` at address:port."""
    return f"[{address}]:{port} {key.get_name()} {key.get_base64()}"


class FakeDevice:
    """Serve until `stop()`; the running configuration is kept in `state_file`."""

    def __init__(
        self,
        address: str,
        port: int,
        hostname: str,
        username: str,
        password: str,
        state_file: Path,
        reject: str | None = None,
        platform: str = "cisco_ios",
        minute: float = 60,
        lockout: str | None = None,
        host_key: Path | None = None,
    ) -> None:
        self.dialect = DIALECTS[platform]
        self.junos = (
            Junos(self, username, hostname, minute) if PLATFORMS[platform].candidate else None
        )
        self.address, self.port, self.hostname = address, port, hostname
        self.username, self.password = username, password
        self.state_file = state_file
        self.reject = re.compile(reject) if reject else None
        # a running line matching `lockout` refuses new sessions (a change that cuts the
        # device's management off)
        self.lockout = re.compile(lockout, re.MULTILINE) if lockout else None
        self.saved = 0
        self.commands: list[str] = []
        self._key = load_host_key(host_key)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((address, port))
        self._socket.listen(8)
        self._socket.settimeout(0.5)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def known_hosts_line(self) -> str:
        """The device's line for an SSH known_hosts file."""
        return known_hosts_line(self.address, self.port, self._key)

    @property
    def running(self) -> str:
        return self.state_file.read_text(encoding="utf-8") if self.state_file.exists() else ""

    def start(self) -> FakeDevice:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.junos is not None:
            self.junos.cancel_rollback()
        self._thread.join(timeout=10)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        if self.lockout and self.lockout.search(self.running):
            client.close()
            return
        transport = paramiko.Transport(client)
        transport.add_server_key(self._key)
        server = _Server(self.username, self.password)
        try:
            transport.start_server(server=server)
            channel = transport.accept(10)
            if channel is None or not server.shell.wait(10):
                return
            self._shell(channel)
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            transport.close()

    def _lines(self, channel: paramiko.Channel) -> Iterator[str]:
        """The lines typed into `channel`, until the client leaves or the device stops."""
        channel.settimeout(60)
        buffer = b""
        while not self._stopping.is_set():
            data = channel.recv(4096)
            if not data:
                return
            buffer += data
            while b"\n" in buffer or b"\r" in buffer:
                cut = min(i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0)
                line, buffer = buffer[:cut].decode(errors="replace"), buffer[cut + 1 :]
                if buffer[:1] == b"\n":
                    buffer = buffer[1:]
                yield line

    def _shell(self, channel: paramiko.Channel) -> None:
        if self.junos is not None:
            self.junos.shell(channel, self._lines(channel))
            return
        mode: list[str] = []  # [] exec; ["config", section, nested section] in configuration
        session: list[str] = []
        confirming = False
        channel.sendall(self._prompt(mode).encode())
        for line in self._lines(channel):
            if confirming:
                confirming = False
                self.saved += line.strip().lower() == "y"
                done = self.dialect.saved if line.strip().lower() == "y" else ""
                channel.sendall((line + "\r\n" + done + self._prompt(mode)).encode())
                continue
            reply = self._command(line.strip(), mode, session)
            if reply is None:
                channel.close()
                return
            if reply == _CONFIRM:
                confirming = True
                channel.sendall((line + "\r\n" + self.dialect.confirm).encode())
                continue
            channel.sendall((line + "\r\n" + reply + self._prompt(mode)).encode())

    def _prompt(self, mode: list[str]) -> str:
        if not mode:
            return self.dialect.exec_prompt.format(host=self.hostname)
        if len(mode) == 1:
            return self.dialect.config_prompt.format(host=self.hostname)
        view = mode[-1].split()[-1].replace("/", "")
        return self.dialect.sub_prompt.format(host=self.hostname, view=view)

    def _command(self, line: str, mode: list[str], session: list[str]) -> str | None:
        dialect = self.dialect
        if not mode:
            return self._exec(line, mode)
        if line in dialect.leave:
            self._commit(session)
            mode.clear()
            return ""
        if line in dialect.up:
            if len(mode) > 1:
                mode.pop()
            else:
                self._commit(session)
                mode.clear()
            return ""
        if not line:
            return ""
        if self.reject and self.reject.search(line):
            return dialect.invalid
        self.commands.append(line)
        header = False
        if dialect.sections.match(line):
            del mode[1:]
            mode.append(line)
            header = True
        elif len(mode) > 1 and any(
            pattern.match(line)
            for key, pattern in dialect.nested.items()
            if mode[1].startswith(key)
        ):
            del mode[2:]
            mode.append(line)
            header = True
        elif re.match(r"^(no|undo) ", line) and dialect.sections.match(line.split(" ", 1)[1]):
            del mode[1:]
        session.append(" " * (len(mode) - 2 if header else len(mode) - 1) + line)
        return ""

    def _exec(self, line: str, mode: list[str]) -> str | None:
        dialect = self.dialect
        if line in dialect.replies:
            return dialect.replies[line]
        if not line:
            return ""
        if line in ("exit", "quit", "logout"):
            return None
        if line in dialect.show:
            return self.running.replace("\n", "\r\n")
        if line in dialect.configure:
            mode.append("config")
            return ""
        if line in dialect.save:
            if dialect.confirm:
                return _CONFIRM
            self.saved += 1
            return dialect.saved
        return dialect.invalid

    def _commit(self, session: list[str]) -> None:
        if not session:
            return
        current = get_hconfig(self.dialect.platform, self.running)
        taken = _effective(current, session)
        future = current.future(get_hconfig(self.dialect.platform, "\n".join(taken)))
        self.state_file.write_text("\n".join(future.dump_simple()) + "\n", encoding="utf-8")
        session.clear()


_CONFIRM = "\0confirm"


def _effective(current: HConfig, session: list[str]) -> list[str]:
    """The session's lines without the `no`/`undo` of a line the configuration does not
    have: a device takes such a line as a no-op and keeps no trace of it."""
    kept: list[str] = []
    parents: list[tuple[int, str]] = []
    for line in session:
        indent, text = len(line) - len(line.lstrip()), line.strip()
        while parents and parents[-1][0] >= indent:
            parents.pop()
        negated = re.match(r"^(?:no|undo) (.*)", text)
        if negated and not _has(current, [p for _, p in parents] + [negated.group(1)]):
            continue
        kept.append(line)
        parents.append((indent, text))
    return kept


def _has(config: HConfig, path: list[str]) -> bool:
    node: HConfig | HConfigChild | None = config
    for text in path:
        if node is None:
            return False
        node = node.get_child(equals=text) or node.get_child(startswith=f"{text} ")
    return node is not None
