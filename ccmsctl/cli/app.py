"""The command line's shared parts: the typer apps, the error guard, the options and
helpers every command group uses. Thin on purpose: decisions live in the stages."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccmsctl.cli.formats import finding_text
from ccmsctl.errors import UserError

if TYPE_CHECKING:
    from ccmsctl.load.estate import Loaded

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
DEFAULT_FOLDER = Path(".ccmsctl/lab")  # the lab's folder, unless --lab-dir names another


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


@contextmanager
def guard() -> Iterator[None]:
    """Expected failures (a missing lab, a held lock, a stale plan...) end with one error
    line and exit status 1; output cut short by its reader (`| head`) ends quietly, as a
    pipe's writer does (status 141); anything else is a bug and says so."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        # nothing more can be written: point stdout at /dev/null so the exit flushes nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    except UserError as error:  # each stage's errors the user can fix
        typer.echo(error.line(), err=True)
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


EnvOption = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="NAME",
        help="The environment: the base with environments/NAME/'s overlay applied.",
    ),
]

TargetOption = Annotated[
    str,
    typer.Option(
        "--target",
        help="lab, or an Ansible inventory (file or folder) of the estate's real hosts.",
    ),
]


def validated(directory: Path, env: str | None = None) -> Loaded:
    """The loaded estate (environment `env` of it), or exit 1 after printing its errors."""
    from ccmsctl.load.estate import load_estate  # noqa: PLC0415 - a command loads what it runs
    from ccmsctl.validate.run import validate_estate  # noqa: PLC0415

    loaded = load_estate(directory, env)
    outcome = validate_estate(
        loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
    )
    for finding in outcome.findings:
        typer.echo(finding_text(finding), err=True)
    if outcome.failed():
        shown = f"{directory} (environment {env})" if env else str(directory)
        typer.echo(f"{shown}: fix the errors above first", err=True)
        raise typer.Exit(1)
    return loaded
