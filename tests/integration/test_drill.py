"""The failover drill, for real: the example's twin pair shanghai in network namespaces
(edges running the compiled Kamailio and keepalived, PBXs running the compiled Asterisk, the
carrier a Kamailio stand-in delivering along the compiled destination list), under SIPp
load. The active edge dies (three times, each keeping every established call), then the
whole active site, then the PBX answering calls; each time calls must succeed again within
the lab's targets (5 s for an edge or a PBX, 30 s for a site; asserted with room for a slow
machine), and come back to the primary site when it is restored.

Needs root (namespaces): without it the tests are skipped, and fail where CI requires the
real components.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccmsctl.lab.drill import plan_drill, run_drill
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE
from tests.integration.realworld import asterisk, require

LOAD = 10.0
HOLD = 3.0
SETTLE = 3.0


@pytest.fixture(autouse=True)
def _root() -> None:
    if os.geteuid() != 0:
        message = "the failover drill needs root (network namespaces)"
        pytest.skip(message)
    for program in ("ip", "kamailio", "keepalived", "sipp"):
        require(program)


@pytest.mark.parametrize("run", [1, 2, 3])
def test_losing_the_active_edge_keeps_every_established_call(tmp_path: Path, run: int) -> None:
    """Three runs in a row: every call up when the edge died ends normally (its hang-up
    crosses the moved VIP), and every call in setup is answered."""
    plan = plan_drill(load_estate(EXAMPLE).estate, "shanghai", tmp_path, str(asterisk()))
    result = run_drill(plan, tmp_path, kill="edge", load=LOAD, hold=HOLD, settle=SETTLE)
    assert result.killed == ("sh1-edge-1",)
    assert result.took_over == "sh1-edge-2"  # VRRP moved the VIP to the other edge
    failover, failback = result.failover, result.failback
    assert failover.recovery is not None and failover.recovery < 10, failover
    assert failover.in_progress > 0  # calls were up when the edge died
    assert failover.kept == failover.in_progress, f"run {run}: {failover}"
    assert failover.setup_answered == failover.in_setup, f"run {run}: {failover}"
    # the edge taking the VIP over knew the calls up: the dead edge shared its dialogs
    assert result.counted is not None
    counted, up = result.counted
    assert up > 0 and abs(counted - up) <= 3, result.counted
    assert failback.recovery is not None and failback.recovery < 10, failback
    assert failback.answered_by == ("sh-1",)
    assert result.met


def test_losing_the_active_site(tmp_path: Path) -> None:
    plan = plan_drill(load_estate(EXAMPLE).estate, "shanghai", tmp_path, str(asterisk()))
    result = run_drill(plan, tmp_path, kill="site", load=LOAD, hold=HOLD, settle=SETTLE)
    assert set(result.killed) == {"sh1-edge-1", "sh1-edge-2", "sh1-pbx-1", "sh1-pbx-2"}
    assert result.took_over.startswith("sh2-edge-")
    failover, failback = result.failover, result.failback
    assert failover.recovery is not None and failover.recovery < 30, failover
    assert "sh-2" in failover.answered_by  # the carrier took the calls to the twin
    assert failover.in_progress > 0 and failover.kept == 0  # the calls on sh-1 died with it
    assert failover.on_killed == failover.in_progress
    assert failback.recovery is not None, failback
    assert "sh-1" in failback.answered_by
    assert result.met


def test_losing_the_pbx_answering_calls(tmp_path: Path) -> None:
    """A real Asterisk dies under load: new calls go to its peer on the same site within
    the edge's PBX timer, and the calls established on it, and only those, are lost."""
    plan = plan_drill(load_estate(EXAMPLE).estate, "shanghai", tmp_path, str(asterisk()))
    result = run_drill(plan, tmp_path, kill="pbx", load=LOAD, hold=HOLD, settle=SETTLE)
    assert result.asterisk
    assert len(result.killed) == 1 and result.killed[0].startswith("sh1-pbx-")
    assert result.took_over.startswith("sh1-pbx-") and result.took_over != result.killed[0]
    failover, failback = result.failover, result.failback
    assert failover.recovery is not None and failover.recovery < 5, failover
    assert failover.answered_by == ("sh-1",)  # its peer, not the twin site
    assert failover.on_killed > 0
    assert failover.in_progress - failover.kept == failover.on_killed, failover
    assert failback.recovery is not None, failback
    assert result.met
