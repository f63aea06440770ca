"""Real hosts over SSH as a target: each host's record and managed files are read over one
SSH connection per host (in parallel, bounded, each within its timeout), with OpenSSH's own
client, so host keys are checked as the operator's SSH checks them (never skipped), and keys
come from the agent, the inventory or ~/.ssh. Network devices are reached at their own
addresses with their secret references."""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.apply.devices import each, push_devices, read_devices
from ccmsctl.apply.netdev import Access, DevicePushError
from ccmsctl.apply.secrets import SecretError, resolve
from ccmsctl.apply.target import DeviceOutcome, TargetHost
from ccmsctl.artifacts import DeviceIntent, Secret
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import RECORD, HostState, parse_record
from ccmsctl.ssh.inventory import SshHost

TIMEOUT = 60
# Runs on the host: reads the record and the files asked for (and those the record names)
# under "/", and prints them as JSON, base64 per file, null when absent.
_READ = """
import base64, json, sys
request = json.load(sys.stdin)
def read(path):
    try:
        with open("/" + path, "rb") as stream:
            return base64.b64encode(stream.read()).decode()
    except FileNotFoundError:
        return None
found = {request["record"]: read(request["record"])}
paths = set(request["paths"])
try:
    paths |= set(json.loads(base64.b64decode(found[request["record"]] or "")).get("files", {}))
except ValueError:
    pass
for path in sorted(paths):
    found[path] = read(path)
print(json.dumps(found))
"""


class SshError(Exception):
    """Hosts that could not be reached or read; each is named, with why."""


def ssh_command(host: SshHost, remote: str) -> list[str]:
    """OpenSSH's client for `host`: batch mode (no prompt), host keys checked, bounded."""
    command = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    command += ["-o", "ConnectTimeout=10", "-p", str(host.port)]
    if host.user:
        command += ["-l", host.user]
    if host.key:
        command += ["-i", host.key]
    return [*command, *host.options, "--", host.address, remote]


def read_state(host: SshHost, paths: Sequence[str]) -> HostState:
    """The host's record and files, over one SSH connection; SshError naming the host."""
    python = "python3" if host.python.startswith("auto") else host.python
    # isolated, without site: the standard library is all the script needs, and the start
    # of an interpreter is a good part of what each host costs
    remote = f"{shlex.quote(python)} -I -S -c {shlex.quote(_READ)}"
    if host.become:
        remote = "sudo -n " + remote
    request = json.dumps({"record": RECORD, "paths": sorted(paths)})
    where = f"{host.name} ({host.address}:{host.port})"
    try:
        done = subprocess.run(
            ssh_command(host, remote),
            input=request,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SshError(f"{where}: no answer within {TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise SshError(f"{where}: {lines[-1] if lines else f'ssh exited {done.returncode}'}")
    try:
        found: dict[str, str | None] = json.loads(done.stdout)
    except ValueError:
        raise SshError(f"{where}: the host's answer is not what ccmsctl asked for") from None
    files = {path: base64.b64decode(data) for path, data in found.items() if data is not None}
    record_bytes = files.pop(RECORD, None)
    record = parse_record(record_bytes.decode("utf-8", "replace")) if record_bytes else None
    return HostState(record, files)


@dataclass(frozen=True)
class SshTarget:
    """The hosts of an inventory; `folder` keeps runs and the lock; vault paths of the
    estate's secrets are relative to `secrets_base` (the estate)."""

    hosts: Mapping[str, SshHost]
    folder: Path
    secrets_base: Path

    def host(self, name: str) -> TargetHost | None:
        found = self.hosts.get(name)
        if found is None:
            return None
        return TargetHost(name, "", found.address, lab=False, connection=found.connection())

    def host_states(self, paths: Mapping[str, Sequence[str]]) -> dict[str, HostState]:
        names = set(paths) & set(self.hosts)
        return each(
            names, lambda name: read_state(self.hosts[name], paths[name]), SshError, "hosts"
        )

    def secret(self, secret: Secret) -> str:
        return resolve(secret.reference, self.secrets_base)

    def _reach(self, name: str, intent: DeviceIntent) -> Access:
        try:
            password = resolve(intent.password, self.secrets_base)
        except SecretError as error:
            raise DevicePushError(f"{name}: {error}") from None
        return Access(intent.address, intent.port, password)

    def running_configs(self, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
        return read_devices(intents, self._reach)

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Callable[[str], None]
    ) -> list[DeviceOutcome]:
        return push_devices(plan, names, self._reach, progress=progress)
