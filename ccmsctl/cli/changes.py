"""Commands that change hosts: plan, apply, force-unlock."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.apply.steps import apply_planned, apply_saved
from ccmsctl.cli.app import (
    DEFAULT_FOLDER,
    EnvOption,
    LabDir,
    TargetOption,
    app,
    guard,
    validated,
)
from ccmsctl.cli.metrics import MetricsDir, controls_of, recorded
from ccmsctl.cli.review import PlanFormat, print_review, review_json, review_of
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.fanout import workers_available
from ccmsctl.compile.memo import SiteMemo
from ccmsctl.errors import UserError
from ccmsctl.lab.target import lab_target
from ccmsctl.load.estate import Loaded
from ccmsctl.plan.ancestry import refuse_steps_back
from ccmsctl.plan.diff import (
    SENSITIVE,
    SYMBOL,
    Plan,
    unified_diff,
)
from ccmsctl.plan.make import Planned, plan_for
from ccmsctl.plan.planfile import SavedPlan, write_plan_file
from ccmsctl.plan.planfile import load as load_plan
from ccmsctl.plan.provenance import provenance
from ccmsctl.plan.target import Target
from ccmsctl.review.comment import risk_lines
from ccmsctl.ssh.target import inventory_target


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """Ctrl-C (or SIGTERM) during an apply cancels the Ansible run: the wave in progress is
    rolled back and nothing after it starts."""
    cancelled = threading.Event()

    def cancel(signum: int, frame: object) -> None:
        del signum, frame
        if not cancelled.is_set():
            typer.echo("Cancelling: the wave in progress will be rolled back.", err=True)
        cancelled.set()

    previous = {sig: signal.signal(sig, cancel) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield cancelled
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class ApplyFailedError(UserError):
    """A host or device of a wave failed: the wave is rolled back (its hosts named), the
    waves after it untouched."""

    code = "E1305"


class PlanEnvironmentError(UserError):
    """A saved plan is applied as another environment's."""

    code = "E1208"


def _environment(env: str | None) -> str:
    return f"environment {env}" if env else "the base estate"


class TargetHostsError(UserError):
    """The target lacks hosts of the estate."""

    code = "E1207"


def plan_estate(directory: Path, where: Target, env: str | None) -> tuple[Loaded, Planned]:
    """The estate (environment `env` of it), and its plan against `where`, placed as it
    places it."""
    loaded = validated(directory, env)
    desired = compile_estate(
        loaded.estate,
        placement=where.placement(),
        workers=workers_available(),
        memo=SiteMemo.default(),
    )
    absent = sorted(name for name in desired.hosts if where.host(name) is None)
    if absent:
        raise TargetHostsError(f"{where.name} has no entry for {', '.join(absent)}")
    planned = plan_for(
        where,
        desired,
        estate_dir=str(directory.resolve()),
        origin=provenance(directory, loaded.estate.digest()),
        environment=env,
    )
    return loaded, planned


def target_of(target: str, lab_dir: Path, directory: Path) -> Target:
    """The lab in `lab_dir` (`target` "lab"), or the hosts of the inventory at `target`,
    whose secrets' vault paths are relative to `directory`."""
    if target == "lab":
        return lab_target(lab_dir)
    return inventory_target(Path(target), directory)


def _print_plan(plan: Plan, *, diff: bool, notes: list[str] | None = None) -> None:
    """The plan per host, then `notes` (a review's risk flags or the hosts it would step
    back), then the summary line."""
    for host in plan.hosts():
        typer.echo(host)
        for change in (c for c in plan.changes if c.host == host):
            note = f" ({change.reason})" if change.reason == "drift" else ""
            note += f" {SENSITIVE}" if change.sensitive else ""
            typer.echo(f"  {SYMBOL[change.action]} {change.path}{note}")
            if diff:
                typer.echo(unified_diff(change), nl=False)
        for step in plan.upkeep.get(host, ()):
            typer.echo(f"  * {step}")
    for device in plan.devices:
        typer.echo(f"{device.device} ({device.platform} at {device.address})")
        typer.echo(f"  ~ voice config: {len(device.commands)} commands")
        for command in device.commands:
            typer.echo(f"      {command}")
    for note in notes or ():
        typer.echo(note)
    typer.echo(plan.summary())


