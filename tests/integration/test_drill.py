"""The failover drill, for real: the example's twin pair shanghai in network namespaces
(edges running the compiled Kamailio and keepalived, PBXs answering with SIPp, the carrier a
Kamailio stand-in delivering along the compiled destination list), under SIPp load. The
active edge dies, then the whole active site; each time calls must succeed again within the
lab's targets (5 s for an edge, 30 s for a site; asserted with room for a slow machine),
and come back to the primary site when it is restored.

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
from tests.integration.realworld import require

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


def test_losing_the_active_edge(tmp_path: Path) -> None:
    plan = plan_drill(load_estate(EXAMPLE).estate, "shanghai", tmp_path)
    result = run_drill(plan, tmp_path, kill="edge", load=LOAD, hold=HOLD, settle=SETTLE)
    assert result.killed == ("sh1-edge-1",)
    assert result.took_over == "sh1-edge-2"  # VRRP moved the VIP to the other edge
    failover, failback = result.failover, result.failback
    assert failover.recovery is not None and failover.recovery < 10, failover
    assert failover.in_progress > 0  # calls were up when the edge died
    assert failback.recovery is not None and failback.recovery < 10, failback
    assert failback.answered_by == ("sh-1",)
    assert result.met


def test_losing_the_active_site(tmp_path: Path) -> None:
    plan = plan_drill(load_estate(EXAMPLE).estate, "shanghai", tmp_path)
    result = run_drill(plan, tmp_path, kill="site", load=LOAD, hold=HOLD, settle=SETTLE)
    assert set(result.killed) == {"sh1-edge-1", "sh1-edge-2", "sh1-pbx-1", "sh1-pbx-2"}
    assert result.took_over.startswith("sh2-edge-")
    failover, failback = result.failover, result.failback
    assert failover.recovery is not None and failover.recovery < 30, failover
    assert "sh-2" in failover.answered_by  # the carrier took the calls to the twin
    assert failover.in_progress > 0 and failover.kept == 0  # the calls on sh-1 died with it
    assert failback.recovery is not None, failback
    assert "sh-1" in failback.answered_by
    assert result.met
