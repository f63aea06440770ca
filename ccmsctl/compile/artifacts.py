"""What compiling gives: files per host, and the manifest that fingerprints them.

No third-party imports: later stages (plan, apply) read artifacts without the template engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Artifacts:
    """host -> path (relative to the host's root, e.g. etc/kamailio/kamailio.cfg) -> bytes,
    the estate-wide files (the Ansible inventory) by path, and each network device's intended
    configuration."""

    hosts: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)
    estate: Mapping[str, bytes] = field(default_factory=dict)
    devices: Mapping[str, bytes] = field(default_factory=dict)  # network device -> config

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
