"""The two steps the command line takes with a target: plan (compiled artifacts against what
the target's hosts and devices hold now, as a plan to save) and apply (a saved plan, after
checking that nothing it was made from has changed, secrets included)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ccmsctl.apply.rollout import (
    Outcome,
    StalePlanError,
    apply_plan,
    check_fresh,
    fingerprints,
)
from ccmsctl.apply.secrets import render_secret_files, same_secrets, secrets_digest
from ccmsctl.apply.target import Target
from ccmsctl.artifacts import Artifacts
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.network import device_changes
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.state import HostState, Wanted


@dataclass(frozen=True)
class Planned:
    """A plan to save, and what it was made from: each host's state, the secret files."""

    saved: SavedPlan
    states: dict[str, HostState]
    secrets: dict[str, dict[str, bytes]]


def plan_for(
    target: Target, desired: Artifacts, *, estate_dir: str, target_name: str, origin: Provenance
) -> Planned:
    """What applying `desired` would change on `target`, with the fingerprints a saved plan
    is checked against. Secrets first: one that cannot be had stops the plan before any
    host is read."""
    secrets = render_secret_files(desired.secrets, target.secret)
    states = _states(target, desired)
    running = target.running_configs(desired.device_intents)
    plan = replace(make_plan(desired, states, secrets), devices=device_changes(desired, running))
    saved = SavedPlan(
        estate_dir,
        target_name,
        origin,
        fingerprints(states, running, desired),
        plan,
        secrets_digest(secrets, states),
    )
    return Planned(saved, states, secrets)


def apply_planned(
    planned: Planned,
    target: Target,
    *,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Apply a plan made just now under the apply's lock: nothing of ccmsctl's can have
    changed the hosts since they were read, so they are not read again (a saved plan is:
    apply_saved)."""
    saved = planned.saved
    return apply_plan(
        target,
        saved.plan,
        planned.states,
        saved.provenance.commit,
        planned.secrets,
        progress=progress,
        cancel=cancel,
    )


def _states(target: Target, desired: Artifacts) -> dict[str, HostState]:
    wanted = {
        host: Wanted(
            tuple(sorted({*desired.hosts.get(host, {}), *desired.secrets.get(host, {})})),
            desired.host_vars[host].packages,
            desired.host_vars[host].services,
            desired.host_vars[host].recording_folders,
        )
        for host in desired.hosts
    }
    return target.host_states(wanted)


def apply_saved(
    saved: SavedPlan,
    target: Target,
    now: Provenance,
    *,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Apply `saved` exactly; StalePlanError if the estate (`now`), the tooling or any host
    or device changed since it was planned."""
    desired = saved.plan.desired
    states = _states(target, desired)
    running = target.running_configs(desired.device_intents)
    check_fresh(saved, now, fingerprints(states, running, desired))
    secrets = render_secret_files(desired.secrets, target.secret)
    if not same_secrets(saved.secrets_digest, secrets, states):
        raise StalePlanError(
            "saved plan is stale: a secret's value, or a host's copy of it, changed since it "
            "was planned"
        )
    return apply_plan(
        target,
        saved.plan,
        states,
        saved.provenance.commit,
        secrets,
        progress=progress,
        cancel=cancel,
    )
