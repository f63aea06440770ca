"""`ccmsctl erase`: meet a data subject's erasure request on every PBX, with an audit record."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any

import typer

from ccmsctl.cli.app import LabDir, app, guard, validated
from ccmsctl.cli.report import now
from ccmsctl.erasure.order import SCRIPT, audit_record, masked, order_bytes, orders, script
from ccmsctl.lab.lab import DEFAULT_FOLDER, open_lab
from ccmsctl.plan.provenance import git_commit

_NUMBER = re.compile(r"^\+[1-9][0-9]{6,14}$")
_REQUEST = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _write(path: Path, data: bytes, mode: int) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    path.chmod(mode)


def _run(out: Path, hosts: list[str]) -> dict[str, Any]:
    """Each host's order run here (the lab's hosts are folders of this machine)."""
    results: dict[str, Any] = {}
    for host in hosts:
        done = subprocess.run(
            [sys.executable, str(out / SCRIPT), str(out / f"{host}.json")],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            results[host] = {"error": last}
        else:
            results[host] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


@app.command()
def erase(
    directory: Annotated[Path, typer.Argument(help="The estate directory.")],
    caller: Annotated[str, typer.Option("--caller", help="The subject's number, E.164.")],
    request: Annotated[str, typer.Option("--request", help="The request's id (ticket).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the orders and the audit.")],
    requested: Annotated[
        str | None, typer.Option("--requested", help="When it was asked (YYYY-MM-DD).")
    ] = None,
    lab: Annotated[
        bool, typer.Option("--lab", help="Order the lab's PBXs (their folders), not real ones.")
    ] = False,
    lab_dir: LabDir = DEFAULT_FOLDER,
    run: Annotated[bool, typer.Option("--run", help="With --lab: carry the orders out.")] = False,
) -> None:
    """Write each PBX's order to erase the call records and recordings of the caller, and the
    audit record: the request, the subject (masked), each class's deadline or legal hold,
    and (with --run) what each PBX erased."""
    if not _NUMBER.match(caller):
        raise typer.BadParameter("an E.164 number: + and 7 to 15 digits", param_hint="--caller")
    if not _REQUEST.match(request):
        raise typer.BadParameter("letters, digits, . _ -", param_hint="--request")
    try:
        asked = date.fromisoformat(requested) if requested else date.today()
    except ValueError:
        raise typer.BadParameter("a date, YYYY-MM-DD", param_hint="--requested") from None
    if run and not lab:
        raise typer.BadParameter("--run carries out the lab's orders only: add --lab")
    with guard():
        estate = validated(directory).estate
        roots = open_lab(lab_dir).roots() if lab else {}
        host_orders = orders(estate, caller, roots)
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write(out / SCRIPT, script(), 0o700)
        for host, order in host_orders.items():
            _write(out / f"{host}.json", order_bytes(order), 0o600)
        commit = git_commit(directory)
        meta = {
            "estate": str(directory),
            "commit": commit.removesuffix("+dirty"),
            "dirty": str(commit.endswith("+dirty")).lower(),
            "ccmsctl": package_version("ccmsctl"),
            "generated": now(),
        }
        results = _run(out, sorted(host_orders)) if run else None
        if results is not None:
            meta["completed"] = now()
        record = audit_record(
            request=request,
            number=caller,
            requested=asked,
            estate=estate,
            host_orders=host_orders,
            meta=meta,
            results=results,
            today=date.today(),
        )
        _write(out / "audit.json", (json.dumps(record, indent=2) + "\n").encode(), 0o644)
        typer.echo(
            f"erasure {request} for {masked(caller)}: {len(host_orders)} PBX order(s) in {out}"
        )
        for entry in record["classes"]:
            due = f" by {entry['due']}" if entry["due"] else ""
            typer.echo(f"  {entry['class']} ({entry['data_class']}): {entry['action']}{due}")
        if results is None:
            typer.echo(
                f"on each PBX, as root: python3 {SCRIPT} HOST.json (copy both from {out}; "
                "the order holds the number: delete it after)"
            )
            return
        failed = [h for h, r in results.items() if "error" in r]
        for host, result in sorted(results.items()):
            typer.echo(f"  {host}: {json.dumps(result, sort_keys=True)}")
        if failed:
            typer.echo(f"error: the erasure failed on {', '.join(failed)}", err=True)
            raise typer.Exit(1)
