"""A fake network device for the lab and the tests: a real SSH server (paramiko) on a
loopback address with an IOS-like command line that keeps a running configuration.

It answers what netmiko's cisco_ios driver sends: `terminal length 0`, `terminal width 511`,
`show running-config`, `configure terminal` (with sub-modes), `end`/`exit`, `no ...`,
`write memory`. Configuration lines are applied with hier_config, as the device would apply
them; lines matching `reject` are refused with IOS's own error text.
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import paramiko
from hier_config import Platform, get_hconfig

_SECTIONS = re.compile(r"^(interface|vlan|ip access-list|class-map|policy-map|router|line) ")
_NESTED = {"policy-map": re.compile(r"^class ")}


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
    ) -> None:
        self.address, self.port, self.hostname = address, port, hostname
        self.username, self.password = username, password
        self.state_file = state_file
        self.reject = re.compile(reject) if reject else None
        self.saved = 0
        self.commands: list[str] = []
        self._key = paramiko.RSAKey.generate(1024)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((address, port))
        self._socket.listen(8)
        self._socket.settimeout(0.5)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def running(self) -> str:
        return self.state_file.read_text(encoding="utf-8") if self.state_file.exists() else ""

    def start(self) -> FakeDevice:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
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

    def _shell(self, channel: paramiko.Channel) -> None:
        channel.settimeout(60)
        mode: list[str] = []  # () exec, ["config"] config, ["config", section...] sub-modes
        session: list[str] = []
        buffer = b""
        channel.sendall(self._prompt(mode).encode())
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
                reply = self._command(line.strip(), mode, session)
                if reply is None:
                    channel.close()
                    return
                channel.sendall((line + "\r\n" + reply + self._prompt(mode)).encode())

    def _prompt(self, mode: list[str]) -> str:
        if not mode:
            return f"{self.hostname}#"
        sub = {
            "interface": "-if",
            "vlan": "-vlan",
            "ip": "-ext-nacl",
            "class-map": "-cmap",
            "policy-map": "-pmap",
            "class": "-pmap-c",
        }
        suffix = sub.get(mode[-1].split()[0], "-sub") if len(mode) > 1 else ""
        return f"{self.hostname}(config{suffix})#"

    def _command(self, line: str, mode: list[str], session: list[str]) -> str | None:
        if not mode:
            return self._exec(line, mode)
        if line in ("end", "\x1a"):
            self._commit(session)
            mode.clear()
            return ""
        if line == "exit":
            if len(mode) > 1:
                mode.pop()
            else:
                self._commit(session)
                mode.clear()
            return ""
        if self.reject and self.reject.search(line):
            return "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n"
        self.commands.append(line)
        header = False
        if _SECTIONS.match(line):
            del mode[1:]
            mode.append(line)
            header = True
        elif len(mode) > 1 and any(
            pattern.match(line) for key, pattern in _NESTED.items() if mode[1].startswith(key)
        ):
            del mode[2:]
            mode.append(line)
            header = True
        elif line.startswith("no ") and _SECTIONS.match(line.removeprefix("no ")):
            del mode[1:]
        session.append(" " * (len(mode) - 2 if header else len(mode) - 1) + line)
        return ""

    def _exec(self, line: str, mode: list[str]) -> str | None:
        if line in ("", "terminal length 0", "terminal width 511"):
            return ""
        if line in ("exit", "quit", "logout"):
            return None
        if line.startswith("show run"):
            return self.running.replace("\n", "\r\n")
        if line in ("configure terminal", "conf t"):
            mode.append("config")
            return "Enter configuration commands, one per line.  End with CNTL/Z.\r\n"
        if line in ("write memory", "write mem", "copy running-config startup-config"):
            self.saved += 1
            return "Building configuration...\r\n[OK]\r\n"
        return "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n"

    def _commit(self, session: list[str]) -> None:
        if not session:
            return
        current = get_hconfig(Platform.CISCO_IOS, self.running)
        future = current.future(get_hconfig(Platform.CISCO_IOS, "\n".join(session)))
        self.state_file.write_text("\n".join(future.dump_simple()) + "\n", encoding="utf-8")
        session.clear()
