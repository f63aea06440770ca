"""The lab as a target: its hosts are folders with loopback addresses reached by Ansible's
local connection, its network devices the fake devices `lab up` started; every secret is
the lab's own (ccmsctl/lab/secrets.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ccmsctl import tooling
from ccmsctl.apply.target import DeviceOutcome, RetireError, TargetHost
from ccmsctl.artifacts import DeviceIntent, Secret
from ccmsctl.compile.inventory import NODE_EXPORTER
from ccmsctl.lab.devices import push_lab_devices, read_lab_devices
from ccmsctl.lab.lab import Lab, running_services
from ccmsctl.lab.secrets import lab_secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import RECORD, HostState, Wanted, read_local_state, upkeep


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
        connection = {"ansible_connection": "local", "ccms_lab_asterisk": self.lab.asterisk}
        return TargetHost(found.name, str(found.root), found.address, True, connection)

    def host_states(self, wanted: Mapping[str, Wanted]) -> dict[str, HostState]:
        """The lab installs no package and runs no node_exporter: its hosts share this
        machine's programs and its one /proc. Without Asterisk, its PBXs are SIPp
        stand-ins that `lab up` runs: no Asterisk to keep."""
        states = {}
        for host in self.lab.hosts:
            want = wanted.get(host.name, Wanted(()))
            state = read_local_state(host.root, want.paths)
            services = tuple(
                s
                for s in want.services
                if s != NODE_EXPORTER and (s != "asterisk" or self.lab.asterisk)
            )
            steps = upkeep(
                replace(want, packages=(), services=services),
                installed={},
                pins={},
                running=running_services(host),
                folders={f for f in want.folders if Path(f"{host.root}{f}").is_dir()},
            )
            states[host.name] = replace(state, upkeep=steps)
        return states

    def secret(self, secret: Secret) -> str:
        return lab_secret(self.lab.folder, secret)

    def running_configs(self, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
        return read_lab_devices(self.lab, intents)

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Callable[[str], None]
    ) -> list[DeviceOutcome]:
        return push_lab_devices(self.lab, plan, names, progress=progress)

    def retire(self, host: str, paths: Iterable[str], *, drain: float) -> str:
        """The lab stands for the provider: the host's Asterisk (if it runs one) is drained
        and stopped by the role's own script, and its files removed."""
        found = next((h for h in self.lab.hosts if h.name == host), None)
        if found is None:
            raise RetireError(f"{host}: the lab has no such host")
        said = "stopped"
        if self.lab.asterisk and (found.root / "etc/asterisk/asterisk.conf").is_file():
            script = tooling.roles() / "asterisk/files/asterisk-lab"
            command = [str(script), "drain", self.lab.asterisk, str(found.root), f"{drain:g}"]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=drain + 60, check=False
                )
            except subprocess.TimeoutExpired:
                raise RetireError(f"{host}: Asterisk did not stop") from None
            if done.returncode != 0:
                raise RetireError(f"{host}: {done.stderr.strip() or done.stdout.strip()}")
            said = done.stdout.strip()
        for path in [*paths, RECORD]:
            (found.root / path).unlink(missing_ok=True)
        return said
