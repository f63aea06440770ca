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

MANIFEST = "manifest.json"
INVENTORY = "inventory.yml"  # the estate-wide Ansible inventory


@dataclass(frozen=True)
class HostVars:
    """What an apply needs to know of a host besides its files: decided by compile, carried
    by the plan, never looked up again."""

    site: str
    roles: tuple[str, ...]
    address: str
    wave: int  # 1: outside twin pairs or the standby side; 2: the primary side
    recording_folders: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # the Debian packages its roles run on
    services: tuple[str, ...] = ()  # the services its roles keep running


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
