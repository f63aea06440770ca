"""What a switch or router of a site must do for voice, decided once for every platform:
the voice VLAN and its ports, and who may send SIP and RTP (carrier peers of the site's
trunks, the site's own hosts, and its twin's)."""

from __future__ import annotations

from dataclasses import dataclass

from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk

SIP_PORTS = (5060, 5061)
RTP_PORTS = (10000, 20000)


@dataclass(frozen=True)
class Source:
    """An address allowed to send SIP and RTP, and why."""

    address: str
    prefix: int
    why: str


@dataclass(frozen=True)
class NetworkView:
    device: str
    platform: str
    site: str
    vlan_id: int
    vlan_name: str
    access_ports: tuple[str, ...]
    uplinks: tuple[str, ...]
    sources: tuple[Source, ...]
    sip_ports: tuple[int, int] = SIP_PORTS
    rtp_ports: tuple[int, int] = RTP_PORTS


def network_view(estate: Estate, device: NetworkDevice) -> NetworkView:
    sites = estate.index(Site)
    _, twin = estate.twin_of(device.site)
    found: dict[str, Source] = {}
    for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
        if device.site in trunk.sites:
            for peer in trunk.peers:
                found.setdefault(
                    str(peer.address),
                    Source(
                        str(peer.address),
                        32,
                        f"carrier {trunk.name}",
                    ),
                )
    for name, why in ((device.site, "site"), (twin, "twin site")):
        site = sites.get(name or "")
        for host in sorted(site.hosts, key=lambda h: h.name) if site else []:
            if {"edge", "pbx"} & set(host.roles):
                found.setdefault(
                    str(host.address),
                    Source(
                        str(host.address),
                        32,
                        f"{why} {site.name} {host.name}" if site else why,
                    ),
                )
    return NetworkView(
        device=device.name,
        platform=device.platform,
        site=device.site,
        vlan_id=device.voice_vlan.id,
        vlan_name=device.voice_vlan.name,
        access_ports=device.access_ports,
        uplinks=device.uplinks,
        sources=tuple(
            sorted(found.values(), key=lambda s: (s.why.split()[0] != "carrier", s.address))
        ),
    )
