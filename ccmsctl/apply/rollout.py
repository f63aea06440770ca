"""Apply a plan to a target: locked, checked for staleness, in waves so that the two sites of
a twin pair are never changed together, with a health gate after each wave and a rollback
of a wave that fails.

The plan says which wave each host and device is in (compile decided it: Estate.wave_of).
Wave 1: the sites outside twin pairs and the standby side of every pair. Health gate: every
edge and every PBX of the wave answers SIP OPTIONS (here), and every PBX's Asterisk runs
what its files say (the asterisk role's check, which fails the host). Then the network
devices of the wave get the commands the plan holds for them (each device on its own: one
that refuses a command is put back as it was, the others are pushed in full). Wave 2: the
primary sides. A failed wave gets its hosts' previous files and records back, and wave 2 is
not touched; a failed device stops the apply before wave 2 too, but the wave's healthy hosts
keep their new files."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.apply.health import answers_options
from ccmsctl.artifacts import INVENTORY
from ccmsctl.files import write_private
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.state import RECORD, HostState, Record, sha256
from ccmsctl.plan.target import (
    DeviceOutcome,
    HostResult,
    HostWork,
    RetireError,
    Target,
    TargetHost,
)


@dataclass(frozen=True)
class Outcome:
    results: tuple[HostResult, ...]
    rolled_back: tuple[str, ...] = ()
    untouched: tuple[str, ...] = ()
    error: str = ""
    devices: tuple[DeviceOutcome, ...] = ()

    def changed(self) -> int:
        return sum(result.changed for result in self.results)

    def devices_changed(self) -> int:
        return sum(1 for d in self.devices if d.result is not None and d.result.sent)


def _stage(folder: Path, files: dict[str, bytes]) -> None:
    """Write `files` under `folder`, readable by this user only (some hold secrets)."""
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(folder / path, content)


def _host_work(
    host: str,
    plan: Plan,
    state: HostState,
    secrets: Mapping[str, bytes],
    where: tuple[Path, Stamp, str],
) -> tuple[HostWork, HostWork]:
    """The work that applies the host's changes, and the one that would undo them; `where`
    is the run's folder, what the records say and the time.

    Only changed files are sent (a host with upkeep only gets none), with the host's new
    record, which lists every file; the undo puts back the changed files and the old
    record. The files of `secrets` get their own mode and group."""
    run_dir, stamp, applied_at = where
    desired = {**plan.desired.hosts.get(host, {}), **secrets}
    changes = [c for c in plan.changes if c.host == host]
    roles = plan.desired.host_vars[host].roles
    upkeep = plan.upkeep.get(host, ())
    if not changes:  # upkeep only: no file to send, none to put back
        back = HostWork(host, roles, run_dir)
        return replace(back, upkeep=upkeep), back
    secret_files = plan.desired.secrets.get(host, {})
    access = {path: (f.mode, f.group) for path, f in secret_files.items()}
    record = Record(
        stamp.commit,
        applied_at,
        {p: sha256(c) for p, c in desired.items()},
        tuple(sorted(secrets)),
        stamp.applied_by,
        stamp.stepped_back.get(host, ""),
    )
    sent = {c.path: desired[c.path] for c in changes if c.action != "delete"}
    sent[RECORD] = record.to_json().encode()
    removed = tuple(sorted(c.path for c in changes if c.action == "delete"))
    staging, snapshot = run_dir / "stage" / host, run_dir / "snapshot" / host
    _stage(staging, sent)
    restored = {c.path: state.files[c.path] for c in changes if c.path in state.files}
    if state.record is not None:
        restored[RECORD] = state.record.to_json().encode()
    _stage(snapshot, restored)
    forward = HostWork(
        host,
        roles,
        staging,
        tuple(sorted(sent)),
        removed,
        access={path: access[path] for path in sent if path in access},
        upkeep=upkeep,
    )
    back = HostWork(
        host,
        roles,
        snapshot,
        tuple(sorted(restored)),
        tuple(sorted(set(sent) - set(restored))),
        access={path: access[path] for path in restored if path in access},
    )
    return forward, back


@dataclass(frozen=True)
class Stamp:
    """What each host's new record says of this apply: its commit, who applied it, and for
    the hosts it was allowed to step back, the newer commit each stepped back from."""

    commit: str
    applied_by: str = ""
    stepped_back: Mapping[str, str] = field(default_factory=dict)


def apply_plan(
    target: Target,
    plan: Plan,
    states: dict[str, HostState],
    stamp: Stamp,
    secrets: Mapping[str, Mapping[str, bytes]],
    *,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Bring the target's hosts and devices to `plan.desired` (and the files of `secrets`,
    host -> path -> bytes), wave by wave. The files staged for the hosts are removed at the
    end, whatever happened: some hold secrets."""
    run_dir = (
        target.folder
        / "runs"
        / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8])
    )
    try:
        return _apply_waves(target, plan, states, secrets, (run_dir, stamp), progress, cancel)
    finally:
        for staged in ("stage", "snapshot"):
            shutil.rmtree(run_dir / staged, ignore_errors=True)


