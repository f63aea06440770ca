"""`ccmsctl failover drill`: lose a twin pair's active edge or site under load, for real in
network namespaces, and measure how long callers wait before calls succeed again."""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path
from typing import Annotated, get_args

import typer

from ccmsctl.cli.app import EnvOption, app, guard, validated
from ccmsctl.lab.drill import plan_drill, run_drill
from ccmsctl.lab.drillcalls import DrillResult, Kill, Phase
from ccmsctl.lab.lab import find_asterisk

failover_app = typer.Typer(help="Twin-pair failover, drilled and measured.", no_args_is_help=True)
app.add_typer(failover_app, name="failover")


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def _row(phase: Phase) -> str:
    return (
        f"  {phase.name:<9} {_seconds(phase.recovery):>9}  {phase.failed:>12}  "
        f"{phase.in_progress:>11}  {phase.kept:>5}  {phase.in_setup:>8}  "
        f"{phase.setup_answered:>8}  {', '.join(phase.answered_by) or '-'}"
    )


def text(result: DrillResult) -> list[str]:
    verdict = "met" if result.met else "MISSED"
    return [
        f"Drill of twin pair {result.pair}: {result.kill} down ({', '.join(result.killed)}) "
        f"at {result.load:g} calls/s, each held {result.hold:g} s; {result.calls} calls; "
        f"{result.took_over or 'no edge'} took over",
        f"  {'phase':<9} {'recovery':>9}  {'calls failed':>12}  {'established':>11}  "
        f"{'kept':>5}  {'in setup':>8}  {'answered':>8}  answered by",
        _row(result.failover),
        _row(result.failback),
        *(
            [f"{result.failover.on_killed} established calls were on the killed PBXs"]
            if result.kill != "edge"
            else []
        ),
        *(
            [
                f"{result.took_over} counted {result.counted[0]} calls up on the trunk as it "
                f"took the VIP over; the callers had {result.counted[1]} up"
            ]
            if result.counted
            else []
        ),
        f"PBXs: {'Asterisk' if result.asterisk else 'SIPp stand-ins'}",
        f"Recovery objective {result.rto:g} s: {verdict}",
    ]


@failover_app.command("drill")
def drill(
    pair: Annotated[str, typer.Argument(help="The twin pair to drill.")],
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    kill: Annotated[
        str,
        typer.Option(
            "--kill",
            help="What dies: the active `edge`, the `pbx` answering calls (needs Asterisk), "
            "or the whole `site`.",
        ),
    ] = "edge",
    load: Annotated[
        float, typer.Option("--load", min=0.5, max=200, help="Calls per second placed.")
    ] = 10.0,
    hold: Annotated[
        float, typer.Option("--hold", min=1, max=120, help="Seconds each call lasts.")
    ] = 8.0,
    folder: Annotated[
        Path | None,
        typer.Option("--folder", help="Where the drill keeps its files and logs (kept)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    env: EnvOption = None,
) -> None:
    """Build the pair's edges, PBXs (Asterisk where installed) and carrier in network
    namespaces (needs root), place calls through the carrier, kill the active edge, a PBX
    or the site, restore it, and report the seconds until calls succeed again both ways.
    Exit 1 past the pair's `rto`."""
    kills = {name: name for name in get_args(Kill)}
    if kill not in kills:
        typer.echo(f"error: --kill is `edge`, `pbx` or `site`, not {kill!r}", err=True)
        raise typer.Exit(2)
    chosen: Kill = kills[kill]
    # SIGTERM ends the drill as Ctrl-C does: its namespaces and processes are taken down
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with guard():
        estate = validated(directory, env).estate
        with tempfile.TemporaryDirectory(prefix="ccmsctl-drill-") as scratch:
            where = folder.resolve() if folder else Path(scratch)
            plan = plan_drill(estate, pair, where, find_asterisk())
            result = run_drill(plan, where, kill=chosen, load=load, hold=hold)
        if as_json:
            typer.echo(json.dumps({"version": 1, **result.to_json()}, indent=2, sort_keys=True))
        else:
            for line in text(result):
                typer.echo(line)
    if not result.met:
        raise typer.Exit(1)
