"""The lab as a target: its hosts are folders with loopback addresses reached by Ansible's
local connection, its network devices the fake devices `lab up` started; every secret is
the lab's own (ccmsctl/lab/secrets.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.apply.target import DeviceOutcome, TargetHost
from ccmsctl.artifacts import DeviceIntent, Secret
from ccmsctl.lab.devices import push_lab_devices, read_lab_devices
from ccmsctl.lab.lab import Lab
from ccmsctl.lab.secrets import lab_secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import HostState, read_local_state


@dataclass(frozen=True)
class LabTarget:
    lab: Lab

    @property
    def folder(self) -> Path:
        return self.lab.folder

    def host(self, name: str) -> TargetHost | None:
        found = next((host for host in self.lab.hosts if host.name == name), None)
        if found is None:
            return None
        return TargetHost(found.name, str(found.root), found.address, lab=True)

    def host_states(self, paths: Mapping[str, Sequence[str]]) -> dict[str, HostState]:
        return {
            host.name: read_local_state(host.root, paths.get(host.name, []))
            for host in self.lab.hosts
        }

    def secret(self, secret: Secret) -> str:
        return lab_secret(self.lab.folder, secret)

    def running_configs(self, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
        return read_lab_devices(self.lab, intents)

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Callable[[str], None]
    ) -> list[DeviceOutcome]:
        return push_lab_devices(self.lab, plan, names, progress=progress)
