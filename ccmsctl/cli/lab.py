"""The lab's commands: up, status, call, down."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import (
    DEFAULT_FOLDER,
    EnvOption,
    LabDir,
    guard,
    lab_app,
    validated,
)
from ccmsctl.lab.call import lab_call, prediction_differences
from ccmsctl.lab.lab import (
    devices_running,
    lab_down,
    lab_status,
    lab_up,
    open_lab,
    plan_lab,
)
from ccmsctl.lab.prometheus import LISTEN as PROMETHEUS_LISTEN
from ccmsctl.lab.prometheus import start_prometheus
from ccmsctl.simulate.call import simulate_call
from ccmsctl.simulate.request import instant


@lab_app.command("up")
def lab_up_command(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    lab_dir: LabDir = DEFAULT_FOLDER,
    prometheus: Annotated[
        bool,
        typer.Option(
            "--prometheus",
            help="Also run Prometheus with the estate's generated configuration and rules "
            f"(on {PROMETHEUS_LISTEN}, scraping every 2 s).",
        ),
    ] = False,
    env: EnvOption = None,
) -> None:
    """Create a folder per host, start the PBX stand-ins and a fake device per network
    device (and with --prometheus, Prometheus watching them)."""
    with guard():
        loaded = validated(directory, env)
        lab = plan_lab(loaded.estate, directory, lab_dir)
        for line in lab_up(lab, loaded.estate):
            typer.echo(line)
        if prometheus:
            url = start_prometheus(lab.folder, lab.estate(loaded.estate))
            typer.echo(f"prometheus: {url} (alerts: {url}/alerts)")
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
            if status.asterisk is not None:
                parts.append("asterisk " + ("running" if status.asterisk else "stopped"))
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
    digits: Annotated[
        str, typer.Option(help="Keys to press once answered, two seconds apart, e.g. 2,1.")
    ] = "",
    hold: Annotated[
        float, typer.Option(help="Seconds to stay on the line after the keys.", min=0, max=600)
    ] = 2.0,
    caller: Annotated[
        str, typer.Option(help="Who calls: the caller's number the carrier presents.")
    ] = "carrier",
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="The instant the lab's PBXs live at for the call (ISO 8601, offset)."
        ),
    ] = None,
    lab_dir: LabDir = DEFAULT_FOLDER,
    env: EnvOption = None,
) -> None:
    """Call a DID through the lab as its carrier would, pressing keys (RFC 4733 events), and
    say where the call went: the PBX, the IVR nodes, the queue, the recording, the record;
    beside it, where the simulator says it goes (exit 1 where they differ)."""
    with guard():
        loaded = validated(directory, env)
        keys = tuple(key.strip() for key in digits.split(",") if key.strip())
        moment = instant(at) if at is not None else None
        predicted = simulate_call(
            loaded.estate, did, moment or datetime.now(UTC), keys=keys, caller=caller
        )
        result = lab_call(
            open_lab(lab_dir), loaded.estate, did, digits=keys, hold=hold, caller=caller, at=moment
        )
        route = f"{result.did} from trunk {result.trunk} ({result.source}) via {result.edge}"
        when = f" at {moment.isoformat()}" if moment else ""
        if not result.answered:
            typer.echo(f"Call {route}{when}: FAILED\n{result.detail}", err=True)
            raise typer.Exit(1)
        typer.echo(f"Call {route}{when}: answered by {result.pbx or 'a PBX'} and hung up cleanly.")
        if result.record:
            record = result.record
            typer.echo(f"  IVR path: {' > '.join(result.ivr_path) or '(none)'}")
            typer.echo(f"  queue: {record.get('ccms_skill_group') or '(none)'}")
            if result.recording is not None:
                state = "written" if result.recording.is_file() else "not written"
                typer.echo(f"  recording: {result.recording} ({state})")
            typer.echo(
                f"  call record: {record.get('disposition')}, {record.get('billsec')} s billed,"
                f" DID {record.get('ccms_did')}, trunk {record.get('ccms_trunk')}"
            )
            typer.echo(f"  predicted: {predicted.path()}; ends {predicted.outcome.text()}")
            differences = prediction_differences(predicted, result)
            for difference in differences:
                typer.echo(f"  DIFFERS from the simulation: {difference}")
            if differences:
                raise typer.Exit(1)
            went = [node for node in result.ivr_path if ":" not in node]
            predicted_nodes = [h.facts["node"] for h in predicted.hops if h.kind == "node"]
            if len(went) < len(predicted_nodes):
                left = went[-1] if went else "the entry"
                typer.echo(
                    f"  as the simulator predicted, as far as the call went (the caller hung "
                    f"up at {left}; --hold keeps it on the line longer)"
                )
            else:
                typer.echo("  as the simulator predicted")
        elif result.detail:
            typer.echo(f"  {result.detail}")


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