def _back_notes(saved: SavedPlan) -> list[str]:
    """A line per host the plan would step back to an older commit."""
    ours = saved.provenance.commit
    return [
        f"! {step.describe(ours)}: apply refuses without --allow-rollback"
        for step in saved.steps_back
    ]


def _plan_json(plan: Plan, notes: list[str] | None = None) -> None:
    """Versioned JSON Lines: the version, each change, `notes` (a review's), the summary."""
    typer.echo(json.dumps({"type": "version", "version": 1, "ccmsctl": package_version("ccmsctl")}))
    for change in plan.changes:
        typer.echo(
            json.dumps(
                {
                    "type": "planned_change",
                    "host": change.host,
                    "path": change.path,
                    "action": change.action,
                    "reason": change.reason,
                    "sensitive": change.sensitive,
                }
            )
        )
    for host, steps in plan.upkeep.items():
        for step in steps:
            typer.echo(
                json.dumps(
                    {
                        "type": "planned_upkeep",
                        "host": host,
                        "action": step.action,
                        "subject": step.subject,
                        "step": str(step),
                    }
                )
            )
    for device in plan.devices:
        typer.echo(
            json.dumps(
                {
                    "type": "planned_device_change",
                    "device": device.device,
                    "platform": device.platform,
                    "commands": list(device.commands),
                }
            )
        )
    for note in notes or ():
        typer.echo(note)
    summary = {
        **plan.counts(),
        "upkeep": plan.steps(),
        "devices": len(plan.devices),
        "message": plan.summary(),
    }
    typer.echo(json.dumps({"type": "change_summary", **summary}))


@app.command()
def plan(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    target: TargetOption = "lab",
    lab_dir: LabDir = DEFAULT_FOLDER,
    diff: Annotated[bool, typer.Option("--diff", help="Show unified diffs.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Save the plan (mode 0600).")] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Compare with the compile of this Git revision instead "
            "of the hosts (offline review of a pull request).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines output.")] = False,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes.")
    ] = False,
    output: Annotated[
        PlanFormat,
        typer.Option(
            "--format",
            help="With --base: text, markdown (the pull request's comment) or github "
            "(annotations of the risk flags).",
        ),
    ] = PlanFormat.text,
    comment_dir: Annotated[
        Path | None,
        typer.Option(
            "--comment-dir",
            help="With --format markdown: write the comment, split under GitHub's limit, "
            "as comment-1.md, comment-2.md... in this folder.",
        ),
    ] = None,
    metrics_dir: MetricsDir = None,
    env: EnvOption = None,
) -> None:
    """Show what apply would change on each host, file by file; with --base, also the risk
    flags and IVR changes a reviewer must see."""
    if output is not PlanFormat.text and base is None:
        raise typer.BadParameter("--format markdown and github review a change: add --base")
    with guard():
        if base is not None:
            found = review_of(directory, base, env)
            if as_json:
                _plan_json(found.plan, review_json(found))
            elif output is PlanFormat.text:
                _print_plan(found.plan, diff=diff, notes=risk_lines(found))
            else:
                print_review(found, output, comment_dir)
            if detailed_exitcode and found.plan.changes:
                raise typer.Exit(2)
            return
        with recorded(metrics_dir, "plan") as record:
            loaded, planned = plan_estate(directory, target_of(target, lab_dir, directory), env)
            saved = planned.saved
            record.plan = saved.plan
            if metrics_dir is not None:
                record.controls = controls_of(loaded)
        if as_json:
            _plan_json(saved.plan)
        else:
            _print_plan(saved.plan, diff=diff, notes=_back_notes(saved))
        if out is not None:
            write_plan_file(out, saved)
            if not as_json:
                typer.echo(f"Saved the plan to {out}: apply it with ccmsctl apply {out}")
    if detailed_exitcode and not saved.plan.empty():
        raise typer.Exit(2)


