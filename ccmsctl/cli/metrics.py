"""Metrics of ccmsctl's own runs: `--metrics-dir` on plan and apply (node_exporter's
textfile collector), and what `ccmsctl exporter` checks each round (drift per host from a
plan, the compliance controls, capacity headroom); ccmsctl/metrics/ turns them into
metric families."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.apply.rollout import Outcome
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.fanout import workers_available
from ccmsctl.compile.memo import SiteMemo
from ccmsctl.load.estate import Loaded
from ccmsctl.metrics.runs import (
    ApplyRun,
    Headroom,
    PlanRun,
    apply_metrics,
    control_metrics,
    drift_metrics,
    plan_metrics,
)
from ccmsctl.metrics.textfile import (
    APPLY_FILE,
    PLAN_FILE,
    MetricsWriteError,
    last_apply_success,
    write_metrics,
)
from ccmsctl.plan.diff import Plan
from ccmsctl.report.build import failing_controls
from ccmsctl.validate.sizing import size_estate

MetricsDir = Annotated[
    Path | None,
    typer.Option(
        "--metrics-dir",
        help="Write this run's metrics there for node_exporter's textfile collector "
        "(ccmsctl_plan.prom, ccmsctl_apply.prom).",
    ),
]


def drift_of(plan: Plan) -> dict[str, int]:
    """Per host of the plan, how many of its deployed files drifted from the record."""
    drifted = Counter(change.host for change in plan.changes if change.reason == "drift")
    return {host: drifted.get(host, 0) for host in sorted(plan.desired.hosts)}


def headroom_of(loaded: Loaded) -> list[Headroom]:
    """Spare capacity per trunk, site and skill group, as `ccmsctl capacity` sizes them."""
    sizing = size_estate(loaded.estate)
    found = [
        Headroom("trunk", t.name, t.channels / t.needed - 1) for t in sizing.trunks if t.needed
    ]
    found += [Headroom("site", s.name, s.channels / s.needed - 1) for s in sizing.sites if s.needed]
    found += [
        Headroom("skill_group", g.name, g.staffed / g.needed - 1) for g in sizing.groups if g.needed
    ]
    return found


@dataclass
class Recorder:
    """What a plan or apply found, filled in as it goes; written when the command ends,
    whether it succeeded or not."""

    plan: Plan | None = None
    outcome: Outcome | None = None
    controls: dict[str, bool] = field(default_factory=dict)
    cancelled: bool = False  # the user declined: no run to record


@contextmanager
def recorded(folder: Path | None, kind: str) -> Iterator[Recorder]:
    """Time the command and, with a folder, write its metrics when it ends (`kind`: plan or
    apply). A run that raised before its plan or outcome was known counts as failed."""
    recorder, started = Recorder(), time.monotonic()
    failed = True
    try:
        yield recorder
        failed = False
    finally:
        if folder is not None and not recorder.cancelled:
            try:
                write_run(folder, kind, recorder, time.time(), time.monotonic() - started)
            except MetricsWriteError as error:
                if not failed:
                    raise  # the command worked: its metrics failing is its error
                typer.echo(error.line(), err=True)  # and the command's own error follows


def write_run(folder: Path, kind: str, recorder: Recorder, now: float, took: float) -> None:
    plan = recorder.plan
    controls = control_metrics(recorder.controls) if recorder.controls else []
    if kind == "plan":
        run = PlanRun(now, took, plan is not None, *_changes(plan))
        write_metrics(folder, PLAN_FILE, plan_metrics(run) + controls)
        return
    outcome = recorder.outcome
    success = outcome is not None and not outcome.error
    changed = len({r.host for r in outcome.results if r.changed}) if outcome else 0
    last = now if success else last_apply_success(folder)
    families = apply_metrics(ApplyRun(now, took, success, changed, last))
    if success and plan is not None:  # what was just applied is what the records say
        families += drift_metrics(PlanRun(now, took, True, 0, dict.fromkeys(plan.desired.hosts, 0)))
    write_metrics(folder, APPLY_FILE, families + controls)


def _changes(plan: Plan | None) -> tuple[int, dict[str, int]]:
    if plan is None:
        return 0, {}
    return len(plan.changes) + len(plan.devices), drift_of(plan)


def controls_of(loaded: Loaded) -> dict[str, bool]:
    """Each compliance control of the report, and whether it fails: as `ccmsctl report`
    finds them, on the estate's production compile (not the lab's)."""
    artifacts = compile_estate(loaded.estate, workers=workers_available(), memo=SiteMemo.default())
    return failing_controls(loaded.estate, loaded.sources, artifacts, today=date.today())
