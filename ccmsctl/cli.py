"""The `ccmsctl` command line: parse flags, call a stage, print, pick an exit status.

Thin on purpose: every decision lives in the stages. Nothing imports this module.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.apply.lab import (
    DEFAULT_FOLDER,
    Lab,
    LabError,
    lab_call,
    lab_down,
    lab_status,
    lab_up,
    open_lab,
    plan_lab,
)
from ccmsctl.apply.lock import LockedError, LockError, force_unlock, locked
from ccmsctl.apply.rollout import StalePlanError, apply_to_lab, check_fresh, lab_states
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.fanout import workers_available
from ccmsctl.compile.lab import lab_estate
from ccmsctl.compile.output import BuildFolderError, write_build
from ccmsctl.errors import Finding, Severity
from ccmsctl.load.estate import Loaded, count_by_kind, load_estate
from ccmsctl.model.schema import json_schemas
from ccmsctl.plan.diff import (
    SYMBOL,
    Plan,
    base_states,
    make_plan,
    unified_diff,
    with_devices,
)
from ccmsctl.plan.planfile import PlanFileError, SavedPlan, write_plan_file
from ccmsctl.plan.planfile import load as load_plan
from ccmsctl.plan.provenance import RevisionError, checkout_estate, provenance
from ccmsctl.validate.run import Outcome, validate_estate

# Failures a user causes and can fix: one error line, exit status 1, no trace.
USER_ERRORS = (
    BuildFolderError,
    LabError,
    LockError,
    LockedError,
    PlanFileError,
    RevisionError,
    StalePlanError,
)

app = typer.Typer(
    name="ccmsctl",
    help="Declarative, GitOps-driven infrastructure for a hybrid on-prem contact center.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="JSON Schemas of the estate kinds.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
lab_app = typer.Typer(
    help="The lab: the whole estate on this machine, on loopback.", no_args_is_help=True
)
app.add_typer(lab_app, name="lab")

LabDir = Annotated[Path, typer.Option("--lab-dir", help="Where the lab lives.")]


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


@contextmanager
def _bug_guard() -> Iterator[None]:
    """Expected failures (a missing lab, a held lock, a stale plan...) end with one error
    line and exit status 1; anything else is a bug and says so."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except USER_ERRORS as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except Exception:
        traceback.print_exc(file=sys.stderr)
        typer.echo(
            "error: this is a bug in ccmsctl; please report it with the trace above", err=True
        )
        raise typer.Exit(1) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ccmsctl {package_version('ccmsctl')}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """ccmsctl: validate, compile, plan and apply a contact-center estate."""


def _text(finding: Finding) -> str:
    line = f"{finding.span}: {finding.severity.value}[{finding.code}]: {finding.message}"
    return f"{line}\n  hint: {finding.hint}" if finding.hint else line


def _github(finding: Finding) -> str:
    level = "error" if finding.severity is Severity.ERROR else "warning"
    span = finding.span
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return (
        f"::{level} file={span.file},line={span.line},col={span.col},"
        f"title={finding.code}::{message}"
    )


def _as_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "file": finding.span.file,
        "line": finding.span.line,
        "col": finding.span.col,
        "message": finding.message,
        "hint": finding.hint,
        "subject": finding.subject,
    }


def _summary(directory: Path, loaded: Loaded, outcome: Outcome) -> str:
    counts = ", ".join(f"{count} {kind}" for kind, count in count_by_kind(loaded.estate))
    documents = sum(count for _, count in count_by_kind(loaded.estate))
    errors = sum(1 for f in outcome.findings if f.severity is Severity.ERROR)
    warnings = len(outcome.findings) - errors
    waived = f", {len(outcome.waived)} waived" if outcome.waived else ""
    verdict = "valid" if not errors else "invalid"
    return (
        f"{directory}: {verdict}: {errors} error(s), {warnings} warning(s){waived}\n"
        f"  {documents} documents in {len(loaded.files)} files: {counts or 'none'}"
    )


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Check an estate: YAML, schema and cross-document rules. Exit 1 on findings."""
    with _bug_guard():
        loaded = load_estate(directory)
        outcome = validate_estate(
            loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
        )
        failed = outcome.failed(strict=strict)
        if output is Format.json:
            document = {
                "version": 1,
                "valid": not failed,
                "findings": [_as_json(f) for f in outcome.findings],
                "waived": [_as_json(f) for f in outcome.waived],
                "counts": dict(count_by_kind(loaded.estate)),
                "files": len(loaded.files),
            }
            typer.echo(json.dumps(document, indent=2, sort_keys=True))
        else:
            render: Callable[[Finding], str] = _github if output is Format.github else _text
            for finding in outcome.findings:
                typer.echo(render(finding))
            typer.echo(_summary(directory, loaded, outcome), err=output is Format.github)
    if failed:
        raise typer.Exit(1)


@app.command("compile")
def compile_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    out: Annotated[Path, typer.Option("--out", help="Build folder to write.")] = Path("build"),
) -> None:
    """Validate, then write every host's generated files and a manifest to the build folder."""
    with _bug_guard():
        loaded = load_estate(directory)
        outcome = validate_estate(
            loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
        )
        for finding in outcome.findings:
            typer.echo(_text(finding), err=True)
        if outcome.failed():
            typer.echo(f"{directory}: not compiled: fix the errors above", err=True)
            raise typer.Exit(1)
        artifacts = compile_estate(loaded.estate, workers=workers_available())
        count = write_build(artifacts, out)
        typer.echo(
            f"{directory}: compiled {count} files for {len(artifacts.hosts)} hosts into {out}"
        )