@app.command()
def apply(
    source: Annotated[Path, typer.Argument(help="An estate directory, or a saved plan file.")],
    target: TargetOption = "lab",
    lab_dir: LabDir = DEFAULT_FOLDER,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking.")
    ] = False,
    lock_timeout: Annotated[
        float, typer.Option("--lock-timeout", help="Seconds to wait for the lock.")
    ] = 0,
    metrics_dir: MetricsDir = None,
    env: EnvOption = None,
    allow_rollback: Annotated[
        bool,
        typer.Option(
            "--allow-rollback",
            help="Apply though a host runs a newer commit this checkout does not contain "
            "(the step back is meant; each host's record keeps it).",
        ),
    ] = False,
) -> None:
    """Apply a saved plan exactly, or plan and apply an estate directory under the apply's
    lock (it asks first, unless --auto-approve)."""
    version = package_version("ccmsctl")
    with guard(), recorded(metrics_dir, "apply") as record:
        if not source.is_file():
            into = target_of(target, lab_dir, source)
            # the lock is held from the read to the end, the question included: nothing of
            # ccmsctl's changes the hosts between what is shown and what is applied, so
            # they are read once
            with into.lock("apply", version, timeout=lock_timeout):
                loaded, planned = plan_estate(source, into, env)
                saved = planned.saved
                _print_plan(saved.plan, diff=False, notes=_back_notes(saved))
                if not allow_rollback:
                    refuse_steps_back(saved.steps_back, saved.provenance.commit)
                if not auto_approve and not typer.confirm("Apply these changes?", default=False):
                    record.cancelled = True
                    typer.echo("Apply cancelled.")
                    raise typer.Exit(1)
                record.plan = saved.plan
                with _interruptible() as cancelled:
                    outcome = apply_planned(
                        planned,
                        into,
                        allow_rollback=allow_rollback,
                        progress=typer.echo,
                        cancel=cancelled.is_set,
                    )
        else:
            saved = load_plan(source.read_bytes(), str(source))
            directory = Path(saved.estate_dir)
            if env is not None and env != saved.environment:
                raise PlanEnvironmentError(
                    f"{source} is a plan of {_environment(saved.environment)}, not of "
                    f"environment {env}"
                )
            loaded = validated(directory, saved.environment)
            record.plan = saved.plan
            into = target_of(saved.target, lab_dir, directory)
            with into.lock("apply", version, timeout=lock_timeout):
                now = provenance(directory, loaded.estate.digest())
                with _interruptible() as cancelled:
                    outcome = apply_saved(
                        saved,
                        into,
                        now,
                        allow_rollback=allow_rollback,
                        progress=typer.echo,
                        cancel=cancelled.is_set,
                    )
        record.outcome = outcome
        if metrics_dir is not None:
            record.controls = controls_of(loaded)
        if outcome.error:
            typer.echo(ApplyFailedError(f"apply failed on {outcome.error}").line(), err=True)
            if outcome.rolled_back:
                typer.echo(f"rolled back: {', '.join(outcome.rolled_back)}", err=True)
            if outcome.untouched:
                typer.echo(f"not touched: {', '.join(outcome.untouched)}", err=True)
            raise typer.Exit(1)
        devices = saved.plan.desired.device_intents
        network = f", network devices changed={outcome.devices_changed()}" if devices else ""
        typer.echo(
            f"Apply complete. {saved.plan.summary()} Ansible changed={outcome.changed()}{network}."
        )


@app.command("force-unlock")
def force_unlock_command(
    lock_id: Annotated[str, typer.Argument(help="The id the refused apply printed.")],
    target: TargetOption = "lab",
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Remove a lock left by an apply that died (on the target the apply named)."""
    with guard():
        holder = target_of(target, lab_dir, Path()).unlock(lock_id)
        typer.echo(f"Removed {holder.describe()}.")
