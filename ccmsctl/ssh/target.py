"""Real hosts over SSH as a target: each host's record, managed files and upkeep (packages,
services, recording folders) are read over one SSH connection per host (in parallel,
bounded, each within its timeout) by a short sh script, with OpenSSH's own client, so host
keys are checked as the operator's SSH checks them (never skipped), and keys come from the
agent, the inventory or ~/.ssh. Network devices are reached at their own addresses with
their secret references."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccmsctl.apply.ansible import PlaybookTarget
from ccmsctl.apply.devices import each, push_devices, read_devices
from ccmsctl.apply.netdev import Access, DevicePushError
from ccmsctl.apply.secrets import resolve
from ccmsctl.artifacts import DeviceIntent, Placement, Secret
from ccmsctl.errors import UserError
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.lock import LockInfo
from ccmsctl.plan.secrets import SecretError
from ccmsctl.plan.state import RECORD, HostState, Wanted, parse_record, upkeep
from ccmsctl.plan.target import (
    DeviceOutcome,
    Progress,
    RetireError,
    TargetHost,
)
from ccmsctl.ssh.inventory import SshHost, read_inventory
from ccmsctl.ssh.lock import break_lock, hosts_locked
from ccmsctl.ssh.remote import run_script, where

TIMEOUT = 60
PERSIST = 60  # seconds a master connection outlives its last session
_SOCKET_PATH_MAX = 104  # sun_path, the shortest of the systems ssh runs on
_NAME = 24  # hex digits of a socket's name
# Runs on the host under sh, as cheap as a read can be (no interpreter to start): prints what
# it has of the upkeep its arguments ask about (`package:NAME`, `service:NAME`,
# `folder:PATH`: a recording folder whose owner, group and mode are the first argument's, as
# `stat -c %U:%G:%a` prints them), one line each, then a line `--`, then a tar of the files
# named on stdin (NUL-separated, relative to /) that exist.
_READ = r"""
cd / || exit 1
made=$1
shift
packages=
for item do
  case $item in package:*) packages="$packages ${item#package:}" ;; esac
done
if [ -n "$packages" ]; then
  dpkg-query -W -f '${db:Status-Status} ${Package} ${Version}\n' $packages 2>/dev/null |
    sed -n 's/^installed /package /p'
fi
for item do
  case $item in
    service:*)
      if systemctl is-active --quiet "${item#service:}"; then
        printf 'service %s\n' "${item#service:}"
      fi ;;
    folder:*)
      if [ "$(stat -c %U:%G:%a -- "${item#folder:}" 2>/dev/null)" = "$made" ]; then
        printf 'folder %s\n' "${item#folder:}"
      fi ;;
  esac
done
echo --
exec tar --null --no-recursion --ignore-failed-read -cf - -T - 2>/dev/null
"""
_END_OF_FACTS = re.compile(rb"(?m)^--\n")


class SshError(UserError):
    """Hosts that could not be reached or read; each is named, with why."""

    code = "E1303"


def ssh_command(host: SshHost, remote: str, control: Path | None = None) -> list[str]:
    """OpenSSH's client for `host`: batch mode (no prompt), host keys checked, bounded; with
    `control` (masters()), over the host's master connection there, made by the first
    command that needs it."""
    command = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    command += ["-o", "ConnectTimeout=10", "-p", str(host.port)]
    if host.user:
        command += ["-l", host.user]
    if host.key:
        command += ["-i", host.key]
    if control is not None:
        command += ["-o", "ControlMaster=auto", "-o", f"ControlPersist={PERSIST}"]
        command += ["-o", f"ControlPath={control_path(control, host)}"]
    return [*command, *host.options, "--", host.address, remote]


def masters() -> Path | None:
    """The folder of the master connections' sockets (~/.ccmsctl/ssh, this user's only), or
    None where it cannot be made or its sockets' paths would be too long for the system:
    then every connection is its own.

    Like Ansible's (ControlPersist=60s), a master outlives the command that made it by
    PERSIST seconds of idleness: a plan's reads, the apply's check and Ansible's runs that
    follow take one handshake per host instead of one each. A connection's settings (user,
    key, known_hosts file, options) are part of the socket's name, so changing any of them
    makes a new connection, checked anew."""
    folder = Path.home() / ".ccmsctl" / "ssh"
    if len(str(folder)) + 1 + _NAME >= _SOCKET_PATH_MAX:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_uid != os.getuid():
            return None
        folder.chmod(0o700)
    except OSError:
        return None
    return folder


def control_path(folder: Path, host: SshHost) -> Path:
    """The socket of `host`'s master connection in `folder`."""
    settings = json.dumps([host.address, host.port, host.user, host.key, list(host.options)])
    return folder / hashlib.sha256(settings.encode()).hexdigest()[:_NAME]


@dataclass(frozen=True)
class _Answer:
    facts: tuple[str, ...]
    files: dict[str, bytes]


def _ask(
    host: SshHost, paths: Sequence[str], asks: Sequence[str], control: Path | None, made: str = ""
) -> _Answer:
    """The host's answer to _READ for `paths` and the upkeep `asks` (`made`: a recording
    folder's stat); SshError naming it."""
    asked = b"".join(path.encode() + b"\0" for path in paths)
    done = run_script(
        host,
        _READ,
        [made, *asks],
        lambda host, remote: ssh_command(host, remote, control),
        failure=SshError,
        timeout=TIMEOUT,
        stdin=asked,
    )
    end = _END_OF_FACTS.search(done.out)
    if end is None:
        raise SshError(f"{where(host)}: the host's answer is not what ccmsctl asked for")
    facts = tuple(done.out[: end.start()].decode(errors="replace").splitlines())
    files: dict[str, bytes] = {}
    wanted = set(paths)
    try:
        with tarfile.open(fileobj=io.BytesIO(done.out[end.end() :]), mode="r:") as tar:
            for member in tar:
                stream = tar.extractfile(member) if member.name in wanted else None
                if stream is not None:
                    files[member.name] = stream.read()
    except tarfile.TarError:
        raise SshError(f"{where(host)}: the host's answer is not what ccmsctl asked for") from None
    return _Answer(facts, files)