@schema_app.command("export")
def schema_export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path("schemas"),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if files differ.")
    ] = False,
) -> None:
    """Write a JSON Schema per kind (and ccmsctl.json for any kind)."""
    with _bug_guard():
        files = json_schemas()
        stale = sorted(
            name
            for name, text in files.items()
            if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
        )
        if check:
            for name in stale:
                typer.echo(f"{out / name}: differs from the models", err=True)
            if stale:
                typer.echo("run: ccmsctl schema export", err=True)
                raise typer.Exit(1)
            return
        out.mkdir(parents=True, exist_ok=True)
        for name in stale:
            _write_atomically(out / name, files[name])
        typer.echo(f"{len(files)} schemas in {out}: {len(stale)} written")


class Target(StrEnum):
    lab = "lab"


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


def _validated(directory: Path) -> Loaded:
    """The loaded estate, or exit 1 after printing its errors."""
    loaded = load_estate(directory)
    outcome = validate_estate(
        loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
    )
    for finding in outcome.findings:
        typer.echo(_text(finding), err=True)
    if outcome.failed():
        typer.echo(f"{directory}: fix the errors above first", err=True)
        raise typer.Exit(1)
    return loaded


def _lab_plan(directory: Path, folder: Path) -> tuple[Loaded, Lab, SavedPlan]:
    loaded = _validated(directory)
    lab = open_lab(folder)
    desired = compile_estate(
        lab_estate(loaded.estate), roots=lab.roots(), workers=workers_available()
    )
    states = lab_states(lab, {host: sorted(files) for host, files in desired.hosts.items()})
    plan = make_plan(desired, states)
    saved = SavedPlan(
        estate_dir=str(directory.resolve()),
        target="lab",
        provenance=provenance(directory, loaded.estate),
        fingerprints={host: state.fingerprint() for host, state in states.items()},
        plan=plan,
    )
    return loaded, lab, saved


def _review_plan(directory: Path, ref: str) -> Plan:
    """The estate's compile against its compile at Git revision `ref`; no host is read."""
    loaded = _validated(directory)
    with tempfile.TemporaryDirectory(prefix="ccmsctl-base-") as folder:
        old_dir = checkout_estate(directory, ref, Path(folder))
        old = load_estate(old_dir)
        if any(f.severity is Severity.ERROR for f in old.findings):
            typer.echo(
                f"error: the estate at {ref} does not load; compare with another base", err=True
            )
            raise typer.Exit(1)
        before = compile_estate(old.estate, workers=workers_available())
    after = compile_estate(loaded.estate, workers=workers_available())
    return make_plan(with_devices(after), base_states(with_devices(before)))


def _print_plan(plan: Plan, *, diff: bool) -> None:
    for host in plan.hosts():
        typer.echo(host)
        for change in (c for c in plan.changes if c.host == host):
            note = f" ({change.reason})" if change.reason == "drift" else ""
            typer.echo(f"  {SYMBOL[change.action]} {change.path}{note}")
            if diff:
                typer.echo(unified_diff(change), nl=False)
    typer.echo(plan.summary())


def _plan_json(plan: Plan) -> None:
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
                }
            )
        )
    typer.echo(json.dumps({"type": "change_summary", **plan.counts(), "message": plan.summary()}))


@app.command()
def plan(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    target: Annotated[Target, typer.Option("--target", help="Where to plan for.")] = Target.lab,
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
) -> None:
    """Show what apply would change on each host, file by file."""
    del target  # the lab is the one target today
    with _bug_guard():
        if base is not None:
            review = _review_plan(directory, base)
            if as_json:
                _plan_json(review)
            else:
                _print_plan(review, diff=diff)
            if detailed_exitcode and review.changes:
                raise typer.Exit(2)
            return
        _, _, saved = _lab_plan(directory, lab_dir)
        if as_json:
            _plan_json(saved.plan)
        else:
            _print_plan(saved.plan, diff=diff)
        if out is not None:
            write_plan_file(out, saved)
            if not as_json:
                typer.echo(f"Saved the plan to {out}: apply it with ccmsctl apply {out}")
    if detailed_exitcode and saved.plan.changes:
        raise typer.Exit(2)


