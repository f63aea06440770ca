"""Calls through the lab, as a carrier places them: SIPp from a trunk's peer address to an
edge, and which PBX stand-in answered."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.lab.lab import SCENARIOS, Lab, LabError
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk


@dataclass(frozen=True)
class CallResult:
    did: str
    trunk: str
    source: str
    edge: str
    answered: bool
    pbx: str | None
    detail: str


def lab_call(lab: Lab, estate: Estate, did: str, *, timeout: float = 30) -> CallResult:
    """Place one call to `did` as its carrier would: from the trunk's first peer to an edge of
    the owning site, with SIPp; report which PBX stand-in answered."""
    moved = lab.estate(estate)
    number = int(did.lstrip("+")) if did.lstrip("+").isdigit() else -1
    owner = next(
        (
            r
            for r in moved.of(NumberRange)
            if any(first <= number <= last for first, last in r.spans())
        ),
        None,
    )
    if owner is None:
        raise LabError(f"{did} is in no NumberRange of the estate")
    trunk = moved.index(Trunk)[owner.trunk]
    sites = moved.index(Site)
    edges = [
        h
        for site in (owner.site, *trunk.sites)
        if site in sites
        for h in sorted(sites[site].hosts_with("edge"), key=lambda h: h.name)
    ]
    if not edges:
        raise LabError(f"no edge host receives trunk {trunk.name}")
    source, edge = str(trunk.peers[0].address), edges[0]
    call_id = f"ccmsctl-call-{os.getpid()}-{int(time.time())}"
    run = carrier_call(
        source, str(edge.address), did, timeout=timeout, extra=("-cid_str", f"{call_id}-%u-%p@%s")
    )
    answered = run.returncode == 0
    pbx = None
    deadline = time.monotonic() + 3  # the stand-ins write their traces a little later
    while answered and pbx is None and time.monotonic() < deadline:
        pbx = next(
            (
                host.name
                for host in lab.hosts
                if "pbx" in host.roles and call_id in _read(host.root / "run" / "sipp.msg")
            ),
            None,
        )
        time.sleep(0.1)
    detail = "" if answered else "\n".join((run.stdout + run.stderr).splitlines()[-8:])
    return CallResult(did, trunk.name, source, edge.name, answered, pbx, detail)


def carrier_call(
    source: str, edge: str, did: str, *, timeout: float = 30, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """One SIPp call as a carrier at `source` to `did` through the edge at `edge`:5060;
    exit status 0 means it was answered and hung up cleanly."""
    return subprocess.run(
        [
            "sipp",
            "-sf",
            str(SCENARIOS / "carrier_uac.xml"),
            "-i",
            source,
            "-p",
            "5060",
            "-s",
            did,
            f"{edge}:5060",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            str(int(timeout)),
            "-timeout_error",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
