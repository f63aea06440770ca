"""Apply a plan to the lab: locked, checked for staleness, one site at a time, twin sites
never together, with a health gate after every site and a rollback of a site that fails.

Order: sites outside twin pairs first; then for each twin pair its standby side (the site
that is not primary; in active-active the second by name), the gate, then the other side.
A failed site is restored to the files it had, and nothing after it is touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.apply.ansible import HostRun, Result, run_playbook
from ccmsctl.apply.health import answers_options
from ccmsctl.apply.lab import Lab, LabHost
from ccmsctl.model.kinds import Estate
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.state import RECORD, HostState, Record, read_local_state, sha256


class StalePlanError(Exception):
    """The estate, the tooling or a target changed since the plan was made."""


@dataclass(frozen=True)
class Outcome:
    results: tuple[Result, ...]
    rolled_back: tuple[str, ...] = ()
    untouched: tuple[str, ...] = ()
    error: str = ""

    def changed(self) -> int:
        return sum(result.changed for result in self.results)


def site_order(estate: Estate, sites: list[str]) -> list[list[str]]:
    """Batches of sites: unpaired ones first, then each twin pair standby side first."""
    paired: list[list[str]] = []
    in_pairs: set[str] = set()
    for pair in sorted(estate.of(TwinPair), key=lambda p: p.name):
        first = pair.primary if pair.primary in pair.sites else sorted(pair.sites)[0]
        others = sorted(site for site in pair.sites if site != first)
        paired += [[site] for site in [*others, first] if site in sites]
        in_pairs.update(pair.sites)
    return [[site] for site in sorted(set(sites) - in_pairs)] + paired


def lab_states(lab: Lab, desired_paths: dict[str, list[str]]) -> dict[str, HostState]:
    return {
        host.name: read_local_state(host.root, desired_paths.get(host.name, []))
        for host in lab.hosts
    }


def check_fresh(saved: SavedPlan, current: Provenance, states: dict[str, HostState]) -> None:
    """Raise StalePlanError naming what changed since `saved` was planned."""
    was = saved.provenance
    if current.commit != was.commit:
        raise StalePlanError(
            f"saved plan is stale: the estate is at {current.commit}, "
            f"the plan was made at {was.commit}"
        )
    if current.model_hash != was.model_hash:
        raise StalePlanError("saved plan is stale: the estate's model changed")
    if current.tooling_hash != was.tooling_hash:
        raise StalePlanError("saved plan is stale: templates, roles or playbooks changed")
    for host, fingerprint in sorted(saved.fingerprints.items()):
        state = states.get(host)
        if state is None or state.fingerprint() != fingerprint:
            raise StalePlanError(f"saved plan is stale: host {host} changed since it was planned")


def _stage(folder: Path, files: dict[str, bytes]) -> None:
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(content)


def _host_runs(
    host: LabHost, plan: Plan, state: HostState, run_dir: Path, commit: str, applied_at: str
) -> tuple[HostRun, HostRun]:
    """The run that applies the host's changes, and the one that would undo them.

    Only changed files are sent (an unchanged host costs Ansible nothing, and reports
    changed=0); the record always lists every file."""
    desired = dict(plan.desired.hosts.get(host.name, {}))
    changes = [c for c in plan.changes if c.host == host.name]
    sent = tuple(sorted(c.path for c in changes if c.action != "delete"))
    removed = tuple(sorted(c.path for c in changes if c.action == "delete"))
    staging, snapshot = run_dir / "stage" / host.name, run_dir / "snapshot" / host.name
    _stage(staging, {path: desired[path] for path in sent})
    restored = {c.path: state.files[c.path] for c in changes if c.path in state.files}
    _stage(snapshot, restored)
    record = Record(commit, applied_at, {p: sha256(c) for p, c in desired.items()})
    forward = HostRun(
        host.name,
        str(host.root),
        host.roles,
        True,
        staging,
        sent,
        removed,
        bool(changes),
        record.to_json(),
    )
    previous = state.record
    added = tuple(sorted(set(sent) - set(restored)))
    back = HostRun(
        host.name,
        str(host.root),
        host.roles,
        True,
        snapshot,
        tuple(sorted(restored)),
        added + (() if previous else (RECORD,)),
        previous is not None,
        previous.to_json() if previous else "",
    )
    return forward, back


def apply_to_lab(
    estate: Estate,
    lab: Lab,
    plan: Plan,
    states: dict[str, HostState],
    commit: str,
    *,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Bring the lab's hosts to `plan.desired`, site by site."""
    run_dir = (
        lab.folder
        / "runs"
        / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8])
    )
    applied_at = datetime.now(UTC).isoformat(timespec="seconds")
    by_site: dict[str, list[LabHost]] = {}
    for host in lab.hosts:
        if host.name in plan.desired.hosts or host.name in plan.hosts():
            by_site.setdefault(host.site, []).append(host)
    results: list[Result] = []
    batches = site_order(estate, sorted(by_site))
    for index, (site,) in enumerate(batches):
        progress(f"site {site}: applying")
        batch = by_site[site]
        runs, rollbacks = [], []
        for host in batch:
            runs_for_host = _host_runs(host, plan, states[host.name], run_dir, commit, applied_at)
            runs.append(runs_for_host[0])
            rollbacks.append(runs_for_host[1])
        batch_results = run_playbook(
            runs, run_dir / f"batch-{index}", progress=progress, cancel=cancel
        )
        results += batch_results
        failed = [r for r in batch_results if r.failed]
        if not failed:
            failed = [
                Result(h.name, 0, True, "Kamailio does not answer SIP OPTIONS after the apply")
                for h in batch
                if "edge" in h.roles and not answers_options(h.address, wait=15)
            ]
        if failed:
            progress(f"site {site}: failed; restoring its previous files")
            run_playbook(rollbacks, run_dir / f"rollback-{index}", progress=progress)
            untouched = [h.name for (later,) in batches[index + 1 :] for h in by_site[later]]
            first = failed[0]
            return Outcome(
                tuple(results),
                tuple(h.name for h in batch),
                tuple(untouched),
                f"{first.host}: {first.error}",
            )
        progress(f"site {site}: healthy")
    return Outcome(tuple(results))
