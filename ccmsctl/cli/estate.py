"""Commands on the estate itself: validate, compile, schema export."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import (
    EnvOption,
    Format,
    app,
    guard,
    schema_app,
    validated,
)
from ccmsctl.cli.formats import finding_github, finding_json, finding_text
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.fanout import workers_available
from ccmsctl.compile.memo import SiteMemo
from ccmsctl.compile.output import check_build_folder, write_build
from ccmsctl.errors import Finding, Severity, UserError
from ccmsctl.escape import visible
from ccmsctl.files import write_atomic
from ccmsctl.load.estate import Loaded, count_by_kind, load_estate
from ccmsctl.load.fmt import format_estate, write_formatted
from ccmsctl.model.schema import json_schemas
from ccmsctl.validate.run import Outcome, validate_estate


def _waived_lines(outcome: Outcome) -> Iterator[str]:
    """One line per waived finding: what, on what, accepted by whom until when."""
    for finding in outcome.waived:
        waiver = outcome.waiver_for(finding)
        if waiver is not None:
            yield (
                f"waived[{finding.code}] {finding.subject}: by {visible(waiver.approved_by)} "
                f"until {waiver.expires.isoformat()} (Waiver/{waiver.name})"
            )


def _summary(directory: Path, loaded: Loaded, outcome: Outcome) -> str:
    counts = ", ".join(f"{count} {kind}" for kind, count in count_by_kind(loaded.estate))
    documents = sum(count for _, count in count_by_kind(loaded.estate))
    errors = sum(1 for f in outcome.findings if f.severity is Severity.ERROR)
    warnings = len(outcome.findings) - errors
    waived = f", {len(outcome.waived)} waived" if outcome.waived else ""
    verdict = "valid" if not errors else "invalid"
    env = f" (environment {loaded.environment})" if loaded.environment else ""
    unread = sorted({f.span.file for f in loaded.findings if f.code in UNREADABLE})
    shown = ", ".join(visible(file) for file in unread[:3]) + (", ..." if len(unread) > 3 else "")
    not_read = (
        f" ({len(unread)} could not be read, their documents not counted: {shown})"
        if unread
        else ""
    )
    return (
        f"{visible(str(directory))}{env}: {verdict}: "
        f"{errors} error(s), {warnings} warning(s){waived}\n"
        f"  {documents} documents in {len(loaded.files)} files{not_read}: {counts or 'none'}"
    )


UNREADABLE = ("E0001", "E0005")  # YAML syntax, not UTF-8: the file's documents are not read


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    env: EnvOption = None,
) -> None:
    """Check an estate: YAML, schema and cross-document rules. Exit 1 on findings."""
    with guard():
        loaded = load_estate(directory, env)
        outcome = validate_estate(
            loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
        )
        failed = outcome.failed(strict=strict)
        if output is Format.json:
            document = {
                "version": 1,
                "valid": not failed,
                "findings": [finding_json(f) for f in outcome.findings],
                "waived": [finding_json(f) for f in outcome.waived],
                "counts": dict(count_by_kind(loaded.estate)),
                "files": len(loaded.files),
                "environment": loaded.environment,
            }
            typer.echo(json.dumps(document, indent=2, sort_keys=True))
        else:
            render: Callable[[Finding], str] = (
                finding_github if output is Format.github else finding_text
            )
            for finding in outcome.findings:
                typer.echo(render(finding))
            for line in _waived_lines(outcome):
                typer.echo(line, err=output is Format.github)
            typer.echo(_summary(directory, loaded, outcome), err=output is Format.github)
    if failed:
        raise typer.Exit(1)


@app.command("compile")
def compile_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    out: Annotated[Path, typer.Option("--out", help="Build folder to write.")] = Path("build"),
    env: EnvOption = None,
) -> None:
    """Validate, then write every host's generated files and a manifest to the build folder."""
    with guard():
        check_build_folder(out, directory)
        loaded = validated(directory, env)
        artifacts = compile_estate(
            loaded.estate, workers=workers_available(), memo=SiteMemo.default()
        )
        count = write_build(artifacts, out, directory)
        env_note = f" (environment {env})" if env else ""
        typer.echo(
            f"{directory}{env_note}: compiled {count} files "
            f"for {len(artifacts.hosts)} hosts into {out}"
        )


@schema_app.command("export")
def schema_export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path("schemas"),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if files differ.")
    ] = False,
) -> None:
    """Write a JSON Schema per kind (and ccmsctl.json for any kind)."""
    with guard():
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
            write_atomically(out / name, files[name])
        typer.echo(f"{len(files)} schemas in {out}: {len(stale)} written")


class OutputError(UserError):
    """A file ccmsctl was asked to write cannot be written there."""

    code = "E1102"


def write_atomically(path: Path, text: str) -> None:
    """Write `path` whole or not at all, readable as a file the user made (umask applies);
    OutputError, naming it, where it cannot be (a missing folder, a folder in its place)."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give the file to write")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: no folder {path.parent} to write it in")
    mask = os.umask(0)
    os.umask(mask)
    try:
        write_atomic(path, text.encode("utf-8"), mode=0o666 & ~mask)
    except OSError as error:
        raise OutputError(f"{path}: {error.strerror}: nothing was written") from None


@app.command("fmt")
def fmt_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if a file would change.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show what would change.")] = False,
    migrate_format: Annotated[
        bool,
        typer.Option(
            "--migrate", help="Also write an older estate format's documents in the current one."
        ),
    ] = False,
) -> None:
    """Rewrite the estate's YAML in the canonical layout: comments and key order kept, DIDs
    in double quotes. With --check (CI, the pre-commit hook), only say which files differ;
    with --migrate, take an estate of an older format to the current one."""
    with guard():
        files, problems = format_estate(directory, migrate_format=migrate_format)
        for problem in problems:
            typer.echo(finding_text(problem), err=True)
        changed = [f for f in files if f.changed]
        for entry in changed:
            typer.echo(f"{'would reformat' if check else 'reformatted'} {visible(str(entry.path))}")
            if diff:
                lines = difflib.unified_diff(
                    entry.before.splitlines(),
                    entry.after.splitlines(),
                    f"{entry.path} (now)",
                    f"{entry.path} (formatted)",
                    lineterm="",
                )
                typer.echo(
                    "".join(visible(line, keep_tabs=True) + "\n" for line in lines), nl=False
                )
        if not check:
            write_formatted(changed)
        typer.echo(
            f"{directory}: {len(changed)} of {len(files)} file(s) "
            f"{'to reformat' if check else 'reformatted'}",
            err=True,
        )
    if problems or (check and changed):
        raise typer.Exit(1)
