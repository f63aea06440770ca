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

import argparse
import logging
import re
import signal
import socket
import threading
from collections.abc import Iterator
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
    # Junos has a command line of its own (_Junos below); only these fields are used
    "juniper_junos": Dialect(
        Platform.JUNIPER_JUNOS,
        "{host}> ",
        "{host}# ",
        "{host}# ",
        {
            "set cli screen-width 511": "Screen width set to 511\r\n",
            "set cli complete-on-space off": "Disabling complete-on-space\r\n",
            "set cli screen-length 0": "Screen length set to 0\r\n",
        },
        ("show configuration | display set",),
        ("configure", "configure private"),
        ("exit configuration-mode",),
        ("exit",),
        (),
        "",
        "",
        "syntax error.\r\n",
        re.compile("(?!)"),
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
        minute: float = 60,
        lockout: str | None = None,
    ) -> None:
        self.dialect = DIALECTS[platform]
        self.junos = (
            _Junos(self, username, hostname, minute) if platform == "juniper_junos" else None
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
        future = current.future(get_hconfig(self.dialect.platform, "\n".join(session)))
        self.state_file.write_text("\n".join(future.dump_simple()) + "\n", encoding="utf-8")
        session.clear()


_CONFIRM = "\0confirm"


class _Junos:
    """Junos's command line: operational mode, configuration mode on a candidate of `set`
    lines, commit, commit confirmed with its automatic rollback, rollback 0."""

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
        if line.startswith("run show configuration | display set"):
            return "\r\n".join(self.lines()) + "\r\n", candidate
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


def seed_config(platform: str, hostname: str, ports: tuple[str, ...]) -> str:
    """A device's configuration before ccmsctl ever touched it: its name and its ports with
    the descriptions the site's engineers gave them."""
    if platform == "juniper_junos":
        lines = [f"set system host-name {hostname}"]
        lines += [f'set interfaces {port} description "patch {n}"' for n, port in enumerate(ports)]
        return "\n".join(lines) + "\n"
    name = "sysname" if platform == "huawei_vrp" else "hostname"
    blocks = [f"{name} {hostname}"]
    blocks += [f"interface {port}\n description patch {n}" for n, port in enumerate(ports)]
    return "\n".join(blocks) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Serve one fake device until SIGTERM: the lab's switches and routers."""
    parser = argparse.ArgumentParser(prog="python -m ccmsctl.apply.fakedevice")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--platform", required=True, choices=sorted(DIALECTS))
    parser.add_argument("--hostname", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    # a client that connects and leaves (the lab's readiness probe) is not worth a traceback
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    device = FakeDevice(
        args.address,
        args.port,
        args.hostname,
        args.username,
        args.password_file.read_text(encoding="utf-8").strip(),
        args.state,
        platform=args.platform,
    ).start()
    print(f"{args.hostname}: {args.platform} on {args.address}:{args.port}", flush=True)
    while not stop.wait(1):
        pass
    device.stop()


if __name__ == "__main__":
    main()