@app.command()
def apply(
    source: Annotated[Path, typer.Argument(help="An estate directory, or a saved plan file.")],
    target: Annotated[Target, typer.Option("--target", help="Where to apply.")] = Target.lab,
    lab_dir: LabDir = DEFAULT_FOLDER,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking.")
    ] = False,
    lock_timeout: Annotated[
        float, typer.Option("--lock-timeout", help="Seconds to wait for the lock.")
    ] = 0,
) -> None:
    """Apply a saved plan exactly, or plan and apply an estate directory (asks first)."""
    del target
    with _bug_guard():
        if source.is_file():
            saved = load_plan(source.read_bytes())
            directory = Path(saved.estate_dir)
            loaded = _validated(directory)
            lab = open_lab(lab_dir)
        else:
            directory = source
            loaded, lab, saved = _lab_plan(directory, lab_dir)
            _print_plan(saved.plan, diff=False)
            if not auto_approve and not typer.confirm("Apply these changes?", default=False):
                typer.echo("Apply cancelled.")
                raise typer.Exit(1)
        with locked(lab.folder, "apply", package_version("ccmsctl"), timeout=lock_timeout):
            desired_paths = {h: sorted(f) for h, f in saved.plan.desired.hosts.items()}
            states = lab_states(lab, desired_paths)
            check_fresh(saved, provenance(directory, loaded.estate), states)
            with _interruptible() as cancelled:
                outcome = apply_to_lab(
                    loaded.estate,
                    lab,
                    saved.plan,
                    states,
                    saved.provenance.commit,
                    progress=typer.echo,
                    cancel=cancelled.is_set,
                )
        if outcome.error:
            typer.echo(f"error: apply failed on {outcome.error}", err=True)
            typer.echo(f"rolled back: {', '.join(outcome.rolled_back)}", err=True)
            if outcome.untouched:
                typer.echo(f"not touched: {', '.join(outcome.untouched)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"Apply complete. {saved.plan.summary()} Ansible changed={outcome.changed()}.")


@app.command("force-unlock")
def force_unlock_command(
    lock_id: Annotated[str, typer.Argument(help="The id the refused apply printed.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Remove a lock left by an apply that died."""
    with _bug_guard():
        holder = force_unlock(lab_dir, lock_id)
        typer.echo(f"Removed {holder.describe()}.")


@lab_app.command("up")
def lab_up_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Create a folder per host and start the PBX stand-ins."""
    with _bug_guard():
        loaded = _validated(directory)
        lab = plan_lab(loaded.estate, directory, lab_dir)
        for line in lab_up(lab):
            typer.echo(line)
        typer.echo(f"Lab up in {lab.folder}: {len(lab.hosts)} hosts on loopback.")


@lab_app.command("status")
def lab_status_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Show each lab host, its address, and what runs there."""
    del directory
    with _bug_guard():
        for status in lab_status(open_lab(lab_dir)):
            parts = [
                f"{status.host.name:<14} {status.host.address:<12}"
                f" {','.join(status.host.roles):<14}"
            ]
            if status.kamailio is not None:
                state = "running" if status.kamailio else "stopped"
                parts.append("kamailio " + ("answering" if status.answering else state))
            if status.stand_in is not None:
                parts.append("pbx stand-in " + ("running" if status.stand_in else "stopped"))
            typer.echo("  ".join(parts))


@lab_app.command("call")
def lab_call_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    did: Annotated[str, typer.Argument(help="The DID to call, e.g. +862161230005.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Call a DID through the lab as its carrier would, and say which PBX answered."""
    with _bug_guard():
        loaded = _validated(directory)
        result = lab_call(open_lab(lab_dir), loaded.estate, did)
        route = f"{result.did} from trunk {result.trunk} ({result.source}) via {result.edge}"
        if not result.answered:
            typer.echo(f"Call {route}: FAILED\n{result.detail}", err=True)
            raise typer.Exit(1)
        typer.echo(f"Call {route}: answered by {result.pbx or 'a PBX'} and hung up cleanly.")


@lab_app.command("down")
def lab_down_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Stop everything the lab runs and remove its folder."""
    del directory
    with _bug_guard():
        for line in lab_down(open_lab(lab_dir)):
            typer.echo(line)
        typer.echo("Lab down.")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
