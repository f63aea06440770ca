"""Network remediation: the fewest commands that take a device's running configuration to
the intended voice configuration, and the commands that would undo them.

hier_config computes both, per platform (all four platforms ccmsctl renders are hier_config
platforms). Only the sections ccmsctl owns are compared, so nothing else on the device — its
hostname, other VLANs, other ACLs — is ever touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ccmsctl.artifacts import Artifacts, DeviceIntent
from ccmsctl.plan.diff import DeviceChange
from ccmsctl.plan.platforms import PLATFORMS
from ccmsctl.plan.state import sha256


@dataclass(frozen=True)
class Remediation:
    """Commands to push (`commands`) and to undo them (`rollback`), as indented lines."""

    commands: tuple[str, ...]
    rollback: tuple[str, ...]


def without_comments(config: str, comment: str) -> str:
    return "\n".join(
        line
        for line in config.splitlines()
        if line.strip() and not line.lstrip().startswith(comment)
    )


def owned_part(
    running: str, owned: re.Pattern[str], comment: str, interface_lines: str = "(?!)"
) -> str:
    """The top-level blocks of `running` (a line and its indented children) that ccmsctl
    owns; inside an interface, only the lines it owns (a description stays the operator's).
    The rest of the device's configuration is left out of every comparison."""
    inside = re.compile(interface_lines)
    kept: list[str] = []
    keeping = interface = False
    for line in without_comments(running, comment).splitlines():
        if not line[:1].isspace():
            keeping = owned.search(line) is not None
            interface = line.startswith("interface ")
            if keeping:
                kept.append(line)
        elif keeping and (not interface or inside.search(line)):
            kept.append(line)
    return "\n".join(kept)


def remediate(
    platform: str,
    running: str,
    intended: str,
    owned: re.Pattern[str],
    comment: str,
    interface_lines: str = "(?!)",
) -> Remediation:
    from hier_config import Platform, WorkflowRemediation, get_hconfig  # noqa: PLC0415

    hier = Platform[PLATFORMS[platform].hier]
    current = get_hconfig(hier, owned_part(running, owned, comment, interface_lines))
    wanted = get_hconfig(hier, without_comments(intended, comment))
    workflow = WorkflowRemediation(current, wanted)
    return Remediation(
        tuple(workflow.remediation_config.dump_simple()),
        tuple(workflow.rollback_config.dump_simple()),
    )


def owned_pattern(intent: DeviceIntent) -> re.Pattern[str]:
    """Every top-level line of the device's configuration that ccmsctl owns."""
    return PLATFORMS[intent.platform].owned(intent.vlan, intent.vlan_name, intent.ports)


def device_remediation(intent: DeviceIntent, running: str, intended: str) -> Remediation:
    """The commands that take the device from `running` to `intended`, and their undo."""
    rules = PLATFORMS[intent.platform]
    return remediate(
        intent.platform,
        running,
        intended,
        owned_pattern(intent),
        rules.comment,
        rules.interface_lines,
    )


def owned_config(intent: DeviceIntent, running: str) -> str:
    """The part of `running` that ccmsctl owns."""
    rules = PLATFORMS[intent.platform]
    return owned_part(running, owned_pattern(intent), rules.comment, rules.interface_lines)


def device_change(name: str, intent: DeviceIntent, running: str, intended: str) -> DeviceChange:
    """What the device `name`, running `running`, needs to run `intended`: the commands,
    their undo and the fingerprint of `running` (the commands may be empty)."""
    found = device_remediation(intent, running, intended)
    where = f"{intent.address}:{intent.port}"
    return DeviceChange(
        name, intent.platform, where, found.commands, found.rollback, sha256(running.encode())
    )


def converged(intent: DeviceIntent, running: str, intended: str) -> bool:
    """Whether the device, running `running`, runs `intended` in all ccmsctl owns."""
    return not device_remediation(intent, running, intended).commands


def device_changes(desired: Artifacts, running: Mapping[str, str]) -> tuple[DeviceChange, ...]:
    """The devices whose running configuration (`running`, by device) needs commands to
    reach the desired one, with those commands: what apply will send."""
    changes = []
    for name, intent in sorted(desired.device_intents.items()):
        if name not in desired.devices or name not in running:
            continue
        change = device_change(name, intent, running[name], desired.devices[name].decode())
        if change.commands:
            changes.append(change)
    return tuple(changes)
