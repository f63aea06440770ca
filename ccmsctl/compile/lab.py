"""The lab's view of an estate: every address moved onto loopback (127.0.0.0/8).

The lab runs a whole estate on one machine: each host keeps its name and roles but gets a
loopback address, and so do carrier peers, VIPs, gateways and network devices. The mapping
is deterministic (sorted names), so a lab compile is as reproducible as a real one.

    hosts of the i-th site       127.0.<i+1>.<j+1>
    VIP of the i-th site         127.0.<i+1>.250
    peers of the t-th trunk      127.1.<t+1>.<p+1>
    the g-th gateway             127.2.<g+1>.1
    the d-th network device      127.3.<d+1>.1, SSH on port 2022 (the lab's fake devices)
"""

from __future__ import annotations

from ipaddress import IPv4Address

from ccmsctl.model.base import Document
from ccmsctl.model.gateway import Gateway
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

LAB_SSH_PORT = 2022


def _loopback(a: int, b: int, c: int) -> IPv4Address:
    if not (0 <= a <= 255 and 0 <= b <= 255 and 0 <= c <= 255):
        raise ValueError("the lab holds at most 255 sites, trunks, devices or hosts per site")
    return IPv4Address(f"127.{a}.{b}.{c}")


def lab_estate(estate: Estate) -> Estate:
    """`estate` with every address on loopback."""
    sites = {site.name: i for i, site in enumerate(sorted(estate.of(Site), key=_name))}
    replaced: dict[str, tuple[Document, ...]] = dict(estate.documents)
    replaced["Site"] = tuple(
        site.model_copy(
            update={
                "hosts": tuple(
                    host.model_copy(update={"address": _loopback(0, sites[site.name] + 1, j + 1)})
                    for j, host in enumerate(site.hosts)
                )
            }
        )
        for site in estate.of(Site)
    )
    replaced["TwinPair"] = tuple(
        pair.model_copy(
            update={
                "vips": tuple(
                    vip.model_copy(
                        update={"address": _loopback(0, sites.get(vip.site, 254) + 1, 250)}
                    )
                    for vip in pair.vips
                )
            }
        )
        for pair in estate.of(TwinPair)
    )
    trunks = {trunk.name: t for t, trunk in enumerate(sorted(estate.of(Trunk), key=_name))}
    replaced["Trunk"] = tuple(
        trunk.model_copy(
            update={
                "peers": tuple(
                    peer.model_copy(update={"address": _loopback(1, trunks[trunk.name] + 1, p + 1)})
                    for p, peer in enumerate(trunk.peers)
                )
            }
        )
        for trunk in estate.of(Trunk)
    )
    gateways = {g.name: i for i, g in enumerate(sorted(estate.of(Gateway), key=_name))}
    replaced["Gateway"] = tuple(
        g.model_copy(update={"address": _loopback(2, gateways[g.name] + 1, 1)})
        for g in estate.of(Gateway)
    )
    devices = {d.name: i for i, d in enumerate(sorted(estate.of(NetworkDevice), key=_name))}
    replaced["NetworkDevice"] = tuple(
        d.model_copy(
            update={"management": _loopback(3, devices[d.name] + 1, 1), "port": LAB_SSH_PORT}
        )
        for d in estate.of(NetworkDevice)
    )
    return Estate(documents=replaced, broken=estate.broken)


def _name(doc: Document) -> str:
    return doc.name
