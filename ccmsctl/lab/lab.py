"""The lab: a whole estate on this machine, on loopback addresses only.

Each host is a folder (its root) and a 127.x address (see compile/lab.py), handed out by
the first `lab up` and kept in `lab.json`: plan, apply and calls use those addresses and
never work them out again. `lab up` makes the folders and starts one fake switch or router
per network device of the estate (ccmsctl/lab/fakedevice/: SSH with the device's platform's
command line, a password of the lab's own, a factory configuration to start from). The
apply starts Kamailio on edge hosts and Asterisk on PBX hosts, as production's systemd
would; where no Asterisk is installed, `lab up` starts a SIPp stand-in on each PBX instead
(answering every call) and says so, and `lab.json` remembers which the lab has. `lab down`
stops every process the lab started and removes the folder. Every wait is bounded."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ccmsctl.apply.health import answers_options
from ccmsctl.artifacts import LabAddresses
from ccmsctl.compile.estate import burst_hosts
from ccmsctl.compile.lab import lab_addresses, relocated
from ccmsctl.compile.monitoring.prometheus import FOLDER as PROMETHEUS_FOLDER
from ccmsctl.errors import UserError
from ccmsctl.lab.fakedevice.seed import seed_config
from ccmsctl.lab.processes import alive, stop_all
from ccmsctl.lab.prometheus import PID_FILE as PROMETHEUS_PID
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site
from ccmsctl.waiting import until

LAB_FILE = "lab.json"
SCENARIOS = Path(__file__).resolve().parent / "sipp"
KAMAILIO_PID = "run/kamailio/kamailio.pid"
ASTERISK_PID = "run/asterisk/asterisk.pid"
SIPP_PID = "run/sipp.pid"
DEVICE_PID = "device.pid"


class LabError(UserError):
    """The lab is missing, or cannot be set up."""

    code = "E1401"


@dataclass(frozen=True)
class LabHost:
    name: str
    site: str
    roles: tuple[str, ...]
    address: str
    root: Path


@dataclass(frozen=True)
class LabDevice:
    """A network device of the lab: a fake device process serving SSH on address:port, its
    running configuration and its password kept in `folder`."""

    name: str
    site: str
    platform: str
    address: str
    port: int
    folder: Path

    @property
    def state(self) -> Path:
        return self.folder / "running.cfg"

    def password(self) -> str:
        return (self.folder / "password").read_text(encoding="utf-8").strip()

    @property
    def host_key(self) -> Path:
        return self.folder / "host_key"


@dataclass(frozen=True)
class Lab:
    folder: Path
    estate_dir: Path
    hosts: tuple[LabHost, ...]
    devices: tuple[LabDevice, ...] = ()
    addresses: LabAddresses = field(default_factory=LabAddresses)
    asterisk: str = ""  # the Asterisk program its PBXs run; "": SIPp stand-ins

    def estate(self, estate: Estate) -> Estate:
        """`estate` on the lab's addresses; LabAddressError names what the lab lacks."""
        return relocated(estate, self.addresses)

    def roots(self) -> dict[str, str]:
        return {host.name: str(host.root) for host in self.hosts}

    @property
    def known_hosts(self) -> Path:
        """The SSH host keys of the lab's devices, as a known_hosts file: apply refuses a
        device whose key is not there."""
        return self.folder / "known_hosts"


SOCKET_PATH_MAX = 107  # bytes of a Unix socket's path (sun_path), its final NUL aside
SOCKETS = {"edge": "run/kamailio/kamailio_ctl", "pbx": "run/asterisk/asterisk.ctl"}


def _check_socket_room(host: LabHost) -> None:
    """LabError if the control socket of a program of `host` would not fit a Unix socket's
    path: Kamailio and Asterisk would fail to start, saying less."""
    for role in host.roles:
        path = str(host.root / SOCKETS[role])
        if len(path.encode()) > SOCKET_PATH_MAX:
            raise LabError(
                f"{host.name}: its control socket {path} would be {len(path.encode())} bytes "
                f"long, and a Unix socket's path holds {SOCKET_PATH_MAX}: give the lab a "
                "shorter folder (--lab-dir)"
            )


def plan_lab(estate: Estate, estate_dir: Path, folder: Path) -> Lab:
    """The lab for `estate` in `folder`, keeping every address a lab already there handed
    out (nothing is created)."""
    folder = folder.resolve()
    existing = open_lab(folder) if (folder / LAB_FILE).is_file() else None
    addresses = lab_addresses(estate, existing.addresses if existing else None)
    asterisk = existing.asterisk if existing else find_asterisk()
    moved = relocated(estate, addresses)
    placed = [
        (site, host)
        for site in sorted(moved.of(Site), key=lambda s: s.name)
        for host in sorted(site.hosts, key=lambda h: h.name)
    ]
    # the lab stands for the cloud provider too: it makes the burst pools' running nodes
    placed += [(site, host) for _, site, host in burst_hosts(moved)]
    hosts = tuple(
        LabHost(host.name, site.name, tuple(host.roles), str(host.address), folder / host.name)
        for site, host in placed
    )
    for host in hosts:
        _check_socket_room(host)
    devices = tuple(
        LabDevice(
            d.name,
            d.site,
            d.platform,
            str(d.management),
            d.port,
            folder / "devices" / d.name,
        )
        for d in sorted(moved.of(NetworkDevice), key=lambda d: d.name)
    )
    return Lab(folder, estate_dir.resolve(), hosts, devices, addresses, asterisk)


