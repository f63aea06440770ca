"""`ccmsctl report`: the auditors' compliance report of an estate, tied to its Git commit."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import EnvOption, app, guard
from ccmsctl.cli.estate import write_atomically
from ccmsctl.cli.formats import finding_text
from ccmsctl.compile.estate import compile_estate
from ccmsctl.errors import Severity, UserError
from ccmsctl.escape import visible
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.provenance import git_commit
from ccmsctl.report.build import all_controls, build_report
from ccmsctl.report.formats import to_json, to_junit, to_sarif
from ccmsctl.report.html import to_html
from ccmsctl.report.markdown import ICON, to_markdown
from ccmsctl.report.model import Meta, Report
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


def _meta(directory: Path, env: str | None) -> Meta:
    commit = git_commit(directory)
    return Meta(
        f"{directory} (environment {env})" if env else str(directory),
        commit.removesuffix("+dirty"),
        commit.endswith("+dirty"),
        package_version("ccmsctl"),
        now(),
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
) -> None:
    """Write the compliance report: controls with evidence, data flows, retention,
    encryption, exposure and waivers. Exit 0 when every control passes (waived results
    included), 1 on error, 2 when a control fails."""
    with guard():
        today = date.today()
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
        built: Report = build_report(
            loaded.estate,
            loaded.sources,
            outcome,
            compile_estate(loaded.estate),
            _meta(directory, env),
            today=today,
        )
        text = _RENDER[output](built)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(out, text)
            failing = [c.id for c in built.controls if c.status.value in ("error", "failed")]
            typer.echo(
                f"{out}: {len(built.controls)} controls, {ICON[built.status]}"
                + (f" ({', '.join(failing)})" if failing else ""),
                err=True,
            )
    code = built.exit_code()
    if code:
        raise typer.Exit(code)
