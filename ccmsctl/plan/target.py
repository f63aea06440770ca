"""Where a plan is applied: the one interface the command line and apply see.

A target places the estate (Placement: addresses, install roots, what runs the services;
compile applies it, so the plan holds every choice), has facts (what each host holds now,
what each network device runs, the value behind each of the plan's secrets) and actions
(hold the apply's lock, run a wave of hosts, push a device's planned commands, retire a
host). The lab (ccmsctl/lab/target.py) and an inventory's hosts over SSH
(ccmsctl/ssh/target.py) are the two; nothing outside them knows which one it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ccmsctl.artifacts import DeviceIntent, Placement, Secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.lock import LockInfo
from ccmsctl.plan.state import HostState, Step, Wanted


@dataclass(frozen=True)
class TargetHost:
    """How apply reaches one host: its install root ("" on a real host), the address the
    health gate probes, and the variables of its connection (Ansible's)."""

    name: str
    root: str
    address: str
    connection: Mapping[str, Any] = field(default_factory=lambda: {"ansible_connection": "local"})


@dataclass(frozen=True)
class HostWork:
    """One host's part of a wave, as the plan decided it: the files staged for it (paths
    relative to its root, in `staging`), those to remove, the mode and group of the files
    of secrets, and the upkeep (packages to install, services to start, folders to make)."""

    name: str
    roles: tuple[str, ...]
    staging: Path
    files: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    access: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # path: mode, group
    upkeep: tuple[Step, ...] = ()


@dataclass(frozen=True)
class HostResult:
    """A host's outcome: how many tasks changed it, and whether (and why) it failed."""

    host: str
    changed: int
    failed: bool
    error: str = ""


@dataclass(frozen=True)
class PushResult:
    device: str
    sent: tuple[str, ...]
    saved: bool


@dataclass(frozen=True)
class DeviceOutcome:
    device: str
    result: PushResult | None
    error: str = ""


Progress = Callable[[str], None]


class RetireError(Exception):
    """A host the estate no longer has could not be drained or removed."""


class Target(Protocol):
    """A place a plan is applied to."""

    @property
    def name(self) -> str:
        """How a saved plan names it ("lab", or the inventory's path)."""
        ...

    @property
    def folder(self) -> Path:
        """Where its runs and its lock are kept."""
        ...

    def placement(self) -> Placement:
        """How it places the estate: compile's input."""
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

    def lock(
        self, operation: str, version: str, *, timeout: float
    ) -> AbstractContextManager[LockInfo]:
        """Hold the target's apply lock for the duration (LockedError past `timeout`)."""
        ...

    def unlock(self, lock_id: str) -> LockInfo:
        """Break the lock `lock_id`, left by an apply that died (LockError if not held)."""
        ...

    def run_wave(
        self,
        work: Sequence[HostWork],
        run_dir: Path,
        inventory: bytes,
        *,
        progress: Progress,
        cancel: Callable[[], bool],
    ) -> list[HostResult]:
        """Run the playbook on the wave's hosts with the compiled `inventory`, the run's
        files kept in `run_dir`; one result per host, in order."""
        ...

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Progress
    ) -> list[DeviceOutcome]:
        """Send each named device the commands `plan` holds for it."""
        ...

    def retire(self, host: str, paths: Iterable[str], *, drain: float) -> str:
        """Let the calls on `host` end (at most `drain` seconds), stop its services and
        remove `paths` and its record: what happened, or raise RetireError."""
        ...
