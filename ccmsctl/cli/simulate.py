"""`ccmsctl simulate`: where a call goes, offline, at any instant, from the compiled estate;
`--all`: every range, time class and key path, collapsed to distinct outcomes."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import EnvOption, app, guard, validated
from ccmsctl.errors import SourceMap, Span
from ccmsctl.escape import markdown_code, markdown_text, visible
from ccmsctl.model.kinds import Estate
from ccmsctl.model.routing import Where
from ccmsctl.simulate.call import Simulation, simulate_call
from ccmsctl.simulate.explore import Exploration, Explorer
from ccmsctl.simulate.request import InputError, Request, request
from ccmsctl.simulate.route import NoRouteError, Router
from ccmsctl.simulate.summary import class_groups, findings, numbers_text

JSON_VERSION = 1


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _span(sources: SourceMap, where: Where | None) -> Span | None:
    return sources.at(where[0], where[1], *where[2]) if where else None


def _located(span: Span | None) -> dict[str, object]:
    return {"file": span.file, "line": span.line, "col": span.col} if span else {}


@app.command()
def simulate(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    number: Annotated[
        str | None, typer.Argument(help="The number called (E.164); not with --all.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When: an ISO 8601 instant with its offset."),
    ] = None,
    digits: Annotated[
        str,
        typer.Option(
            "--digits", help="The caller's answer at each prompt, comma-separated (- for none)."
        ),
    ] = "",
    caller: Annotated[str, typer.Option("--caller", help="The calling number.")] = "",
    language: Annotated[
        str | None, typer.Option("--language", help="Choose this language at language menus.")
    ] = None,
    down: Annotated[
        list[str] | None,
        typer.Option("--down", help="A host, site or burst pool out of service (repeatable)."),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every range, time class and key path.")
    ] = False,
    week_of: Annotated[
        str | None,
        typer.Option("--week-of", help="--all: the week whose days stand for the weekly hours."),
    ] = None,
    output: Annotated[
        Format, typer.Option("--format", help="text, json, or markdown (--all).")
    ] = Format.text,
    env: EnvOption = None,
) -> None:
    """Where a call goes: the trunk and edge it enters, the PBX that answers, each IVR node
    and its decision, the queue and the agents who would ring, overflows, voicemail,
    recording (class, host, country), the call record; each step with its estate line.
    Exit 0 when the call ends somewhere, 1 when the number routes nowhere, 2 on bad input."""
    with guard():
        loaded = validated(directory, env)
        try:
            if every:
                week = _all_request(number, at, digits, week_of)
            else:
                asked = _call_request(
                    loaded.estate, number, at, digits, language, down or [], caller
                )
        except InputError as error:
            typer.echo(error.line(), err=True)
            raise typer.Exit(2) from None
        if every:
            exploration = Explorer(loaded.estate, week).explore()
            _print_all(exploration, loaded.sources, output, week)
            return
        try:
            simulation = simulate_call(
                loaded.estate,
                asked.number,
                asked.at,
                keys=asked.keys,
                language=asked.language,
                caller=asked.caller,
                router=Router(loaded.estate, asked.down),
            )
        except NoRouteError as error:
            error.span = _span(loaded.sources, error.where)
            raise
        _print_call(simulation, loaded.sources, output)


def _all_request(number: str | None, at: str | None, digits: str, week_of: str | None) -> date:
    if number is not None or at is not None or digits:
        raise InputError("--all explores every number, instant and key: drop them")
    return _week(week_of)


def _call_request(
    estate: Estate,
    number: str | None,
    at: str | None,
    digits: str,
    language: str | None,
    down: list[str],
    caller: str,
) -> Request:
    if number is None or at is None:
        raise InputError("give the number called and --at INSTANT (or --all)")
    return request(estate, number, at, digits=digits, language=language, down=down, caller=caller)


def _week(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--week-of {text!r} is not a date such as 2026-12-07") from None


def _print_call(simulation: Simulation, sources: SourceMap, output: Format) -> None:
    if output is Format.json:
        document = {
            "version": JSON_VERSION,
            "number": simulation.number,
            "at": simulation.at.isoformat(),
            "caller": simulation.caller,
            "numbers": simulation.numbers,
            "steps": [
                {
                    "kind": hop.kind,
                    "text": hop.text,
                    **_located(_span(sources, hop.where)),
                    "facts": hop.facts,
                }
                for hop in simulation.hops
            ],
            "outcome": {
                "kind": simulation.outcome.kind,
                "target": simulation.outcome.target,
                "then": list(simulation.outcome.then),
                "recording": simulation.outcome.recording,
                "country": simulation.outcome.country,
                "text": simulation.outcome.text(),
            },
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    caller = f" from {visible(simulation.caller)}" if simulation.caller else ""
    typer.echo(
        f"Call to {simulation.number}{caller} at {simulation.at.isoformat()} "
        f"(range {visible(simulation.numbers)}):"
    )
    for hop in simulation.hops:
        span = _span(sources, hop.where)
        place = f"  ({visible(str(span))})" if span else ""
        typer.echo(f"  {hop.kind:<9} {visible(hop.text)}{place}")
    typer.echo(f"Path: {visible(simulation.path())}")
    typer.echo(f"Ends: {visible(simulation.outcome.text())}")


def _print_all(exploration: Exploration, sources: SourceMap, output: Format, week: date) -> None:
    if output is Format.json:
        # one line: the paths of a large estate are many (json's fast encoder takes no indent)
        typer.echo(json.dumps(_all_json(exploration, sources, week), ensure_ascii=False))
        return
    markdown = output is Format.markdown
    say = markdown_text if markdown else visible
    paths = sum(len(p) for r in exploration.ranges for _, p in r.classes)
    title = (
        f"Calls of the estate, the week of {week}: {len(exploration.ranges)} number ranges, "
        f"{paths} key paths"
    )
    typer.echo(f"## {title}\n" if markdown else f"{title}:")
    for paths_of in exploration.ranges:
        numbers = paths_of.numbers
        span = _span(sources, ("NumberRange", numbers.name, ()))
        way = (
            f"{paths_of.entry.pbx} ({paths_of.entry.site}) via {paths_of.entry.edge.name}"
            if paths_of.entry
            else paths_of.problem
        )
        head = f"{numbers.name} {numbers_text(numbers)} → IVR {numbers.ivr} on {way}"
        if markdown:
            typer.echo(f"### {say(head)}\n\n{markdown_code(str(span))}\n")
            typer.echo("| time classes | keys | outcome |\n| --- | --- | --- |")
        else:
            typer.echo(f"\n{say(head)}  ({say(str(span))})")
        for group in class_groups(paths_of):
            classes = "; ".join(group.classes)
            alone = len(group.outcomes) == 1
            if markdown:
                for line in group.outcomes:
                    cells = (say(classes), say(line.keys(alone)), say(line.outcome))
                    typer.echo("| " + " | ".join(cells) + " |")
                continue
            typer.echo(f"  {say(classes)}:")
            for line in group.outcomes:
                typer.echo(f"    {say(line.keys(alone))}: {say(line.outcome)}")
        if markdown:
            typer.echo("")
    found = findings(exploration)
    typer.echo(("\n### Findings\n" if markdown else "\nFindings:") if found else "")
    for finding in found:
        span = _span(sources, finding.where)
        where = say(str(span)) if span else ""
        typer.echo(
            f"- {finding.kind}: {say(finding.text)} ({where})"
            if markdown
            else f"  {finding.kind}: {say(finding.text)}  ({where})"
        )
    if not found:
        typer.echo("No dead ends, unreached nodes or queues without agents.")


def _all_json(exploration: Exploration, sources: SourceMap, week: date) -> dict[str, object]:
    return {
        "version": JSON_VERSION,
        "week_of": week.isoformat(),
        "ranges": [
            {
                "name": r.numbers.name,
                "numbers": numbers_text(r.numbers),
                "ivr": r.numbers.ivr,
                **_located(_span(sources, ("NumberRange", r.numbers.name, ()))),
                "pbx": r.entry.pbx if r.entry else None,
                "problem": r.problem,
                "classes": [
                    {
                        "label": moment.label,
                        "at": moment.at.isoformat(),
                        "paths": [
                            {
                                "keys": list(path.answers),
                                "label": path.label(),
                                "outcome": path.outcome.text(),
                            }
                            for path in paths
                        ],
                    }
                    for moment, paths in r.classes
                ],
            }
            for r in exploration.ranges
        ],
        "findings": [
            {"kind": f.kind, "text": f.text, **_located(_span(sources, f.where))}
            for f in findings(exploration)
        ],
    }
