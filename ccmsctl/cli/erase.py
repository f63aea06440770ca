"""`ccmsctl erase`: meet a data subject's erasure request on every PBX, with an audit record."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from datetime import date
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any

import typer

from ccmsctl.cli.app import DEFAULT_FOLDER, EnvOption, LabDir, app, guard, validated
from ccmsctl.cli.report import now
from ccmsctl.erasure.order import SCRIPT, audit_record, masked, order_bytes, orders, script
from ccmsctl.errors import UserError
from ccmsctl.escape import visible
from ccmsctl.files import write_atomic, write_private
from ccmsctl.lab.lab import open_lab
from ccmsctl.plan.provenance import git_commit
from ccmsctl.running import run

# whole values only (fullmatch): a number or an id with a line break after it is refused
_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
_REQUEST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COUNTS = ("records", "recordings", "voicemail")


class ErasureError(UserError):
    """An erasure (or its dry run) failed on a PBX, or found nothing to erase."""

    code = "E1601"


def _run(out: Path, hosts: list[str], *, dry: bool = False) -> dict[str, Any]:
    """Each host's order run here (the lab's hosts are folders of this machine); `dry`:
    counted, nothing changed."""
    results: dict[str, Any] = {}
    for host in hosts:
        order = f"{host}.json"
        done = run(
            [sys.executable, out / SCRIPT, *(["--dry-run"] if dry else []), out / order],
            timeout=300,
        )
        if not done.ok:
            results[host] = {"error": done.why()}
        else:
            results[host] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def _matched(result: dict[str, Any]) -> int:
    """How much of the subject's data a PBX found: erased (or to erase) and held."""
    return sum(result.get(f"{kind}_{how}", 0) for kind in _COUNTS for how in ("erased", "held"))


def _counts(result: dict[str, Any], dry: bool) -> str:
    if "error" in result:
        return f"failed: {visible(result['error'])}"
    verb = "would erase" if dry else "erased"
    parts = [
        f"{result[f'{kind}_erased']} {kind} {verb}, {result[f'{kind}_held']} held"
        for kind in _COUNTS
    ]
    return "; ".join(parts)


def _outcome(results: dict[str, Any] | None) -> str:
    if results is None:
        return "ordered: not run here"
    if any("error" in result for result in results.values()):
        return "failed"
    return "erased" if any(_matched(r) for r in results.values()) else "nothing matched"


def _dry_run(estate: Any, caller: str, roots: dict[str, str]) -> None:
    """Count, on each lab PBX, what the orders would erase; write nothing."""
    host_orders = orders(estate, caller, roots)
    with tempfile.TemporaryDirectory(prefix="ccms-erase-") as folder:
        where = Path(folder)
        write_atomic(where / SCRIPT, script(), mode=0o700)
        for host, order in host_orders.items():
            write_private(where / f"{host}.json", order_bytes(order))
        results = _run(where, sorted(host_orders), dry=True)
    for host, result in sorted(results.items()):
        typer.echo(f"  {host}: {_counts(result, dry=True)}")
    if any("error" in result for result in results.values()):
        raise ErasureError(
            "the dry run failed on " + ", ".join(h for h, r in results.items() if "error" in r)
        )
    if not any(_matched(result) for result in results.values()):
        raise ErasureError(f"no PBX holds data of {masked(caller)}: nothing would be erased")


def _checked(
    caller: str, request: str, requested: str | None, *, lab: bool, run: bool, dry_run: bool
) -> date:
    """The options checked whole (nothing is written before): the request's date."""
    if not _NUMBER.fullmatch(caller):
        raise typer.BadParameter("an E.164 number: + and 7 to 15 digits", param_hint="--caller")
    if not _REQUEST.fullmatch(request):
        raise typer.BadParameter(
            "1 to 64 letters, digits, . _ - (a letter or digit first)", param_hint="--request"
        )
    try:
        asked = date.fromisoformat(requested) if requested else date.today()
    except ValueError:
        raise typer.BadParameter("a date, YYYY-MM-DD", param_hint="--requested") from None
    if asked > date.today():
        raise typer.BadParameter("a request made by today, not after", param_hint="--requested")
    if (run or dry_run) and not lab:
        raise typer.BadParameter("--run and --dry-run carry out the lab's orders only: add --lab")
    if run and dry_run:
        raise typer.BadParameter("--run or --dry-run, not both")
    return asked


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
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="With --lab: count what each PBX would erase; change nothing."
        ),
    ] = False,
    env: EnvOption = None,
) -> None:
    """Write each PBX's order to erase the call records and recordings of the caller, and the
    audit record: the request, the subject (masked), each class's deadline or legal hold,
    and (with --run) what each PBX erased."""
    asked = _checked(caller, request, requested, lab=lab, run=run, dry_run=dry_run)
    with guard():
        estate = validated(directory, env).estate
        roots = open_lab(lab_dir).roots() if lab else {}
        if dry_run:
            typer.echo(f"erasure {request} for {masked(caller)}, dry run (nothing changed):")
            _dry_run(estate, caller, roots)
            return
        host_orders = orders(estate, caller, roots)
        generated = now()  # a bad SOURCE_DATE_EPOCH stops here, before anything is written
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(out / SCRIPT, script(), mode=0o700)
        for host, order in host_orders.items():
            write_private(out / f"{host}.json", order_bytes(order))
        commit = git_commit(directory)
        meta = {
            "estate": str(directory),
            "commit": commit.removesuffix("+dirty"),
            "dirty": str(commit.endswith("+dirty")).lower(),
            "ccmsctl": package_version("ccmsctl"),
            "generated": generated,
        }
        results = _run(out, sorted(host_orders)) if run else None
        if results is not None:
            meta["completed"] = now()
        meta["outcome"] = _outcome(results)
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
        write_atomic(out / "audit.json", (json.dumps(record, indent=2) + "\n").encode(), mode=0o644)
        _told(record, results, out, f"erasure {request} for {masked(caller)}")


def _told(record: dict[str, Any], results: dict[str, Any] | None, out: Path, what: str) -> None:
    """Say what the audit record holds; a run that failed, or found nothing, is an error."""
    typer.echo(f"{what}: {len(record['hosts'])} PBX order(s) in {visible(str(out))}")
    for entry in record["classes"]:
        due = f" by {entry['due']}" if entry["due"] else ""
        typer.echo(f"  {entry['class']} ({entry['data_class']}): {entry['action']}{due}")
    if results is None:
        typer.echo(
            f"on each PBX, as root: python3 {SCRIPT} HOST.json (copy both from "
            f"{visible(str(out))}; the order holds the number: delete it after)"
        )
        return
    for host, result in sorted(results.items()):
        typer.echo(f"  {host}: {_counts(result, dry=False)}")
    audit = visible(str(out / "audit.json"))
    failed = [host for host, result in results.items() if "error" in result]
    if failed:
        raise ErasureError(f"the erasure failed on {', '.join(failed)} (audit: {audit})")
    if record["outcome"] == "nothing matched":
        raise ErasureError(
            f"no PBX held data of the subject: nothing was erased; the audit record says so "
            f"({audit})"
        )
