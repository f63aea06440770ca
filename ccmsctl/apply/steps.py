"""Apply, as the command line takes it: a plan made just now under the apply's lock, or a
saved plan after checking that nothing it was made from has changed, secrets included."""

from __future__ import annotations

from collections.abc import Callable

from ccmsctl.apply.rollout import Outcome, apply_plan
from ccmsctl.plan.make import Planned, recheck
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.target import Target


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
    states, secrets = recheck(saved, target, now)
    return apply_plan(
        target,
        saved.plan,
        states,
        saved.provenance.commit,
        secrets,
        progress=progress,
        cancel=cancel,
    )
