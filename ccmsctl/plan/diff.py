"""Desired artifacts against each host's state: the plan, file by file.

    + add      the file is not on the host
    ~ change   the file differs from what ccmsctl would install (`drift` when the host's copy
               also differs from its own record: someone edited it by hand)
    - delete   the record names a file the estate no longer produces

Every "no change" can say why: the bytes on the host are the bytes compiled.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ccmsctl.artifacts import Artifacts
from ccmsctl.plan.state import HostState, Record, sha256

Action = Literal["add", "change", "delete"]
SYMBOL = {"add": "+", "change": "~", "delete": "-"}
SENSITIVE = "(sensitive value)"
_SECRET_LINE = re.compile(r"(?i)^(\s*(?:password|secret|auth_pass|psk|key)\s*[=:]\s*).+$")


@dataclass(frozen=True)
class Change:
    host: str
    path: str
    action: Action
    reason: str  # new, update, drift, removed
    before: bytes | None
    after: bytes | None


@dataclass(frozen=True)
class DeviceChange:
    """A network device whose voice configuration differs: the commands that fix it, as
    hier_config indents them (plan/network.py)."""

    device: str
    platform: str
    address: str  # where its running configuration was read
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    desired: Artifacts
    devices: tuple[DeviceChange, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            action: sum(1 for c in self.changes if c.action == action)
            for action in ("add", "change", "delete")
        }

    def summary(self) -> str:
        if not self.changes and not self.devices:
            return "No changes."
        counts = self.counts()
        network = ""
        if self.devices:
            plural = "s" if len(self.devices) > 1 else ""
            network = f"; {len(self.devices)} network device{plural} to change"
        return (
            f"Plan: {counts['add']} to add, {counts['change']} to change, "
            f"{counts['delete']} to delete{network}."
        )

    def hosts(self) -> list[str]:
        return sorted({change.host for change in self.changes})


def make_plan(desired: Artifacts, states: Mapping[str, HostState]) -> Plan:
    """Changes that bring every host of `desired` (and of `states`) to the desired files."""
    changes: list[Change] = []
    for host in sorted(set(desired.hosts) | set(states)):
        want = desired.hosts.get(host, {})
        state = states.get(host, HostState(None))
        recorded = state.record.files if state.record else {}
        for path in sorted(set(want) | set(recorded)):
            have = state.files.get(path)
            if path not in want:
                if have is not None:
                    changes.append(Change(host, path, "delete", "removed", have, None))
            elif have is None:
                changes.append(Change(host, path, "add", "new", None, want[path]))
            elif have != want[path]:
                drift = path in recorded and recorded[path] != sha256(have)
                changes.append(
                    Change(host, path, "change", "drift" if drift else "update", have, want[path])
                )
    return Plan(tuple(changes), desired)


def redact(text: str) -> str:
    """Lines that carry a credential show (sensitive value) instead."""
    return "\n".join(
        _SECRET_LINE.sub(lambda m: m.group(1) + SENSITIVE, line) for line in text.split("\n")
    )


def unified_diff(change: Change) -> str:
    """The change as a unified diff of text, credentials redacted."""
    before = redact(change.before.decode("utf-8", "replace")) if change.before else ""
    after = redact(change.after.decode("utf-8", "replace")) if change.after else ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{change.host}/{change.path} (host)",
        tofile=f"{change.host}/{change.path} (compiled)",
    )
    return "".join(lines)


def with_devices(artifacts: Artifacts) -> Artifacts:
    """Network devices as targets of their own (`<device>`, file `running-config (voice)`),
    for the offline review, where both sides are compiles."""
    devices = {
        name: {"running-config (voice)": config} for name, config in artifacts.devices.items()
    }
    return Artifacts({**artifacts.hosts, **devices}, artifacts.estate, artifacts.devices)


def base_states(base: Artifacts) -> dict[str, HostState]:
    """Hosts as another revision would have left them: for offline review (plan --base)."""
    return {
        host: HostState(Record("base", "", {p: sha256(c) for p, c in files.items()}), files)
        for host, files in base.hosts.items()
    }
