"""The lab as a target: its hosts are folders with loopback addresses reached by Ansible's
local connection, its network devices the fake devices `lab up` started; every secret is
the lab's own (ccmsctl/lab/secrets.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ccmsctl import tooling
from ccmsctl.apply.ansible import PlaybookTarget
from ccmsctl.artifacts import DeviceIntent, Placement, Secret
from ccmsctl.lab.devices import push_lab_devices, read_lab_devices
from ccmsctl.lab.lab import Lab, open_lab, running_services
from ccmsctl.lab.secrets import lab_secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import RECORD, HostState, Wanted, read_local_state, upkeep
from ccmsctl.plan.target import (
    DeviceOutcome,
    Progress,
    RetireError,
    TargetHost,
)
from ccmsctl.running import CommandError, run


def lab_target(folder: Path) -> LabTarget:
    """The lab `lab up` made in `folder`."""
    return LabTarget(open_lab(folder))


@dataclass(frozen=True)
class LabTarget(PlaybookTarget):
    lab: Lab

    @property
    def name(self) -> str:
        return "lab"

    @property
    def folder(self) -> Path:
        return self.lab.folder

    def placement(self) -> Placement:
        """The estate on the lab's loopback addresses, each host under its folder, its
        services run by the roles' scripts (no systemd here), as the one user that applies
        (no service accounts); no package installed and no node_exporter run: the hosts
        share this machine's programs and its one /proc. Without Asterisk, its PBXs are
        SIPp stand-ins that `lab up` runs: no Asterisk to keep."""
        return Placement(
            addresses=self.lab.addresses,
            roots=self.lab.roots(),
            supervisor="script",
            node_exporter=False,
            asterisk=bool(self.lab.asterisk),
            accounts=False,
            manage_packages=False,
        )

    def host(self, name: str) -> TargetHost | None:
        found = next((host for host in self.lab.hosts if host.name == name), None)
        if found is None:
            return None
        connection = {"ansible_connection": "local", "ccms_asterisk_program": self.lab.asterisk}
        return TargetHost(found.name, str(found.root), found.address, connection)

    def host_states(self, wanted: Mapping[str, Wanted]) -> dict[str, HostState]:
        states = {}
        for host in self.lab.hosts:
            want = wanted.get(host.name, Wanted(()))
            state = read_local_state(host.root, want.paths)
            steps = upkeep(
                want,
                installed={},
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
        self, plan: Plan, names: Iterable[str], *, progress: Progress
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
                done = run(command, timeout=drain + 60)
            except CommandError:
                raise RetireError(f"{host}: Asterisk did not stop") from None
            if not done.ok:
                raise RetireError(f"{host}: {done.stderr.strip() or done.stdout.strip()}")
            said = done.stdout.strip()
        for path in [*paths, RECORD]:
            (found.root / path).unlink(missing_ok=True)
        return said
