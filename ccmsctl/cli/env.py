"""`ccmsctl env`: an estate's environments — which there are, and what differs between two
of them beyond the bindings each sets for itself."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import app, guard, validated
from ccmsctl.errors import Span
from ccmsctl.escape import visible
from ccmsctl.load.envdiff import Difference, EnvironmentDiff, environment_diff
from ccmsctl.load.estate import environment_names

env_app = typer.Typer(
    help="Environments: the base with environments/NAME/'s overlay.", no_args_is_help=True
)
app.add_typer(env_app, name="env")
BEYOND = 2  # exit status: something besides the bindings differs


class DiffFormat(StrEnum):
    text = "text"
    json = "json"


@env_app.command("list")
def env_list(directory: Annotated[Path, typer.Argument(help="The estate directory.")]) -> None:
    """The estate's environments, one per line."""
    with guard():
        for name in environment_names(directory):
            typer.echo(visible(name))


@env_app.command("diff")
def env_diff(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    first: Annotated[str, typer.Argument(help="An environment (staging).")],
    second: Annotated[str, typer.Argument(help="The environment to compare it with.")],
    bindings: Annotated[
        bool, typer.Option("--bindings", help="List each binding that differs, too.")
    ] = False,
    output: Annotated[DiffFormat, typer.Option("--format", help="text or json.")] = (
        DiffFormat.text
    ),
) -> None:
    """What differs between two environments, document by document and field by field.
    Bindings (addresses, networks, numbers, sizes, ports, secret references) are counted;
    anything else is listed with where each side sets it. Exit 0 when only bindings differ,
    2 when anything else does (staging no longer runs what production runs), 1 on error."""
    with guard():
        found = environment_diff(validated(directory, first), validated(directory, second))
        if output is DiffFormat.json:
            typer.echo(json.dumps(_json(found), indent=2, sort_keys=True))
        else:
            for line in _text(found, directory, bindings=bindings):
                typer.echo(line)
    if found.beyond:
        raise typer.Exit(BEYOND)


def _place(span: Span | None) -> str:
    return f"{visible(span.file)}:{span.line}:{span.col}" if span else "(absent)"


def _line(difference: Difference) -> str:
    return (
        f"{visible(difference.subject)} {visible(difference.shown)}: "
        f"{visible(difference.first) or '(absent)'} -> {visible(difference.second) or '(absent)'}"
    )


def _text(found: EnvironmentDiff, directory: Path, *, bindings: bool) -> list[str]:
    first, second = visible(found.first), visible(found.second)
    lines = [f"{visible(str(directory))}: {second} against {first}"]
    counted: dict[str, int] = {}
    for difference in found.bindings:
        counted[difference.kind] = counted.get(difference.kind, 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counted.items()))
    lines.append(
        f"  bindings that differ: {len(found.bindings)}" + (f" ({summary})" if summary else "")
    )
    if bindings:
        lines.extend(f"    {_line(d)}" for d in found.bindings)
    if not found.beyond:
        lines.append(f"  beyond the bindings: nothing — {second} runs what {first} runs")
        return lines
    lines.append(f"  beyond the bindings: {len(found.beyond)} difference(s)")
    for difference in found.beyond:
        lines.append(f"    {_line(difference)}")
        lines.append(f"      {first}: {_place(difference.where_first)}")
        lines.append(f"      {second}: {_place(difference.where_second)}")
    return lines


def _json(found: EnvironmentDiff) -> dict[str, object]:
    def one(difference: Difference) -> dict[str, object]:
        def where(span: Span | None) -> dict[str, object] | None:
            return {"file": span.file, "line": span.line, "col": span.col} if span else None

        return {
            "subject": difference.subject,
            "path": difference.shown,
            "first": difference.first,
            "second": difference.second,
            "binding": difference.binding,
            "where_first": where(difference.where_first),
            "where_second": where(difference.where_second),
        }

    return {
        "version": 1,
        "first": found.first,
        "second": found.second,
        "bindings": [one(d) for d in found.bindings],
        "beyond_bindings": [one(d) for d in found.beyond],
    }
