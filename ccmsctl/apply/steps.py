"""Apply, as the command line takes it: a plan made just now under the apply's lock, or a
saved plan after checking that nothing it was made from has changed, secrets included."""

from __future__ import annotations

from collections.abc import Callable

from ccmsctl.apply.rollout import Outcome, Stamp, apply_plan
from ccmsctl.plan.ancestry import refuse_steps_back
from ccmsctl.plan.lock import operator
from ccmsctl.plan.make import Planned, recheck
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.target import Target


def apply_planned(
    planned: Planned,
    target: Target,
    *,
    allow_rollback: bool,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Apply a plan made just now under the apply's lock: nothing of ccmsctl's can have
    changed the hosts since they were read, so they are not read again (a saved plan is:
    apply_saved). RollbackError if it would step a host back and `allow_rollback` is not
    given."""
    saved = planned.saved
    return apply_plan(
        target,
        saved.plan,
        planned.states,
        _stamp(saved, allow_rollback),
        planned.secrets,
        progress=progress,
        cancel=cancel,
    )


def apply_saved(
    saved: SavedPlan,
    target: Target,
    now: Provenance,
    *,
    allow_rollback: bool,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Apply `saved` exactly; StalePlanError if the estate (`now`), the tooling or any host
    or device changed since it was planned, RollbackError if it would step a host back and
    `allow_rollback` is not given."""
    stamp = _stamp(saved, allow_rollback)
    states, secrets = recheck(saved, target, now)
    return apply_plan(
        target,
        saved.plan,
        states,
        stamp,
        secrets,
        progress=progress,
        cancel=cancel,
    )


def _stamp(saved: SavedPlan, allow_rollback: bool) -> Stamp:
    """What each host's new record says of this apply; RollbackError first where the plan
    steps a host back unasked."""
    commit = saved.provenance.commit
    if not allow_rollback:
        refuse_steps_back(saved.steps_back, commit)
    back = {step.host: step.commit for step in saved.steps_back}
    return Stamp(commit, operator(), back)
