"""What compiling gives and a plan carries to apply: files per host, the manifest that
fingerprints them, and what apply needs of each host and network device (the deployment).

No third-party imports and no other ccmsctl module: compile writes these, plan and apply
read them, and apply never sees the estate they came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

MANIFEST = "manifest.json"
INVENTORY = "inventory.yml"  # the estate-wide Ansible inventory


@dataclass(frozen=True)
class LabAddresses:
    """The loopback address of every host, site VIP, trunk peer, gateway and device."""

    hosts: Mapping[str, str] = field(default_factory=dict)
    vips: Mapping[str, str] = field(default_factory=dict)  # site -> VIP
    peers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # trunk -> its peers
    gateways: Mapping[str, str] = field(default_factory=dict)
    devices: Mapping[str, str] = field(default_factory=dict)
    pools: Mapping[str, str] = field(default_factory=dict)  # burst pool -> its subnet

    def to_json(self) -> dict[str, Any]:
        return {
            "hosts": dict(sorted(self.hosts.items())),
            "vips": dict(sorted(self.vips.items())),
            "peers": {name: list(peers) for name, peers in sorted(self.peers.items())},
            "gateways": dict(sorted(self.gateways.items())),
            "devices": dict(sorted(self.devices.items())),
            "pools": dict(sorted(self.pools.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabAddresses:
        return cls(
            {str(k): str(v) for k, v in data["hosts"].items()},
            {str(k): str(v) for k, v in data["vips"].items()},
            {str(k): tuple(str(a) for a in v) for k, v in data["peers"].items()},
            {str(k): str(v) for k, v in data["gateways"].items()},
            {str(k): str(v) for k, v in data["devices"].items()},
            {str(k): str(v) for k, v in data.get("pools", {}).items()},
        )


@dataclass(frozen=True)
class Placement:
    """How a target places an estate's hosts: decided by the target (the lab, an inventory's
    hosts), applied by compile, so that the plan holds every choice and reading a host never
    changes what the plan wants.

    `addresses`: where the target moves the estate's addresses (the lab's loopback plan),
    None to keep them. `roots`: a host's install root ("" on a real host). `supervisor`: what
    runs the services, "systemd" or "script" (the lab: one process per host root, started by
    the roles' scripts). `node_exporter`: the hosts run their own (the lab's share one
    /proc: none). `asterisk`: the PBXs run Asterisk (a lab without it has SIPp stand-ins).
    `accounts`: the services' system users and groups exist (the lab applies as one user:
    no), so files of secrets get their service's group and recording folders their owner.
    `manage_packages`: ccmsctl installs the roles' packages (the lab's hosts share this
    machine's programs: no), but not on the hosts of `unmanaged`; `pins`: host -> package ->
    the version to hold it at."""

    addresses: LabAddresses | None = None
    roots: Mapping[str, str] = field(default_factory=dict)
    supervisor: str = "systemd"
    node_exporter: bool = True
    asterisk: bool = True
    accounts: bool = True
    manage_packages: bool = True
    unmanaged: frozenset[str] = frozenset()
    pins: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def root(self, host: str) -> str:
        return self.roots.get(host, "")

    def packages_managed(self, host: str) -> bool:
        return self.manage_packages and host not in self.unmanaged


PRODUCTION = Placement()  # the estate as it is: real hosts at their own addresses


@dataclass(frozen=True)
class HostVars:
    """What an apply needs to know of a host besides its files: decided by compile, carried
    by the plan, never looked up again."""

    site: str
    roles: tuple[str, ...]
    address: str
    wave: int  # 1: outside twin pairs or the standby side; 2: the primary side
    recording_folders: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # the Debian packages ccmsctl installs for its roles
    services: tuple[str, ...] = ()  # the services its roles keep running
    pins: tuple[tuple[str, str], ...] = ()  # (package, version) held at that version
    control: str = ""  # an edge's Kamailio control socket (kamailio.cfg's ctl module)
    # how a recording folder is made: its owner and group ("" under a lab host's root, as
    # the user that applies) and mode
    recording_owner: str = ""
    recording_mode: str = "0750"

    def folder_stat(self) -> str:
        """A recording folder as made, as `stat -c %U:%G:%a` prints it ("" when no owner)."""
        owner = self.recording_owner
        return f"{owner}:{owner}:{int(self.recording_mode, 8):o}" if owner else ""


@dataclass(frozen=True)
class DeviceIntent:
    """A network device as plan and apply reach it: where, as whom, on which platform, and
    what of its configuration ccmsctl owns (the voice VLAN and the listed ports)."""

    site: str
    platform: str
    address: str
    port: int
    username: str
    password: str  # a secret reference (env:NAME, vault:PATH#KEY), never a value
    vlan: int
    vlan_name: str
    ports: tuple[str, ...]
    wave: int


SecretKind = str  # "password" (one line); PEM: "tls-certificate", "tls-private-key", "certificate"


@dataclass(frozen=True)
class Secret:
    """A value only apply sees: its reference (env:NAME, vault:PATH#KEY) and what it is, so
    that the value can be checked (a password is one line) and the lab can make one up."""

    reference: str
    kind: SecretKind


@dataclass(frozen=True)
class SecretFile:
    """A file holding secrets, written on the host at apply time and never into build/, a
    plan file or a record: its text with each Secret standing where its value goes, the mode
    and the group that may read it (the service's; root keeps ownership). `syntax` says how
    a value is escaped in the file ("asterisk": `;` starts a comment)."""

    parts: tuple[str | Secret, ...]
    mode: str  # "0600" or "0640"
    group: str
    syntax: str = ""

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(part for part in self.parts if isinstance(part, Secret))

    def render(self, values: Mapping[Secret, str]) -> bytes:
        """The file with `values` in place of its secrets."""
        escape = (lambda v: v.replace(";", "\\;")) if self.syntax == "asterisk" else str
        text = "".join(
            escape(values[part]) if isinstance(part, Secret) else part for part in self.parts
        )
        return text.encode()

    def placeholder(self) -> bytes:
        """The file with each secret's reference in place of its value: what a reviewer sees."""
        return self.render({secret: f"(secret {secret.reference})" for secret in self.secrets()})


@dataclass(frozen=True)
class Artifacts:
    """host -> path (relative to the host's root, e.g. etc/kamailio/kamailio.cfg) -> bytes,
    the estate-wide files (the Ansible inventory) by path, each network device's intended
    configuration, what apply needs of each host and device, and host -> path -> the files
    made of secrets (filled in at apply time only)."""

    hosts: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)
    estate: Mapping[str, bytes] = field(default_factory=dict)
    devices: Mapping[str, bytes] = field(default_factory=dict)  # network device -> config
    host_vars: Mapping[str, HostVars] = field(default_factory=dict)
    device_intents: Mapping[str, DeviceIntent] = field(default_factory=dict)
    secrets: Mapping[str, Mapping[str, SecretFile]] = field(default_factory=dict)

    def files(self) -> Iterator[tuple[str, str, bytes]]:
        """(host, path, content) in sorted order."""
        for host in sorted(self.hosts):
            for path in sorted(self.hosts[host]):
                yield host, path, self.hosts[host][path]

    def manifest(self) -> bytes:
        """A sha256 per file, per host and for the estate-wide files."""
        listing = {
            host: {path: hashlib.sha256(content).hexdigest() for path, content in files.items()}
            for host, files in self.hosts.items()
        }
        estate = {path: hashlib.sha256(data).hexdigest() for path, data in self.estate.items()}
        devices = {name: hashlib.sha256(data).hexdigest() for name, data in self.devices.items()}
        document = {"version": 1, "hosts": listing, "estate": estate, "devices": devices}
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
