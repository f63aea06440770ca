"""`ccmsctl init DIR`: a new estate repository that validates, with what a team needs
around it: a staging and a production environment, a .gitignore, a pre-commit hook running
validate, and CI for GitHub and GitLab that reviews every pull request per environment,
deploys what is merged to an environment's branch (plan kept, approval, apply of exactly
that plan) and checks the servers for drift on a schedule."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from ccmsctl import tooling
from ccmsctl.cli.app import app, guard
from ccmsctl.errors import UserError
from ccmsctl.model.types import Name

# templates/init/<file> -> where it goes in the new repository
FILES = MappingProxyType(
    {
        "estate.yaml": "estate.yaml",
        "voice.yaml": "voice.yaml",
        "people.yaml": "people.yaml",
        "compliance.yaml": "compliance.yaml",
        "gitignore": ".gitignore",
        "pre-commit-config.yaml": ".pre-commit-config.yaml",
        "env-production.yaml": "environments/production/environment.yaml",
        "env-staging.yaml": "environments/staging/environment.yaml",
        "github-workflow.yml": ".github/workflows/ccmsctl.yml",
        "github-deploy.yml": ".github/workflows/ccmsctl-deploy.yml",
        "github-drift.yml": ".github/workflows/ccmsctl-drift.yml",
        "gitlab-ci.yml": ".gitlab-ci.yml",
        "welcome.wav": "prompts/en-US/welcome.wav",  # a tone standing in for a recording
    }
)
_NAME: TypeAdapter[str] = TypeAdapter(Name)


class InitError(UserError):
    """The folder cannot take a new estate."""

    code = "E1603"


def estate_name(directory: Path) -> str:
    """The folder's name as an estate name (lower case, '-' for anything else)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", directory.resolve().name.lower()).strip("-._")
    try:
        return _NAME.validate_python(name)
    except ValidationError:
        return "estate"


def scaffold(directory: Path) -> list[str]:
    """Write a new estate into `directory` (absent or empty); the paths written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InitError(f"{directory} exists and is not an empty folder: nothing was written")
    name = estate_name(directory)
    source = tooling.templates() / "init"
    written = []
    for template, path in FILES.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if template.endswith(".wav"):
            target.write_bytes((source / template).read_bytes())
        else:
            text = (source / template).read_text(encoding="utf-8").replace("@NAME@", name)
            target.write_text(text, encoding="utf-8")
        written.append(path)
    return written


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="The new estate repository's folder.")],
) -> None:
    """Start a new estate repository: a small valid estate, .gitignore, a pre-commit hook
    and CI examples."""
    with guard():
        try:
            written = scaffold(directory)
        except OSError as error:
            raise InitError(f"cannot write {directory}: {error.strerror}") from None
        for path in written:
            typer.echo(f"  + {path}")
        typer.echo(
            f"New estate '{estate_name(directory)}' in {directory}. Next: "
            f"git init {directory} && ccmsctl validate {directory}"
        )