def find_asterisk() -> str:
    """The installed Asterisk program (on PATH, in /usr/sbin, or beside ccmsctl's Python in
    its environment), or "" (the lab then runs SIPp PBX stand-ins)."""
    found = shutil.which("asterisk") or shutil.which(
        "asterisk", path=f"{Path(sys.executable).parent}:/usr/sbin:/sbin"
    )
    return str(Path(found).resolve()) if found else ""


def open_lab(folder: Path) -> Lab:
    """The lab that `lab up` made in `folder`."""
    try:
        data = json.loads((folder / LAB_FILE).read_text(encoding="utf-8"))
        hosts = tuple(
            LabHost(h["name"], h["site"], tuple(h["roles"]), h["address"], Path(h["root"]))
            for h in data["hosts"]
        )
        devices = tuple(
            LabDevice(
                d["name"], d["site"], d["platform"], d["address"], d["port"], Path(d["folder"])
            )
            for d in data.get("devices", [])
        )
        addresses = LabAddresses.from_json(data["addresses"])
        asterisk = str(data.get("asterisk", ""))
        return Lab(folder.resolve(), Path(data["estate_dir"]), hosts, devices, addresses, asterisk)
    except FileNotFoundError:
        raise LabError(f"no lab in {folder}: run ccmsctl lab up first") from None
    except (ValueError, KeyError, TypeError) as error:
        raise LabError(f"{folder / LAB_FILE} is damaged: {error}") from None


