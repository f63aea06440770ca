"""keepalived's VRRP, for real: the two edges of the example's site sh-1, each in a network
namespace of its own on the estate's own addresses (10.10.1.11 and .12, on a bridge in a
third namespace: nothing leaves this machine), each running the compiled kamailio.cfg and
keepalived.conf. The VIP (10.10.1.10) sits on the master, moves to the backup when the
master's Kamailio dies, and comes back when it recovers. (A whole edge dying under calls is
the failover drill's: tests/integration/test_drill.py.)

Needs root (namespaces, addresses): without it the test is skipped, and fails where CI
requires the real components.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ccmsctl.compile.monitoring.names import TEXTFILE_DIR, VRRP_MASTER
from ccmsctl.lab.drill import Member, World, plan_drill
from ccmsctl.lab.netns import Network
from ccmsctl.load.estate import load_estate
from ccmsctl.waiting import until
from tests.conftest import EXAMPLE
from tests.integration.realworld import require

VIP = "10.10.1.10"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    if os.geteuid() != 0:
        message = "VRRP in network namespaces needs root"
        pytest.skip(message)
    for program in ("ip", "kamailio", "keepalived"):
        require(program)
    estate = load_estate(EXAMPLE).estate
    plan = plan_drill(estate, "shanghai", tmp_path)
    edges = [m for m in plan.edges if m.site == "sh-1"]
    with Network(f"cv{os.getpid() % 100000}", tmp_path) as network:
        world = World(plan, network)
        for member in edges:
            node = world.nodes[member.name] = network.add(member.name, member.address)
            for path, content in plan.files[member.name].items():
                (node.root / path).parent.mkdir(parents=True, exist_ok=True)
                (node.root / path).write_bytes(content)
            world.edge(member)
        yield world


def _edges(world: World) -> list[Member]:
    return [m for m in world.plan.edges if m.name in world.nodes]


def test_the_vip_follows_a_healthy_kamailio(site: World) -> None:
    master, backup = (site.nodes[m.name] for m in _edges(site))
    assert until(lambda: master.holds(VIP), 20) is not None, "the master never took the VIP"
    assert not backup.holds(VIP)
    master.stop("kamailio")  # the track script fails 3 times, 2 s apart
    moved = until(lambda: backup.holds(VIP) and not master.holds(VIP), 20)
    assert moved is not None and moved < 12, moved
    # keepalived's hook wrote each edge's state for Prometheus (the CcmsFailover alert)
    assert until(lambda: _vrrp_master(backup.root) == 1, 5) is not None
    assert _vrrp_master(master.root) == 0
    site.edge(_edges(site)[0])  # healthy again: the higher priority takes the VIP back
    back = until(lambda: master.holds(VIP) and not backup.holds(VIP), 30)
    assert back is not None, "the VIP did not come back to the recovered master"


def _vrrp_master(root: Path) -> float | None:
    """ccms_vrrp_master as the edge's textfile says (prometheus_client's parser), if any."""
    path = root / TEXTFILE_DIR / "ccms_vrrp.prom"
    if not path.exists():
        return None
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            if sample.name == VRRP_MASTER:
                return sample.value
    return None