def read_state(host: SshHost, wanted: Wanted, control: Path | None = None) -> HostState:
    """The host's record, files and upkeep, over one SSH connection (a second one only for
    files its record names that the plan no longer has); SshError naming the host."""
    asks = [f"package:{p}" for p in wanted.packages] + [f"service:{s}" for s in wanted.services]
    asks += [f"folder:{folder}" for folder in wanted.folders]
    answer = _ask(host, [RECORD, *wanted.paths], asks, control, wanted.folder_stat)
    files = answer.files
    record_bytes = files.pop(RECORD, None)
    record = parse_record(record_bytes.decode("utf-8", "replace")) if record_bytes else None
    left = sorted(set(record.files if record else ()) - set(wanted.paths))
    if left:
        files |= _ask(host, left, (), control).files
    facts = [fact.split(" ", 2) for fact in answer.facts]
    steps = upkeep(
        wanted,
        installed={f[1]: f[2] for f in facts if f[0] == "package" and len(f) == 3},
        running={f[1] for f in facts if f[0] == "service" and len(f) > 1},
        folders={fact[len("folder ") :] for fact in answer.facts if fact.startswith("folder ")},
    )
    return HostState(record, files, steps)


def inventory_target(source: Path, estate_dir: Path) -> SshTarget:
    """The hosts of the inventory at `source`, reached over the command's SSH master
    connections (masters()); runs and the lock are kept in ./.ccmsctl, vault paths of the
    estate's secrets are relative to `estate_dir`."""
    inventory = read_inventory(source)
    return SshTarget(
        str(source.resolve()),
        inventory.hosts,
        folder=Path(".ccmsctl").resolve(),
        secrets_base=estate_dir,
        device_known_hosts=inventory.device_known_hosts,
        control=masters(),
    )


@dataclass(frozen=True)
class SshTarget(PlaybookTarget):
    """The hosts of an inventory (`name`: its path); `folder` keeps runs and the lock; vault
    paths of the estate's secrets are relative to `secrets_base` (the estate)."""

    name: str
    hosts: Mapping[str, SshHost]
    folder: Path
    secrets_base: Path
    device_known_hosts: Path  # the network devices' host keys (Inventory.device_known_hosts)
    control: Path | None = None  # masters(): the folder of the hosts' master connections

    def placement(self) -> Placement:
        """The estate as it is, with the inventory's settings: hosts whose packages are
        managed otherwise (ccms_manage_packages: false), and pinned versions."""
        return Placement(
            unmanaged=frozenset(
                name for name, host in self.hosts.items() if not host.manages_packages()
            ),
            pins={name: host.pins() for name, host in self.hosts.items() if host.pins()},
        )

    def lock(
        self, operation: str, version: str, *, timeout: float
    ) -> AbstractContextManager[LockInfo]:
        """The team's lock, on every host of the inventory (ssh/lock.py)."""
        return hosts_locked(self.hosts, self._command, operation, version, timeout=timeout)

    def unlock(self, lock_id: str) -> LockInfo:
        return break_lock(self.hosts, self._command, lock_id)

    def _command(self, host: SshHost, remote: str) -> list[str]:
        return ssh_command(host, remote, self.control)

    def _connection(self, host: SshHost) -> dict[str, Any]:
        found = host.connection()
        if self.control is not None:
            # Ansible's own settings make it a client of the host's master (its default
            # ssh_args ask for ControlMaster=auto and ControlPersist)
            common = [*host.options, "-o", f"ControlPath={control_path(self.control, host)}"]
            found["ansible_ssh_common_args"] = shlex.join(common)
        return found

    def host(self, name: str) -> TargetHost | None:
        found = self.hosts.get(name)
        if found is None:
            return None
        return TargetHost(name, "", found.address, self._connection(found))

    def host_states(self, wanted: Mapping[str, Wanted]) -> dict[str, HostState]:
        names = set(wanted) & set(self.hosts)
        return each(
            names,
            lambda name: read_state(self.hosts[name], wanted[name], self.control),
            SshError,
            "hosts",
        )

    def secret(self, secret: Secret) -> str:
        return resolve(secret.reference, self.secrets_base)

    def device_access(self, name: str, intent: DeviceIntent) -> Access:
        try:
            password = resolve(intent.password, self.secrets_base)
        except SecretError as error:
            raise DevicePushError(f"{name}: {error}") from None
        return Access(intent.address, intent.port, password, self.device_known_hosts)

    def running_configs(self, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
        return read_devices(intents, self.device_access)

    def push_devices(
        self, plan: Plan, names: Iterable[str], *, progress: Progress
    ) -> list[DeviceOutcome]:
        return push_devices(plan, names, self.device_access, progress=progress)

    def retire(self, host: str, paths: Iterable[str], *, drain: float) -> str:
        """Draining and removing a host over SSH is not built yet (the plan reads only the
        hosts the estate names, so no plan asks for it): the provider that made a burst
        node removes it."""
        del paths, drain
        raise RetireError(
            f"{host} is no longer in the estate: drain it and remove it at its provider "
            "(retiring hosts over SSH is not supported yet)"
        )