def lab_up(lab: Lab, estate: Estate) -> list[str]:
    """Create the host folders, start the PBX stand-ins (without Asterisk) and the fake
    network devices; returns what was done."""
    if shutil.which("sipp") is None:
        raise LabError("sipp is not installed (Debian package sip-tester)")
    done = []
    busy = [
        f"{h.address}:5060 ({h.name})"
        for h in lab.hosts
        if {"edge", "pbx"} & set(h.roles)
        and not any(alive(h.root / pid) for pid in (SIPP_PID, KAMAILIO_PID, ASTERISK_PID))
        and _port_taken(h.address)
    ]
    busy += [
        f"{d.address}:{d.port} ({d.name})"
        for d in lab.devices
        if not alive(d.folder / DEVICE_PID) and _port_taken(d.address, d.port, socket.SOCK_STREAM)
    ]
    if busy:
        raise LabError(f"already in use: {', '.join(busy)}: is another lab up?")
    lab.folder.mkdir(parents=True, exist_ok=True)
    document = {
        "estate_dir": str(lab.estate_dir),
        "hosts": [
            {
                "name": h.name,
                "site": h.site,
                "roles": list(h.roles),
                "address": h.address,
                "root": str(h.root),
            }
            for h in lab.hosts
        ],
        "devices": [
            {
                "name": d.name,
                "site": d.site,
                "platform": d.platform,
                "address": d.address,
                "port": d.port,
                "folder": str(d.folder),
            }
            for d in lab.devices
        ],
        "addresses": lab.addresses.to_json(),
        "asterisk": lab.asterisk,
    }
    (lab.folder / LAB_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    for host in lab.hosts:
        (host.root / "run").mkdir(parents=True, exist_ok=True)
        if "pbx" not in host.roles:
            continue
        if lab.asterisk:
            done.append(f"{host.name}: PBX, Asterisk on {host.address}:5060 (apply starts it)")
        elif not alive(host.root / SIPP_PID):
            _start_pbx_stand_in(host)
            done.append(
                f"{host.name}: PBX stand-in (SIPp, answering every call) on {host.address}:5060:"
                " Asterisk is not installed"
            )
    devices = {d.name: d for d in estate.of(NetworkDevice)}
    for device in lab.devices:
        if not alive(device.folder / DEVICE_PID):
            _start_device(device, devices[device.name])
            done.append(
                f"{device.name}: fake {device.platform} device on {device.address}:{device.port}"
            )
    # paramiko is loaded only where a lab with devices comes up
    from ccmsctl.lab.fakedevice.server import known_hosts_line, load_host_key  # noqa: PLC0415

    lines = [
        known_hosts_line(d.address, d.port, load_host_key(d.host_key)) + "\n" for d in lab.devices
    ]
    lab.known_hosts.write_text("".join(lines), encoding="utf-8")
    return done


def _port_taken(address: str, port: int = 5060, kind: int = socket.SOCK_DGRAM) -> bool:
    """Whether a process serves `address:port`: connections of a stopped one still waiting
    out TCP's TIME_WAIT do not count (the fake devices set SO_REUSEADDR to listen again)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return True
    return False


def _start_device(device: LabDevice, model: NetworkDevice) -> None:
    """Start the fake device and wait (bounded) until it accepts connections. Its password
    is the lab's own, made here; its configuration starts from the factory one."""
    from ccmsctl.lab.fakedevice.server import load_host_key  # noqa: PLC0415

    device.folder.mkdir(parents=True, exist_ok=True)
    load_host_key(device.host_key)  # made here once: the device keeps it across restarts
    password = device.folder / "password"
    if not password.exists():
        handle = os.open(password, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(secrets.token_urlsafe(18) + "\n")
    if not device.state.exists():
        ports = (*model.access_ports, *model.uplinks)
        device.state.write_text(seed_config(device.platform, device.name, ports), encoding="utf-8")
    with (device.folder / "device.log").open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ccmsctl.lab.fakedevice",
                "--address",
                device.address,
                "--port",
                str(device.port),
                "--platform",
                device.platform,
                "--hostname",
                device.name,
                "--username",
                model.credentials.username,
                "--password-file",
                str(password),
                "--state",
                str(device.state),
                "--host-key",
                str(device.host_key),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (device.folder / DEVICE_PID).write_text(f"{process.pid}\n", encoding="utf-8")

    def listening() -> bool:
        if process.poll() is not None:
            raise LabError(f"{device.name}: the fake device did not start; see {output.name}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex((device.address, device.port)) == 0

    if until(listening, 20) is not None:
        return
    raise LabError(f"{device.name}: the fake device does not listen on {device.address}")


def _start_pbx_stand_in(host: LabHost) -> None:
    log = host.root / "run" / "sipp.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                "sipp",
                "-sf",
                str(SCENARIOS / "pbx_uas.xml"),
                "-i",
                host.address,
                "-p",
                "5060",
                "-nostdin",
                "-trace_msg",
                "-message_file",
                str(host.root / "run" / "sipp.msg"),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (host.root / SIPP_PID).write_text(f"{process.pid}\n", encoding="utf-8")


@dataclass(frozen=True)
class HostStatus:
    host: LabHost
    kamailio: bool | None  # None: not an edge
    answering: bool | None
    stand_in: bool | None  # None: not a PBX of a lab without Asterisk
    asterisk: bool | None = None  # None: not a PBX of a lab with Asterisk


def devices_running(lab: Lab) -> dict[str, bool]:
    """Whether each fake network device of the lab runs."""
    return {d.name: alive(d.folder / DEVICE_PID) for d in lab.devices}


def lab_status(lab: Lab) -> list[HostStatus]:
    statuses = []
    for host in lab.hosts:
        edge = "edge" in host.roles
        running = alive(host.root / KAMAILIO_PID) if edge else None
        answering = answers_options(host.address, wait=1) if running else (False if edge else None)
        pbx = "pbx" in host.roles
        stand_in = alive(host.root / SIPP_PID) if pbx and not lab.asterisk else None
        asterisk = alive(host.root / ASTERISK_PID) if pbx and lab.asterisk else None
        statuses.append(HostStatus(host, running, answering, stand_in, asterisk))
    return statuses


def lab_down(lab: Lab) -> list[str]:
    """Stop every process of the lab (all asked at once, then waited for) and remove its
    folder."""
    processes = [
        (host.root / pid_file, f"{host.name}: stopped {what}")
        for host in lab.hosts
        for pid_file, what in (
            (KAMAILIO_PID, "kamailio"),
            (ASTERISK_PID, "asterisk"),
            (SIPP_PID, "PBX stand-in"),
        )
    ]
    processes += [
        (device.folder / DEVICE_PID, f"{device.name}: stopped the fake {device.platform} device")
        for device in lab.devices
    ]
    processes.append((lab.folder / PROMETHEUS_FOLDER / PROMETHEUS_PID, "stopped prometheus"))
    stopped = stop_all([pid_file for pid_file, _ in processes])
    shutil.rmtree(lab.folder, ignore_errors=True)
    return [message for pid_file, message in processes if pid_file in stopped]


# The services the lab runs for a host, by the pid file under its root (the kamailio and
# asterisk roles' lab scripts).
SERVICE_PIDS = {"kamailio": KAMAILIO_PID, "asterisk": ASTERISK_PID}


def running_services(host: LabHost) -> set[str]:
    """The services running for `host`."""
    return {name for name, pid_file in SERVICE_PIDS.items() if alive(host.root / pid_file)}
