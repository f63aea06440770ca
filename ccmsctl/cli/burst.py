"""`ccmsctl burst scale`: set how many nodes a burst pool runs, in the estate.

Scaling is a change to the estate like any other: the pool's `nodes` is rewritten in its
YAML file (a commit to review, or one an autoscaler makes), and `plan` and `apply` carry it
out: the nodes get their PBX files, the edges of the sites the pool serves add them to their
dispatcher sets behind the sites' own PBXs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import EnvOption, app, guard, validated
from ccmsctl.compile.monitoring.trigger import trigger_query
from ccmsctl.compile.pbx.routing import burst_numbers
from ccmsctl.errors import Severity, UserError
from ccmsctl.load.edit import EditError, set_field
from ccmsctl.load.estate import Loaded, load_estate
from ccmsctl.load.fmt import replace_file
from ccmsctl.metrics.api import instant
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.environment import ENVIRONMENTS
from ccmsctl.model.kinds import Estate
from ccmsctl.model.types import shown
from ccmsctl.validate.run import validate_estate

STEPS = 10  # samples a trigger window is read at (at most): all of them must be there

burst_app = typer.Typer(help="Cloud burst pools.", no_args_is_help=True)
app.add_typer(burst_app, name="burst")


class BurstError(UserError):
    """A pool to scale that the estate lacks, a count outside its bounds, or a change that
    would not validate (the file is left as it was)."""

    code = "E1701"


def wanted_nodes(pool: BurstPool, nodes: int | None, metric: float | None) -> int:
    """The pool's node count: `nodes` as asked, or one step by its trigger: one more above
    `trigger.above`, one fewer below half of it (the gap keeps it from flapping)."""
    if nodes is not None:
        return nodes
    if metric is None:
        return pool.running
    if metric > pool.trigger.above:
        return min(pool.max, pool.running + 1)
    if metric < pool.trigger.above / 2:
        return max(pool.min, pool.running - 1)
    return pool.running


def _measured(url: str, estate: Estate, pool: BurstPool) -> float | None:
    """The trigger's metric as one step reads it: its lowest value over the trigger's `for`
    when that is above the trigger (it stayed above), its highest when that is below half
    of it (it stayed below), else None (no step). A window Prometheus has not seen whole
    (it started later, or the metric is missing) takes no step."""
    query = trigger_query(estate, pool)
    seconds = int(pool.trigger.for_.total_seconds())
    needed = 1
    if seconds:
        each = max(1, seconds // STEPS)
        window, step, needed = shown(pool.trigger.for_), f"{each}s", seconds // each
        seen = instant(url, f"count_over_time(({query})[{window}:{step}])") or 0
        low = instant(url, f"min_over_time(({query})[{window}:{step}])")
        high = instant(url, f"max_over_time(({query})[{window}:{step}])")
    else:
        window, seen = "now", 1
        low = high = instant(url, query)
    shown_range = "no data" if low is None or high is None else f"{low:g} to {high:g}"
    typer.echo(
        f"{pool.name}: {pool.trigger.metric} over {window}: {shown_range} "
        f"(trigger above {pool.trigger.above:g})"
    )
    if seen < needed:
        typer.echo(f"{pool.name}: Prometheus has not seen the whole {window} yet: no step")
        return None
    if low is not None and low > pool.trigger.above:
        return low
    if high is not None and high < pool.trigger.above / 2:
        return high
    return None


def _home_of_nodes(loaded: Loaded, directory: Path, pool: str, env: str | None) -> Path:
    """The file to set the pool's `nodes` in: where the estate sets them, else the pool's
    own file; for an environment, a file of its overlay that patches the pool (scaling
    staging leaves production as it is)."""
    spans = loaded.sources.documents[("BurstPool", pool)][0]
    given = spans.keys.get(("nodes",))
    if env is None:
        return Path(given.file if given else spans.root.file)
    overlay = (directory / ENVIRONMENTS / env).resolve()
    files = [given.file] if given else []
    files += sorted({span.file for span in spans.keys.values()})
    for file in files:
        if Path(file).resolve().is_relative_to(overlay):
            return Path(file)
    raise BurstError(
        f"environment {env} does not patch BurstPool {pool!r}: add a patch of it "
        f"(overlay: patch) in {overlay} to scale it there alone"
    )


@burst_app.command("scale")
def scale(
    pool_name: Annotated[str, typer.Argument(metavar="POOL", help="The burst pool.")],
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    nodes: Annotated[
        int | None, typer.Option("--nodes", min=0, help="The nodes the pool runs from now.")
    ] = None,
    metric: Annotated[
        float | None,
        typer.Option("--metric", help="The trigger's metric now: one node more or fewer."),
    ] = None,
    prometheus: Annotated[
        str | None,
        typer.Option(
            "--prometheus",
            metavar="URL",
            help="Read the trigger's metric from this Prometheus (http://HOST:PORT): one "
            "node more when it stayed above the trigger for its `for`, one fewer when it "
            "stayed below half of it.",
        ),
    ] = None,
    env: EnvOption = None,
) -> None:
    """Set the nodes POOL runs, in its YAML file (with --env, in the environment's patch of
    the pool); `plan` shows what that changes and
    `apply` makes it so. Give --nodes, or --metric (or --prometheus) for one step of the
    pool's trigger."""
    if sum(given is not None for given in (nodes, metric, prometheus)) != 1:
        typer.echo("error: give one of --nodes N, --metric VALUE, --prometheus URL", err=True)
        raise typer.Exit(2)
    with guard():
        loaded = validated(directory, env)
        pool = loaded.estate.index(BurstPool).get(pool_name)
        if pool is None:
            known = ", ".join(sorted(loaded.estate.index(BurstPool))) or "none"
            raise BurstError(f"no burst pool {pool_name!r} (pools: {known})")
        if prometheus is not None:
            metric = _measured(prometheus, loaded.estate, pool)
        target = wanted_nodes(pool, nodes, metric)
        if not pool.min <= target <= pool.max:
            raise BurstError(
                f"{pool_name} runs {pool.min} to {pool.max} nodes, not {target}",
                loaded.sources.at("BurstPool", pool_name, "max"),
            )
        if target == pool.running:
            typer.echo(f"{pool_name}: stays at {target} node(s)")
            return
        path = _home_of_nodes(loaded, directory, pool_name, env)
        before = path.read_text(encoding="utf-8-sig")
        try:
            text = set_field(path, "BurstPool", pool_name, "nodes", target, after="max")
        except EditError as error:
            raise BurstError(str(error)) from None
        replace_file(path, text)
        again = load_estate(directory, env)
        outcome = validate_estate(
            again.estate, again.sources, today=date.today(), loaded=again.findings
        )
        if any(f.severity is Severity.ERROR for f in outcome.findings):
            replace_file(path, before)  # the estate is as it was
            raise BurstError(f"{pool_name} at {target} nodes does not validate")
        scaled = again.estate.index(BurstPool)[pool_name]
        numbers = sum(r.count() for r in burst_numbers(again.estate, scaled))
        typer.echo(f"{pool_name}: {pool.running} -> {target} node(s) in {path}")
        for node in scaled.burst_nodes():
            typer.echo(f"  {node.name} {node.address}")
        typer.echo(
            f"  they answer {numbers} number(s) of {', '.join(scaled.serves)} when the sites' "
            "own PBXs cannot"
        )
        typer.echo(f"Next: ccmsctl plan {directory}, then ccmsctl apply.")
