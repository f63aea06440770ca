"""`ccmsctl exporter`: serve the estate's drift, compliance and capacity headroom to
Prometheus, checked again on an interval (the scrape job `ccmsctl` of the generated
prometheus.yml)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import (
    DEFAULT_FOLDER,
    EnvOption,
    LabDir,
    TargetOption,
    app,
    guard,
    validated,
)
from ccmsctl.cli.changes import plan_estate, target_of
from ccmsctl.cli.metrics import controls_of, drift_of, headroom_of
from ccmsctl.compile.monitoring.names import CCMSCTL_EXPORTER
from ccmsctl.errors import UserError
from ccmsctl.metrics.exporter import Check, listen_address, serve
from ccmsctl.metrics.runs import PlanRun


def _check(directory: Path, target: str, lab_dir: Path, env: str | None) -> Check:
    """One round: the estate as it is now on disk, its drift on the target's hosts (a host
    that cannot be read fails the drift check, not the exporter)."""
    loaded = validated(directory, env)
    started = time.monotonic()
    try:
        planned = plan_estate(directory, target_of(target, lab_dir, directory), env)[1]
        plan = planned.saved.plan
        drift = PlanRun(time.time(), time.monotonic() - started, True, 0, drift_of(plan))
    except Exception as error:  # reported; the next round tries again
        said = error.line() if isinstance(error, UserError) else f"error: {error}"
        typer.echo(f"drift check failed: {said}", err=True)
        drift = PlanRun(time.time(), time.monotonic() - started, False)
    return Check(drift, controls_of(loaded), headroom_of(loaded))


@app.command()
def exporter(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    listen: Annotated[
        str, typer.Option("--listen", help="ADDRESS:PORT to serve /metrics on.")
    ] = CCMSCTL_EXPORTER,
    target: TargetOption = "lab",
    lab_dir: LabDir = DEFAULT_FOLDER,
    interval: Annotated[
        float, typer.Option("--interval", min=1, help="Seconds between checks.")
    ] = 60,
    env: EnvOption = None,
) -> None:
    """Serve drift per host, failing compliance controls and capacity headroom on
    /metrics, checked every --interval seconds, until stopped (Ctrl-C or SIGTERM)."""
    stop = threading.Event()

    def stopping(signum: int, frame: object) -> None:
        del signum, frame
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stopping)
    with guard():
        listen_address(listen)  # a wrong --listen is said before the first check
        serve(
            listen,
            lambda: _check(directory, target, lab_dir, env),
            interval,
            stop,
            say=lambda line: typer.echo(line, err=True),
        )
