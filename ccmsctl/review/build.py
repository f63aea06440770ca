"""The review of a change against its base revision: the plan of compiled files, and what
only the models show: risk flags, the IVR tree diff, controls that newly fail, the waivers
in force. Reads no host."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ccmsctl.artifacts import Artifacts
from ccmsctl.model.waiver import Waiver
from ccmsctl.plan.diff import DeviceChange, Plan
from ccmsctl.report.build import build_report
from ccmsctl.report.model import Meta, Report, Status
from ccmsctl.review.calls import CallChange, call_changes
from ccmsctl.review.ivr import ivr_changes
from ccmsctl.review.model import IvrChange, Risk, Side, Where
from ccmsctl.review.numbers import did_risks
from ccmsctl.review.policies import (
    residency_risks,
    retention_risks,
    trunk_risks,
    twin_risks,
    waiver_risks,
)
from ccmsctl.validate.run import validate_estate

_FAILING = (Status.ERROR, Status.FAILED)


@dataclass(frozen=True)
class Review:
    directory: str
    ref: str
    plan: Plan  # the compiled files; network devices as files of their intended config
    devices: tuple[DeviceChange, ...]  # the commands each device's change takes
    risks: tuple[Risk, ...]
    ivr: tuple[IvrChange, ...]
    calls: tuple[CallChange, ...]  # callers whose path the change moves
    waivers: tuple[Waiver, ...]  # in the change, live or not


def _report(side: Side, artifacts: Artifacts, today: date) -> Report:
    outcome = validate_estate(side.estate, side.sources, today=today)
    meta = Meta(side.shown, "", False, "", "")
    return build_report(side.estate, side.sources, outcome, artifacts, meta, today=today)


def control_risks(
    base: Side, change: Side, before: Artifacts, after: Artifacts, today: date
) -> list[Risk]:
    """A control that passes (or is waived) at the base and fails with the change."""
    was = {c.id: c.status for c in _report(base, before, today).controls}
    risks = []
    for control in _report(change, after, today).controls:
        if control.status in _FAILING and was.get(control.id) not in _FAILING:
            failed = next(r for r in control.results if r.status in _FAILING)
            model = [e for e in failed.evidence if e.source == "model"]
            where = change.located(model[0].span) if model else Where(change.shown, 1)
            risks.append(
                Risk(
                    "control newly failing",
                    f"{control.id} {control.title}: {failed.subject}: {failed.message}",
                    where,
                )
            )
    return risks


def review(
    base: Side,
    change: Side,
    before: Artifacts,
    after: Artifacts,
    plan: Plan,
    devices: tuple[DeviceChange, ...],
    ref: str,
    today: date,
) -> Review:
    calls, call_risks = call_changes(base, change, today)
    risks = [
        *did_risks(base, change),
        *call_risks,
        *retention_risks(base, change),
        *residency_risks(base, change),
        *trunk_risks(base, change),
        *twin_risks(base, change),
        *control_risks(base, change, before, after, today),
        *waiver_risks(base, change),
    ]
    return Review(
        change.shown,
        ref,
        plan,
        devices,
        tuple(risks),
        tuple(ivr_changes(base, change)),
        tuple(calls),
        tuple(sorted(change.estate.of(Waiver), key=lambda w: w.name)),
    )
