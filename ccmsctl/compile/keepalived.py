"""keepalived on edge hosts: one VRRP instance per site, holding the site's VIP from its twin
pair, tracking Kamailio."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from ccmsctl.compile.header import header
from ccmsctl.compile.monitoring import names
from ccmsctl.compile.monitoring.names import TEXTFILE_DIR
from ccmsctl.compile.render import Renderer
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Host, Site

MASTER_PRIORITY = 150
# keepalived's state change hook: the VRRP state for node_exporter's textfile collector
NOTIFY = "usr/local/lib/ccmsctl/vrrp-state"


@dataclass(frozen=True)
class VrrpView:
    host: str
    site: str
    instance: str
    state: str
    interface: str
    router_id: int
    priority: int
    address: str
    peers: tuple[str, ...]
    vip: str
    check: str
    notify: str  # keepalived runs it on each state change (through /bin/sh)
    interval: int
    timeout: int
    fall: int


def router_id(site: str) -> int:
    """The site's VRRP router id (1-255), from its name alone: adding or renaming another
    site never renumbers it (edges of one pair with different ids both become MASTER while a
    rollout is half done). The edges of a site talk unicast to each other only, so two sites
    sharing an id do not meet."""
    return 1 + zlib.crc32(site.encode()) % 255


def compile_keepalived(
    estate: Estate, site: Site, host: Host, renderer: Renderer, *, root: str = ""
) -> dict[str, bytes]:
    """keepalived.conf for the edge `host`, if its site has a VIP; else nothing."""
    pair, _ = estate.twin_of(site.name)
    vip = estate.vip_of(site.name)
    if pair is None or vip is None:
        return {}
    edges = estate.edges(site.name)
    rank = [edge.name for edge in edges].index(host.name)
    view = VrrpView(
        host=host.name,
        site=site.name,
        instance=f"edge_{site.name.replace('-', '_').replace('.', '_')}",
        state="MASTER" if rank == 0 else "BACKUP",
        interface=host.interface,
        router_id=router_id(site.name),
        priority=MASTER_PRIORITY - 10 * rank,
        address=str(host.address),
        peers=tuple(str(edge.address) for edge in edges if edge.name != host.name),
        vip=f"{vip}/32",
        check=f"/usr/bin/pgrep -f {root}/etc/kamailio/kamailio.cfg",
        notify=f"{root}/{NOTIFY}",
        interval=max(1, int(pair.health_check.interval.total_seconds())),
        timeout=max(1, int(pair.health_check.timeout.total_seconds())),
        fall=pair.health_check.failures,
    )
    sources = [f"Site/{site.name}", f"TwinPair/{pair.name}"]
    context = {"vrrp": view, "header": header(sources)}
    return {
        "etc/keepalived/keepalived.conf": renderer.render("keepalived/keepalived.conf.j2", context),
        NOTIFY: renderer.render(
            "keepalived/vrrp-state.sh.j2",
            context | {"textfile": f"{root}/{TEXTFILE_DIR}", "names": names},
        ),
    }
