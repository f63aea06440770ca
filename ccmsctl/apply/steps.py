"""The two steps the command line takes with a target: plan (compiled artifacts against what
the target's hosts and devices hold now, as a plan to save) and apply (a saved plan, after
checking that nothing it was made from has changed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ccmsctl.apply.rollout import Outcome, apply_plan, check_fresh, fingerprints
from ccmsctl.apply.target import Target
from ccmsctl.artifacts import Artifacts
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.network import device_changes
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance


def plan_for(
    target: Target, desired: Artifacts, *, estate_dir: str, target_name: str, origin: Provenance
) -> SavedPlan:
    """What applying `desired` would change on `target`, with the fingerprints a saved plan
    is checked against."""
    states = target.host_states({host: sorted(files) for host, files in desired.hosts.items()})
    running = target.running_configs(desired.device_intents)
    plan = replace(make_plan(desired, states), devices=device_changes(desired, running))
    return SavedPlan(estate_dir, target_name, origin, fingerprints(states, running), plan)


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
    states = target.host_states({host: sorted(files) for host, files in desired.hosts.items()})
    running = target.running_configs(desired.device_intents)
    check_fresh(saved, now, fingerprints(states, running))
    return apply_plan(
        target, saved.plan, states, saved.provenance.commit, progress=progress, cancel=cancel
    )
