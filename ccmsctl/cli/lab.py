"""The lab's commands: up, status, call, down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import (
    LabDir,
    guard,
    lab_app,
    validated,
)
from ccmsctl.lab.call import lab_call
from ccmsctl.lab.lab import (
    DEFAULT_FOLDER,
    devices_running,
    lab_down,
    lab_status,
    lab_up,
    open_lab,
    plan_lab,
)


@lab_app.command("up")
def lab_up_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Create a folder per host, start the PBX stand-ins and a fake device per network
    device."""
    with guard():
        loaded = validated(directory)
        lab = plan_lab(loaded.estate, directory, lab_dir)
        for line in lab_up(lab, loaded.estate):
            typer.echo(line)
        typer.echo(
            f"Lab up in {lab.folder}: {len(lab.hosts)} hosts and "
            f"{len(lab.devices)} network devices on loopback."
        )


@lab_app.command("status")
def lab_status_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Show each lab host, its address, and what runs there."""
    del directory
    with guard():
        lab = open_lab(lab_dir)
        for status in lab_status(lab):
            parts = [
                f"{status.host.name:<14} {status.host.address:<12}"
                f" {','.join(status.host.roles):<14}"
            ]
            if status.kamailio is not None:
                state = "running" if status.kamailio else "stopped"
                parts.append("kamailio " + ("answering" if status.answering else state))
            if status.stand_in is not None:
                parts.append("pbx stand-in " + ("running" if status.stand_in else "stopped"))
            typer.echo("  ".join(parts))
        running = devices_running(lab)
        for device in lab.devices:
            address = f"{device.address}:{device.port}"
            state = "running" if running[device.name] else "stopped"
            typer.echo(f"{device.name:<14} {address:<17} {device.platform:<14} fake device {state}")


@lab_app.command("call")
def lab_call_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    did: Annotated[str, typer.Argument(help="The DID to call, e.g. +862161230005.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Call a DID through the lab as its carrier would, and say which PBX answered."""
    with guard():
        loaded = validated(directory)
        result = lab_call(open_lab(lab_dir), loaded.estate, did)
        route = f"{result.did} from trunk {result.trunk} ({result.source}) via {result.edge}"
        if not result.answered:
            typer.echo(f"Call {route}: FAILED\n{result.detail}", err=True)
            raise typer.Exit(1)
        typer.echo(f"Call {route}: answered by {result.pbx or 'a PBX'} and hung up cleanly.")


@lab_app.command("down")
def lab_down_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
) -> None:
    """Stop everything the lab runs and remove its folder."""
    del directory
    with guard():
        for line in lab_down(open_lab(lab_dir)):
            typer.echo(line)
        typer.echo("Lab down.")
