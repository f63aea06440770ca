"""`ccmsctl report`: the auditors' compliance report of an estate, tied to its Git commit."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.artifacts import PRODUCTION
from ccmsctl.cli.app import DEFAULT_FOLDER, EnvOption, LabDir, app, guard
from ccmsctl.cli.changes import target_of
from ccmsctl.cli.estate import write_atomically
from ccmsctl.cli.formats import finding_text
from ccmsctl.compile.estate import compile_estate, placed
from ccmsctl.compile.memo import SiteMemo
from ccmsctl.errors import Severity, UserError
from ccmsctl.escape import visible
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.lock import operator
from ccmsctl.plan.provenance import git_commit, history
from ccmsctl.report.attest import attest, observe
from ccmsctl.report.build import all_controls, build_report
from ccmsctl.report.compare import changes, read_previous
from ccmsctl.report.formats import to_json, to_junit, to_sarif
from ccmsctl.report.html import to_html
from ccmsctl.report.integrity import DIGEST, digest_text, sidecar, sign, verify
from ccmsctl.report.markdown import ICON, to_markdown
from ccmsctl.report.model import Meta, Report
from ccmsctl.report.period import period_section
from ccmsctl.validate.run import validate_estate


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"
    sarif = "sarif"
    junit = "junit"


_RENDER = {
    ReportFormat.html: to_html,
    ReportFormat.md: to_markdown,
    ReportFormat.json: to_json,
    ReportFormat.sarif: to_sarif,
    ReportFormat.junit: to_junit,
}


class SourceDateError(UserError):
    """SOURCE_DATE_EPOCH is not a time the report can be dated with."""

    code = "E1602"


def now() -> str:
    """The report's time: SOURCE_DATE_EPOCH when set (a reproducible report), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _written(datetime.now(UTC))
    try:
        moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else None
    except (OverflowError, ValueError, OSError):
        moment = None
    if moment is None:
        raise SourceDateError(
            f"SOURCE_DATE_EPOCH={visible(epoch)}: not a time ccmsctl can write (whole "
            "seconds since 1970-01-01 UTC, up to the year 9999); set it right or unset it"
        )
    return _written(moment)


def _written(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _day(text: str, today: date) -> date:
    """--since's day, no later than today."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a day (YYYY-MM-DD)") from None
    if day > today:
        raise typer.BadParameter(f"{text} is after today ({today})")
    return day


def _meta(directory: Path, env: str | None) -> Meta:
    commit = git_commit(directory)
    return Meta(
        f"{directory} (environment {env})" if env else str(directory),
        commit.removesuffix("+dirty"),
        commit.endswith("+dirty"),
        package_version("ccmsctl"),
        now(),
        generated_by=operator(),
    )


@app.command()
def report(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    output: Annotated[
        ReportFormat, typer.Option("--format", help="html, md, json, sarif or junit.")
    ] = ReportFormat.html,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
    env: EnvOption = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Check each generated file the report cites on its host: lab, or an "
            "Ansible inventory (without it, the report covers the design only).",
        ),
    ] = None,
    lab_dir: LabDir = DEFAULT_FOLDER,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="YYYY-MM-DD",
            help="Add the period from this day: the estate's changes in Git, the applies "
            "the hosts' records name (with --target), waivers approved and expired.",
        ),
    ] = None,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            metavar="PREVIOUS.json",
            help="Add what changed since this earlier JSON report (results, controls, "
            "waivers) as the report's first section.",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--sign",
            metavar="KEY",
            help="With --out: sign the report with this SSH private key (ssh-keygen -Y "
            "sign): OUT.sig beside OUT and its OUT.sha256.",
        ),
    ] = None,
) -> None:
    """Write the compliance report: controls with evidence, data flows, retention,
    encryption, exposure and waivers; with --target, each piece of evidence checked on its
    host (deployed, drifted, missing, unverified). Exit 0 when every control passes (waived
    results included), 1 on error, 2 when a control fails or cannot be verified."""
    if key is not None and out is None:
        raise typer.BadParameter("--sign signs a file: add --out")
    today = date.today()
    start = _day(since, today) if since is not None else None
    with guard():
        previous = read_previous(compare) if compare is not None else None
        loaded = load_estate(directory, env)
        outcome = validate_estate(
            loaded.estate, loaded.sources, today=today, loaded=loaded.findings
        )
        owned = {code for control in all_controls(today) for code in control.codes}
        blocking = [
            f for f in outcome.findings if f.severity is Severity.ERROR and f.code not in owned
        ]
        for finding in blocking:
            typer.echo(finding_text(finding), err=True)
        if blocking:
            typer.echo(f"{directory}: fix the errors above first: no report written", err=True)
            raise typer.Exit(1)
        where = target_of(target, lab_dir, directory) if target is not None else None
        placement = where.placement() if where is not None else PRODUCTION
        artifacts = compile_estate(loaded.estate, placement=placement, memo=SiteMemo.default())
        built: Report = build_report(
            placed(loaded.estate, placement),
            loaded.sources,
            outcome,
            artifacts,
            _meta(directory, env),
            today=today,
        )
        if where is not None:
            built = attest(built, observe(where, artifacts, now), where.name)
        if start is not None:
            happened = period_section(
                loaded.estate,
                history(directory, start.isoformat()),
                built.meta.collected,
                start,
                today,
            )
            built = replace(built, sections=(*built.sections[:1], happened, *built.sections[1:]))
        if previous is not None:
            built = replace(built, sections=(changes(built, previous), *built.sections))
        text = _RENDER[output](built)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(out, text)
            write_atomically(sidecar(out, DIGEST), digest_text(text.encode(), out.name))
            if key is not None:
                typer.echo(f"{sign(out, key)}: signed with {key}", err=True)
            failing = [c.id for c in built.controls if c.status.value in ("error", "failed")]
            typer.echo(
                f"{out}: {len(built.controls)} controls, {ICON[built.status]}"
                + (f" ({', '.join(failing)})" if failing else ""),
                err=True,
            )
    code = built.exit_code()
    if code:
        raise typer.Exit(code)


@app.command("verify-report")
def verify_report(
    path: Annotated[Path, typer.Argument(help="A report ccmsctl wrote (--out).")],
    signers: Annotated[
        Path | None,
        typer.Option(
            "--signers",
            help="An allowed_signers file (ssh-keygen's) with the signer's public key: "
            "checks REPORT.sig too.",
        ),
    ] = None,
    identity: Annotated[
        str, typer.Option("--identity", help="The signer, as allowed_signers names them.")
    ] = "",
) -> None:
    """Check a written report: its sha256 against REPORT.sha256, a JSON report's own
    content_sha256, and with --signers its signature. Exit 0 when every check holds."""
    with guard():
        verdict = verify(path, signers, identity)
        for check, held in verdict.checks:
            typer.echo(f"{'ok' if held else 'FAILED'}: {visible(check)}")
    if not verdict.ok:
        typer.echo(f"{visible(str(path))}: not verified", err=True)
        raise typer.Exit(1)
