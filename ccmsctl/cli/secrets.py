"""`ccmsctl secrets DIR [--env NAME]`: every secret the estate needs before a plan asks for
it: each `env:` and `vault:` reference, where the estate uses it (file and line), and
whether this machine can resolve it now (the variable set; the vault file there, opened by
ANSIBLE_VAULT_PASSWORD_FILE's password, holding the key). Never a value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.apply.secrets import resolve
from ccmsctl.cli.app import EnvOption, app, guard, validated
from ccmsctl.escape import visible
from ccmsctl.model.secret import references
from ccmsctl.plan.secrets import SecretError


@dataclass(frozen=True)
class Needed:
    """A secret reference, why this machine cannot resolve it ("" if it can), and where
    the estate uses it (`file:line: Kind/name field`)."""

    reference: str
    problem: str
    used: tuple[str, ...]


def needed_secrets(directory: Path, env: str | None) -> list[Needed]:
    loaded = validated(directory, env)
    uses: dict[str, list[str]] = {}
    for (kind, name, path), ref in references(
        document for documents in loaded.estate.documents.values() for document in documents
    ):
        span = loaded.sources.at(kind, name, *path)
        field = ".".join(str(part) for part in path)
        uses.setdefault(ref.secret, []).append(f"{span.file}:{span.line}: {kind}/{name} {field}")
    found = []
    for reference, used in sorted(uses.items()):
        try:
            resolve(reference, directory)
            problem = ""
        except SecretError as error:
            problem = str(error)
        found.append(Needed(reference, problem, tuple(used)))
    return found


@app.command("secrets")
def secrets_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    env: EnvOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every env: and vault: reference the estate needs, where it is used, and whether
    this machine resolves it (never the value). Exit 1 when one does not resolve."""
    with guard():
        found = needed_secrets(directory, env)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "reference": n.reference,
                        "resolves": not n.problem,
                        "problem": n.problem,
                        "used": list(n.used),
                    }
                    for n in found
                ],
                indent=2,
            )
        )
    else:
        for need in found:
            state = "resolves" if not need.problem else f"does not resolve: {need.problem}"
            typer.echo(f"{visible(need.reference)}: {visible(state)}")
            for place in need.used:
                typer.echo(f"    {visible(place)}")
        missing = sum(1 for n in found if n.problem)
        typer.echo(
            f"{len(found)} secret(s) the estate needs, {len(found) - missing} resolve here, "
            f"{missing} do not"
        )
    if any(n.problem for n in found):
        raise typer.Exit(1)
