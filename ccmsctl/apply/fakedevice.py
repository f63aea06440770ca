"""A fake network device for the lab and the tests: a real SSH server (paramiko) on a
loopback address with the command line of a platform (Cisco IOS, Arista EOS or Huawei VRP),
keeping a running configuration.

It answers what netmiko's driver for the platform sends: paging and width commands, show or
display the running configuration, enter configuration mode and its sub-modes, leave them,
`no`/`undo` lines, save (with VRP's confirmation). Configuration lines are applied with
hier_config, as the device would apply them; lines matching `reject` are refused with the
platform's own error text.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
from hier_config import Platform, get_hconfig


@dataclass(frozen=True)
class Dialect:
    """What one platform's command line looks like: differences as data."""

    platform: Platform
    exec_prompt: str  # {host}
    config_prompt: str  # {host}
    sub_prompt: str  # {host}, {view}
    replies: dict[str, str]  # exec commands answered with fixed text (paging, width)
    show: tuple[str, ...]
    configure: tuple[str, ...]
    leave: tuple[str, ...]  # back to exec from anywhere
    up: tuple[str, ...]  # one level up
    save: tuple[str, ...]
    saved: str
    confirm: str  # a question save asks first, "" if none
    invalid: str
    sections: re.Pattern[str]
    nested: dict[str, re.Pattern[str]] = field(default_factory=dict)


_IOS_SECTIONS = re.compile(r"^(interface|vlan|ip access-list|class-map|policy-map|router|line) ")
DIALECTS = {
    "cisco_ios": Dialect(
        Platform.CISCO_IOS,
        "{host}#",
        "{host}(config)#",
        "{host}(config-sub)#",
        {"terminal length 0": "", "terminal width 511": ""},
        ("show running-config",),
        ("configure terminal",),
        ("end", "\x1a"),
        ("exit",),
        ("write memory", "write mem"),
        "Building configuration...\r\n[OK]\r\n",
        "",
        "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n",
        _IOS_SECTIONS,
        {"policy-map": re.compile(r"^class ")},
    ),
    "arista_eos": Dialect(
        Platform.ARISTA_EOS,
        "{host}#",
        "{host}(config)#",
        "{host}(config-sub)#",
        {
            "terminal length 0": "Pagination disabled.\r\n",
            "terminal width 511": "Width set to 511 columns.\r\n",
        },
        ("show running-config",),
        ("configure terminal", "configure"),
        ("end",),
        ("exit",),
        ("write memory", "copy running-config startup-config"),
        "Copy completed successfully.\r\n",
        "",
        "% Invalid input\r\n",
        _IOS_SECTIONS,
        {"policy-map": re.compile(r"^class ")},
    ),
    "huawei_vrp": Dialect(
        Platform.HUAWEI_VRP,
        "<{host}>",
        "[{host}]",
        "[{host}-{view}]",
        {
            "screen-length 0 temporary": "Info: The configuration takes effect on the current "
            "user terminal interface only.\r\n"
        },
        ("display current-configuration",),
        ("system-view",),
        ("return",),
        ("quit",),
        ("save",),
        "Info: Save the configuration successfully.\r\n",
        "Warning: The current configuration will be written to the device. Continue? [Y/N]:",
        "Error: Unrecognized command found at '^' position.\r\n",
        re.compile(
            r"^(interface|vlan|acl name|traffic classifier|traffic behavior"
            r"|traffic policy) "
        ),
    ),
}


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
        platform: str = "cisco_ios",
    ) -> None:
        self.dialect = DIALECTS[platform]
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
        mode: list[str] = []  # [] exec; ["config", section, nested section] in configuration
        session: list[str] = []
        confirming = False
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
        future = current.future(get_hconfig(self.dialect.platform, "\n".join(session)))
        self.state_file.write_text("\n".join(future.dump_simple()) + "\n", encoding="utf-8")
        session.clear()


_CONFIRM = "\0confirm"
