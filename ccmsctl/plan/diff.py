"""Desired artifacts against each host's state: the plan, file by file.

    + add      the file is not on the host
    ~ change   the file differs from what ccmsctl would install (`drift` when the host's copy
               also differs from its own record: someone edited it by hand)
    - delete   the record names a file the estate no longer produces
    * upkeep   what the host's roles keep besides files is missing: a package to install, a
               service to start, a recording folder to make

Every "no change" can say why: the bytes on the host are the bytes compiled. A file made of
secrets is compared by its bytes like any other, but its change carries neither side: it
shows as (sensitive value).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ccmsctl.artifacts import Artifacts
from ccmsctl.plan.state import HostState, Record, Step, sha256

Action = Literal["add", "change", "delete"]
SYMBOL = {"add": "+", "change": "~", "delete": "-"}
SENSITIVE = "(sensitive value)"
# a credential's line, unless it names a reference instead (the review of secret files)
_SECRET_LINE = re.compile(
    r"(?i)^(\s*(?:password|secret|auth_pass|psk|key)\s*[=:]\s*)(?!\(secret [^)\s]+\)$).+$"
)


@dataclass(frozen=True)
class Change:
    host: str
    path: str
    action: Action
    reason: str  # new, update, drift, removed
    before: bytes | None
    after: bytes | None
    sensitive: bool = False  # a file of secrets: before and after are never kept


@dataclass(frozen=True)
class DeviceChange:
    """A network device whose voice configuration differs: the commands that fix it and
    those that undo them, as hier_config indents them (plan/network.py), and the sha256 of
    the running configuration they were computed from. Apply sends exactly these, to a
    device that still runs that configuration."""

    device: str
    platform: str
    address: str  # where its running configuration was read
    commands: tuple[str, ...]
    rollback: tuple[str, ...] = ()
    running: str = ""  # sha256 of the running configuration read at plan time


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    desired: Artifacts
    devices: tuple[DeviceChange, ...] = ()
    upkeep: Mapping[str, tuple[Step, ...]] = field(default_factory=dict)  # host -> its steps

    def counts(self) -> dict[str, int]:
        return {
            action: sum(1 for c in self.changes if c.action == action)
            for action in ("add", "change", "delete")
        }

    def steps(self) -> int:
        """How many upkeep steps the plan takes, on every host."""
        return sum(len(steps) for steps in self.upkeep.values())

    def retired(self) -> list[str]:
        """Hosts the estate no longer has (a burst node scaled in): apply drains them after
        every wave and removes their files."""
        kept = set(self.desired.hosts) | set(self.desired.host_vars)
        return sorted({c.host for c in self.changes} - kept)

    def empty(self) -> bool:
        return not self.changes and not self.devices and not self.steps()

    def summary(self) -> str:
        if self.empty():
            return "No changes."
        counts = self.counts()
        more = ""
        if self.steps():
            more += f"; {self.steps()} upkeep step{'s' if self.steps() > 1 else ''}"
        if self.devices:
            plural = "s" if len(self.devices) > 1 else ""
            more += f"; {len(self.devices)} network device{plural} to change"
        if retired := self.retired():
            more += f"; {len(retired)} host(s) to drain and retire"
        return (
            f"Plan: {counts['add']} to add, {counts['change']} to change, "
            f"{counts['delete']} to delete{more}."
        )

    def hosts(self) -> list[str]:
        """The hosts the plan changes: files, or upkeep."""
        return sorted({change.host for change in self.changes} | set(self.upkeep))


def make_plan(
    desired: Artifacts,
    states: Mapping[str, HostState],
    secrets: Mapping[str, Mapping[str, bytes]] | None = None,
) -> Plan:
    """Changes that bring every host of `desired` (and of `states`) to the desired files;
    `secrets` holds the files made of secrets, with their values, by host and path."""
    secrets = secrets or {}
    changes: list[Change] = []
    for host in sorted(set(desired.hosts) | set(states)):
        hidden = secrets.get(host, {})
        want = {**desired.hosts.get(host, {}), **hidden}
        state = states.get(host, HostState(None))
        recorded = state.record.files if state.record else {}
        sensitive = set(hidden) | set(state.sensitive_paths())
        for path in sorted(set(want) | set(recorded)):
            have = state.files.get(path)
            change: Change | None = None
            if path not in want:
                if have is not None:
                    change = Change(host, path, "delete", "removed", have, None)
            elif have is None:
                change = Change(host, path, "add", "new", None, want[path])
            elif have != want[path]:
                drift = path in recorded and recorded[path] != sha256(have)
                reason = "drift" if drift else "update"
                change = Change(host, path, "change", reason, have, want[path])
            if change is not None and path in sensitive:
                change = replace(change, before=None, after=None, sensitive=True)
            if change is not None:
                changes.append(change)
    upkeep = {host: state.upkeep for host, state in sorted(states.items()) if state.upkeep}
    return Plan(tuple(changes), desired, upkeep=upkeep)


def redact(text: str) -> str:
    """Lines that carry a credential show (sensitive value) instead."""
    return "\n".join(
        _SECRET_LINE.sub(lambda m: m.group(1) + SENSITIVE, line) for line in text.split("\n")
    )


def _binary(data: bytes | None) -> bool:
    if not data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\0" in data


def unified_diff(change: Change) -> str:
    """The change as a unified diff of text, credentials redacted; a binary file (a prompt
    recording) as its sizes and digests."""
    if change.sensitive:
        return f"    {SENSITIVE}\n"
    if _binary(change.before) or _binary(change.after):
        sides = [
            f"{len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]}"
            if data
            else "none"
            for data in (change.before, change.after)
        ]
        return f"    binary: {sides[0]} -> {sides[1]}\n"
    before = redact(change.before.decode("utf-8", "replace")) if change.before else ""
    after = redact(change.after.decode("utf-8", "replace")) if change.after else ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{change.host}/{change.path} (host)",
        tofile=f"{change.host}/{change.path} (compiled)",
    )
    return "".join(lines)


def reviewable(artifacts: Artifacts) -> Artifacts:
    """For the offline review, where both sides are compiles: network devices as targets of
    their own (`<device>`, file `running-config (voice)`), and the files of secrets with the
    references where the values go (a changed reference is a change; no value is known)."""
    devices = {
        name: {"running-config (voice)": config} for name, config in artifacts.devices.items()
    }
    hosts = {
        host: {
            **files,
            **{p: f.placeholder() for p, f in artifacts.secrets.get(host, {}).items()},
        }
        for host, files in artifacts.hosts.items()
    }
    return Artifacts({**hosts, **devices}, artifacts.estate, artifacts.devices)


def base_states(base: Artifacts) -> dict[str, HostState]:
    """Hosts as another revision would have left them: for offline review (plan --base)."""
    return {
        host: HostState(Record("base", "", {p: sha256(c) for p, c in files.items()}), files)
        for host, files in base.hosts.items()
    }
