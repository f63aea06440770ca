"""Real OpenSSH servers standing for an estate's hosts, on loopback addresses.

Each host is Debian's sshd in a mount namespace of its own (`unshare --mount`) where /etc,
/var, /run and /usr are overlays on a private tmpfs (and /root a tmpfs of its own): the host
sees the machine's programs and its own /etc/kamailio, /etc/asterisk, /var/lib/ccmsctl, ...,
so ccmsctl's production code path (a root of "/") is what runs, and nothing reaches the
machine's own folders. Two programs are stand-ins, each saying so
(tests/integration/standins/): systemctl, as systemd cannot be these hosts' service manager
(it runs the real Kamailio and node_exporter), and asterisk, as the hosts install it as a
Debian package and the Asterisk the tests build is not one (the real Asterisk loads the same
compiled files in the lab's tests). The asterisk stand-in comes as a Debian package
(asterisk 22.0.0-1) from a local repository, the only one the hosts' apt knows, so the
roles' package install runs for real with apt-get (Kamailio, keepalived and node_exporter
are installed already). Logins are root with a key made for the test; each host has its own
host key, listed in a known_hosts file the inventory names.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.lab.lab import SCENARIOS

SSHD = "/usr/sbin/sshd"
AUTHORIZED_KEYS = "/etc/ssh/ccmsctl_test_authorized_keys"
STANDINS = Path(__file__).resolve().parent / "standins"
PBX_SCENARIO = SCENARIOS / "pbx_uas.xml"  # what answers OPTIONS for the asterisk stand-in
PORT = 2200  # not 22: the machine's own sshd may listen on every address there


@dataclass
class SshdHost:
    name: str
    address: str
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def host_key(self) -> Path:
        return self.folder / "host_ed25519"

    def known_hosts_line(self) -> str:
        kind, key = (self.folder / "host_ed25519.pub").read_text().split()[:2]
        return f"[{self.address}]:{PORT} {kind} {key}"

    def start(self, client_key: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "private").mkdir(exist_ok=True)
        if not self.host_key.exists():
            keygen(self.host_key)
        (self.folder / "authorized_keys").write_text((client_key.with_suffix(".pub")).read_text())
        config = self.folder / "sshd_config"
        config.write_text(
            f"ListenAddress {self.address}\nPort {PORT}\nHostKey {self.host_key}\n"
            f"PidFile {self.folder / 'sshd.pid'}\n"
            # in the host's own /etc: sshd reads it as the user logging in, who cannot
            # reach the test's private folders
            f"AuthorizedKeysFile {AUTHORIZED_KEYS}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
            "Subsystem sftp /usr/lib/openssh/sftp-server\n"
        )
        private = shlex.quote(str(self.folder / "private"))
        script = (
            f"set -e; mount -t tmpfs tmpfs {private}; "
            f"for d in etc var run usr; do mkdir -p {private}/$d-up {private}/$d-work; "
            f"mount -t overlay overlay -o lowerdir=/$d,upperdir={private}/$d-up,"
            f"workdir={private}/$d-work /$d; done; mkdir -p /run/sshd; "
            f"install -m 0644 {shlex.quote(str(self.folder / 'authorized_keys'))} "
            f"{AUTHORIZED_KEYS}; "
            # a home of the host's own, as a new Debian machine has it (this machine's
            # /root has a .bashrc of its own, which sshd's shell would run per session)
            "mount -t tmpfs -o mode=0700 tmpfs /root; cp -a /etc/skel/. /root/; "
            # what Debian's asterisk package would have made, and the stand-ins
            "groupadd -r asterisk; useradd -r -g asterisk -M -s /usr/sbin/nologin asterisk; "
            f"install -m 0755 {STANDINS}/systemctl /usr/bin/systemctl; "
            f"echo {self.address} > /etc/ccmsctl-test-address; "
            f"echo {PBX_SCENARIO} > /etc/ccmsctl-test-pbx-scenario; "
            # apt knows only the test's repository, read as root (the _apt user cannot
            # reach the test's private folders)
            "rm -f /etc/apt/sources.list.d/*; "
            "echo 'APT::Sandbox::User \"root\";' > /etc/apt/apt.conf.d/99ccmsctl-test; "
            f"echo 'deb [trusted=yes] file:{self.folder.parent / 'repository'} ./' "
            "> /etc/apt/sources.list; "
            f"exec {SSHD} -D -e -f {shlex.quote(str(config))}"
        )
        log = (self.folder / "sshd.log").open("ab")
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd for {self.name} did not start: see {log.name}")
            with socket.socket() as probe:
                probe.settimeout(0.5)
                if probe.connect_ex((self.address, PORT)) == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sshd for {self.name} does not listen on {self.address}:{PORT}")

    def stop(self) -> None:
        """Stop sshd and every process of the host: its sessions and its services (they
        run in sessions of their own, so only the host's mount namespace finds them)."""
        if self.process is None or self.process.poll() is not None:
            return
        namespace = _namespace(self.process.pid)
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for _ in range(50):
            left = [pid for pid in _pids() if namespace and _namespace(pid) == namespace]
            if not left:
                return
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _namespace(pid: int) -> str:
    try:
        return str(Path(f"/proc/{pid}/ns/mnt").readlink())
    except OSError:
        return ""


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        timeout=30,
    )


