"""Where a plan is applied. A target has facts (what each host holds now, what each network
device runs, the value behind each of the plan's secrets) and actions (how Ansible reaches a
host and where the health gate probes it, pushing a device's planned commands). The lab is
one target (ccmsctl/lab/); apply works through this interface only, so it never needs the
estate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ccmsctl.apply.netdev import PushResult
from ccmsctl.artifacts import DeviceIntent, Secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import HostState, Wanted


@dataclass(frozen=True)
class TargetHost:
    """How apply reaches one host: its install root ("" on a real host), the address the
    health gate probes, and the Ansible connection variables."""

    name: str
    root: str
    address: str
    lab: bool
    # how Ansible connects to the host, and the inventory's settings for the roles
    connection: Mapping[str, Any] = field(default_factory=lambda: {"ansible_connection": "local"})


@dataclass(frozen=True)
class DeviceOutcome:
    device: str
    result: PushResult | None
    error: str = ""


class Target(Protocol):
    """A place a plan is applied to."""

    @property
    def folder(self) -> Path:
        """Where its runs and its lock are kept."""
        ...

    def host(self, name: str) -> TargetHost | None:
        """The host `name`, or None if the target has no such host."""
        ...

    def host_states(self, wanted: Mapping[str, Wanted]) -> dict[str, HostState]:
        """Each host's record, its files at the paths `wanted` names, and its upkeep (what
        it lacks of the rest `wanted` lists), as they are now."""
        ...

    def secret(self, secret: Secret) -> str:
        """The value behind `secret` (SecretError if there is none): the estate's references
        in production, the lab's own values in the lab."""
        ...

    def running_configs(self, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
        """Each network device's running configuration."""
        ...

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Callable[[str], None]
    ) -> list[DeviceOutcome]:
        """Send each named device the commands `plan` holds for it."""
        ...

    def retire(self, host: str, paths: Iterable[str], *, drain: float) -> str:
        """Let the calls on `host` end (at most `drain` seconds), stop its services and
        remove `paths` and its record: what happened, or raise RetireError."""
        ...


class RetireError(Exception):
    """A host the estate no longer has could not be drained or removed."""
