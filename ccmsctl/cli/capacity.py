"""`ccmsctl capacity`: what the estate can carry at the busy hour, by Erlang B and C."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import EnvOption, app, guard, validated
from ccmsctl.validate.capacity import SEARCH_LIMIT, figure
from ccmsctl.validate.sizing import Sizing, size_estate


class Format(StrEnum):
    text = "text"
    json = "json"


def _short(have: int, needed: int) -> str:
    if needed > SEARCH_LIMIT:
        return "SHORT: the load is beyond what ccmsctl sizes"
    return "ok" if have >= needed else f"SHORT by {needed - have}"


def _needs(needed: int, width: int) -> str:
    """The figure, or that it exceeds the search's limit (it is then no answer)."""
    return f"{figure(needed):>{width}}"


def _text(sizing: Sizing) -> list[str]:
    lines = [f"Trunks (Erlang B, {sizing.blocking * 100:g}% blocking at the busy hour):"]
    lines += [
        f"  {t.name:<20} {t.erlangs:8.1f} E  needs {_needs(t.needed, 5)}  has {t.channels:>5}  "
        f"{_short(t.channels, t.needed)}"
        for t in sizing.trunks
    ]
    lines.append("Skill groups (Erlang C, agents for the service level):")
    lines += [
        f"  {g.name:<20} {g.erlangs:8.1f} E  {g.target:<12} needs {_needs(g.needed, 4)}  "
        f"staffed {g.staffed:>4} ({g.achieved:.0%} in time)  {_short(g.staffed, g.needed)}"
        for g in sizing.groups
    ]
    lines.append("Sites (PBX channels, Erlang B):")
    lines += [
        f"  {s.name:<20} {s.erlangs:8.1f} E  needs {_needs(s.needed, 5)}  has {s.channels:>5}  "
        f"{_short(s.channels, s.needed)}"
        for s in sizing.sites
    ]
    if sizing.survivals:
        lines.append("Twin pairs (N+1: one side carries both):")
        for s in sizing.survivals:
            cover = f" + {s.burst_channels} from {', '.join(s.burst)}" if s.burst else ""
            verdict = "ok" if s.holds else _short(s.channels + s.burst_channels, s.needed)
            lines.append(
                f"  {s.pair}: without {s.lost}, {s.survivor} needs {_needs(s.needed, 0)} "
                "channels, "
                f"has {s.channels}{cover}: {verdict}"
            )
    return lines


@app.command()
def capacity(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    output: Annotated[
        Format, typer.Option("--format", help="text (the default) or json.")
    ] = Format.text,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    env: EnvOption = None,
) -> None:
    """Busy-hour capacity: trunk channels (Erlang B), agents per skill group (Erlang C), PBX
    channels per site, and whether each twin pair's survivor carries both sides."""
    with guard():
        sizing = size_estate(validated(directory, env).estate)
        if as_json or output is Format.json:
            document = {"version": 1, "search_limit": SEARCH_LIMIT, **asdict(sizing)}
            typer.echo(json.dumps(document, indent=2, sort_keys=True))
        else:
            for line in _text(sizing):
                typer.echo(line)