# what answers SIP on a host of each role: the health gate asks each host of a wave
SIP_SERVICE = {"edge": "Kamailio", "pbx": "the PBX (Asterisk)"}

DRAIN_SECONDS = 300  # how long a retired host's calls may take to end


def _apply_waves(
    target: Target,
    plan: Plan,
    states: dict[str, HostState],
    secrets: Mapping[str, Mapping[str, bytes]],
    run: tuple[Path, Stamp],
    progress: Callable[[str], None],
    cancel: Callable[[], bool],
) -> Outcome:
    run_dir, stamp = run
    applied_at = datetime.now(UTC).isoformat(timespec="seconds")
    host_vars = plan.desired.host_vars
    inventory = plan.desired.estate[INVENTORY]
    # a host with neither files to change nor upkeep has nothing to run: Ansible skips it
    found = (target.host(name) for name in plan.hosts() if name in host_vars)
    hosts = [host for host in found if host is not None]
    intents = plan.desired.device_intents
    devices = sorted(d.device for d in plan.devices if d.device in intents)
    waves = sorted(
        {host_vars[h.name].wave for h in hosts} | {intents[name].wave for name in devices}
    )
    results: list[HostResult] = []
    pushed: list[DeviceOutcome] = []
    for index, wave in enumerate(waves):
        batch = [host for host in hosts if host_vars[host.name].wave == wave]
        sites = sorted(
            {host_vars[h.name].site for h in batch}
            | {intents[name].site for name in devices if intents[name].wave == wave}
        )
        progress(f"wave {index + 1} ({', '.join(sites)}): applying")
        untouched = tuple(h.name for h in hosts if host_vars[h.name].wave > wave) + tuple(
            name for name in devices if intents[name].wave > wave
        )
        runs, rollbacks = [], []
        for host in batch:
            forward, back = _host_work(
                host.name,
                plan,
                states[host.name],
                secrets.get(host.name, {}),
                (run_dir, stamp, applied_at),
            )
            runs.append(forward)
            rollbacks.append(back)
        wave_dir = run_dir / f"wave-{index + 1}"
        ran, failed = _apply_hosts(target, batch, runs, (wave_dir, inventory), progress, cancel)
        results += ran
        if failed:
            progress(f"wave {index + 1}: failed; restoring the previous files of its hosts")
            target.run_wave(
                rollbacks,
                run_dir / f"rollback-{index + 1}",
                inventory,
                progress=progress,
                cancel=lambda: False,
            )
            error = f"{failed[0].host}: {failed[0].error}"
            batch_names = tuple(h.name for h in batch)
            return Outcome(tuple(results), batch_names, untouched, error, tuple(pushed))
        names = [name for name in devices if intents[name].wave == wave]
        pushed += target.push_devices(plan, names, progress=progress)
        refused = [d for d in pushed if d.error]
        if refused:
            progress(f"wave {index + 1}: a network device failed; stopping before the next wave")
            error = f"network device {refused[0].error}"
            return Outcome(tuple(results), (), untouched, error, tuple(pushed))
        progress(f"wave {index + 1}: healthy")
    for name in plan.retired():  # every wave done: no edge sends them calls any more
        paths = [c.path for c in plan.changes if c.host == name and c.action == "delete"]
        progress(f"{name}: no longer in the estate; draining (at most {DRAIN_SECONDS} s)")
        try:
            progress(f"{name}: {target.retire(name, paths, drain=DRAIN_SECONDS)}, files removed")
        except RetireError as error:
            return Outcome(tuple(results), (), (), str(error), tuple(pushed))
    return Outcome(tuple(results), devices=tuple(pushed))


def _apply_hosts(
    target: Target,
    batch: list[TargetHost],
    runs: list[HostWork],
    run: tuple[Path, bytes],
    progress: Callable[[str], None],
    cancel: Callable[[], bool],
) -> tuple[list[HostResult], list[HostResult]]:
    """Run the wave's hosts (`run`: the run's folder and the compiled inventory), then its
    health gate: every host's result, and the failures."""
    if not batch:
        return [], []
    run_dir, inventory = run
    results = target.run_wave(runs, run_dir, inventory, progress=progress, cancel=cancel)
    failed = [r for r in results if r.failed]
    if not failed and cancel():
        failed = [HostResult(batch[0].name, 0, True, "apply cancelled")]
    if not failed:
        failed = [
            HostResult(h.name, 0, True, f"{SIP_SERVICE[role]} does not answer SIP OPTIONS")
            for h, work in zip(batch, runs, strict=True)
            for role in sorted(SIP_SERVICE.keys() & set(work.roles))
            if not answers_options(h.address, wait=15)
        ]
    return results, failed