@dataclass(frozen=True)
class Fleet:
    """Running hosts, the client key, the known_hosts file and an inventory for them."""

    hosts: dict[str, SshdHost]
    key: Path
    known_hosts: Path
    inventory: Path

    def ssh(self, host: str, command: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        """Run `command` on `host` as an operator would."""
        target = self.hosts[host]
        return subprocess.run(
            [
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "IdentitiesOnly=yes",
                "-p",
                str(PORT),
                "-i",
                str(self.key),
                "-l",
                "root",
                target.address,
                command,
            ],
            input=data,
            capture_output=True,
            timeout=60,
            check=False,
        )

    def put(self, host: str, path: str, content: bytes) -> None:
        """Write `content` to the absolute `path` on `host`."""
        encoded = base64.b64encode(content).decode()
        command = (
            f"mkdir -p {shlex.quote(str(Path(path).parent))} && "
            f"echo {encoded} | base64 -d > {shlex.quote(path)}"
        )
        done = self.ssh(host, command)
        assert done.returncode == 0, done.stderr

    def read(self, host: str, path: str) -> bytes | None:
        done = self.ssh(host, f"cat {shlex.quote(path)}")
        return done.stdout if done.returncode == 0 else None


ASTERISK_STAND_IN = "22.0.0-1"


def stand_in_repository(folder: Path) -> None:
    """A flat Debian repository in `folder`, holding the asterisk stand-in as a package."""
    build = folder / "asterisk-package"
    (build / "DEBIAN").mkdir(parents=True)
    control = (
        f"Package: asterisk\nVersion: {ASTERISK_STAND_IN}\nArchitecture: all\n"
        "Maintainer: ccmsctl tests <tests@example.invalid>\n"
        "Description: stand-in for Asterisk on the tests' sshd hosts\n"
    )
    (build / "DEBIAN" / "control").write_text(control)
    # as Debian's packages of services do: started once installed
    postinst = build / "DEBIAN" / "postinst"
    postinst.write_text("#!/bin/sh\nset -e\nsystemctl start asterisk\n")
    postinst.chmod(0o755)
    (build / "usr" / "sbin").mkdir(parents=True)
    program = build / "usr" / "sbin" / "asterisk"
    program.write_bytes((STANDINS / "asterisk").read_bytes())
    program.chmod(0o755)
    folder.mkdir(exist_ok=True)
    deb = folder / f"asterisk_{ASTERISK_STAND_IN}_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(build), str(deb)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    (folder / "Packages").write_text(
        f"{control}Filename: ./{deb.name}\nSize: {deb.stat().st_size}\nSHA256: {digest}\n\n"
    )


def start_fleet(names: list[str], folder: Path, first: int = 1) -> Fleet:
    """sshd hosts for `names` on 127.9.0.<first>, <first+1>, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    stand_in_repository(folder / "repository")
    key = folder / "client_ed25519"
    keygen(key)
    hosts = {
        name: SshdHost(name, f"127.9.0.{first + index}", folder / name)
        for index, name in enumerate(names)
    }
    started: list[SshdHost] = []
    try:
        for host in hosts.values():
            host.start(key)
            started.append(host)
    except BaseException:
        for host in started:
            host.stop()
        raise
    known_hosts = folder / "known_hosts"
    known_hosts.write_text("".join(h.known_hosts_line() + "\n" for h in hosts.values()))
    options = f"-o UserKnownHostsFile={known_hosts} -o IdentitiesOnly=yes"
    inventory = folder / "inventory.yml"
    inventory.write_text(
        "all:\n  vars:\n    ansible_user: root\n"
        f"    ansible_ssh_private_key_file: {key}\n"
        f'    ansible_ssh_common_args: "{options}"\n  hosts:\n'
        + "".join(
            f"    {h.name}: {{ansible_host: {h.address}, ansible_port: {PORT}}}\n"
            for h in hosts.values()
        )
    )
    return Fleet(hosts, key, known_hosts, inventory)
