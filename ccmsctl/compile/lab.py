"""The lab's view of an estate: every address moved onto loopback (127.0.0.0/8).

The lab runs a whole estate on one machine: each host keeps its name and roles but gets a
loopback address, and so do carrier peers, VIPs, gateways and network devices. `lab up`
hands the addresses out once and the lab keeps them (`lab.json`); a later `lab up` of a
grown estate gives the new hosts, sites, trunks and devices free addresses and never moves
one that was handed out, so the lab's processes and the health gate keep their addresses.

    hosts of a site              127.0.<site>.<1..249>
    VIP of a site                127.0.<site>.250
    peers of a trunk             127.1.<trunk>.<1..>
    a gateway                    127.2.<n>.1
    a network device             127.3.<n>.1, SSH on port 2022 (the lab's fake devices)
    a burst pool's subnet        127.4.<n>.0/24 (its nodes from 127.4.<n>.1)
    Prometheus's scrapers        127.0.0.1 (the source of every connection within the lab)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

from ccmsctl.artifacts import LabAddresses
from ccmsctl.errors import UserError
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.base import Document
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.gateway import Gateway
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

LAB_SSH_PORT = 2022
# Where the lab's scrapes come from: a connection to a loopback address leaves from
# 127.0.0.1, whichever address its program listens on (the lab's Prometheus: 127.5.0.1)
LAB_SCRAPER = IPv4Network("127.0.0.1/32")
_VIP = 250


class LabAddressError(UserError):
    """The lab has no address for part of the estate, or no address is left."""

    code = "E1105"


def _octets(address: str) -> tuple[int, int, int]:
    parts = address.split(".")
    return int(parts[1]), int(parts[2]), int(parts[3])


def _free(used: Iterable[int], first: int = 1, last: int = 254) -> int:
    taken = set(used)
    for candidate in range(first, last + 1):
        if candidate not in taken:
            return candidate
    raise LabAddressError("the lab holds at most 254 sites, trunks, gateways or devices")


def lab_addresses(estate: Estate, kept: LabAddresses | None = None) -> LabAddresses:
    """Addresses for everything in `estate`: those in `kept` stay as they are, the rest get
        free ones (sites, trunks, gateways and devices in name order, a site's hosts in the order
    it lists them: the same estate gets the same addresses)."""
    kept = kept or LabAddresses()
    sites = sorted(estate.of(Site), key=_name)
    hosts, vips = dict(kept.hosts), dict(kept.vips)
    site_octet: dict[str, int] = {
        site: _octets(vip)[1] for site, vip in vips.items() if vip.startswith("127.0.")
    }
    for site in sites:
        for host in site.hosts:
            if host.name in hosts and site.name not in site_octet:
                site_octet[site.name] = _octets(hosts[host.name])[1]
    for site in sites:
        if site.name not in site_octet:
            site_octet[site.name] = _free(site_octet.values())
        octet = site_octet[site.name]
        vips.setdefault(site.name, f"127.0.{octet}.{_VIP}")
        for host in site.hosts:
            if host.name not in hosts:
                used = (_octets(a)[2] for a in hosts.values() if _octets(a)[:2] == (0, octet))
                hosts[host.name] = f"127.0.{octet}.{_free(used, last=_VIP - 1)}"
    peers = dict(kept.peers)
    for trunk in sorted(estate.of(Trunk), key=_name):
        have = peers.get(trunk.name, ())
        if len(have) >= len(trunk.peers):
            continue
        octet = _octets(have[0])[1] if have else _free(_octets(p[0])[1] for p in peers.values())
        more = [f"127.1.{octet}.{index + 1}" for index in range(len(have), len(trunk.peers))]
        peers[trunk.name] = (*have, *more)
    gateways = _one_each(kept.gateways, estate.of(Gateway), 2)
    devices = _one_each(kept.devices, estate.of(NetworkDevice), 3)
    pools = dict(kept.pools)
    for pool in sorted(estate.of(BurstPool), key=_name):
        if pool.name not in pools:
            taken = (_octets(subnet.split("/")[0])[1] for subnet in pools.values())
            pools[pool.name] = f"127.4.{_free(taken)}.0/24"
    return LabAddresses(hosts, vips, peers, gateways, devices, pools)


def _one_each(kept: Mapping[str, str], docs: Iterable[Document], second: int) -> dict[str, str]:
    found = dict(kept)
    for doc in sorted(docs, key=_name):
        if doc.name not in found:
            found[doc.name] = f"127.{second}.{_free(_octets(a)[1] for a in found.values())}.1"
    return found


def missing(estate: Estate, addresses: LabAddresses) -> list[str]:
    """What of `estate` the lab has no address for."""
    found = [
        f"host {host.name}"
        for site in estate.of(Site)
        for host in site.hosts
        if host.name not in addresses.hosts
    ]
    found += [
        f"the VIP of site {vip.site}"
        for pair in estate.of(TwinPair)
        for vip in pair.vips
        if vip.site not in addresses.vips
    ]
    found += [
        f"trunk {trunk.name}"
        for trunk in estate.of(Trunk)
        if len(addresses.peers.get(trunk.name, ())) < len(trunk.peers)
    ]
    found += [f"gateway {g.name}" for g in estate.of(Gateway) if g.name not in addresses.gateways]
    found += [
        f"network device {d.name}"
        for d in estate.of(NetworkDevice)
        if d.name not in addresses.devices
    ]
    found += [f"burst pool {p.name}" for p in estate.of(BurstPool) if p.name not in addresses.pools]
    return sorted(found)


def relocated(estate: Estate, addresses: LabAddresses) -> Estate:
    """`estate` with every address replaced by the lab's; LabAddressError names what the lab
    has no address for."""
    absent = missing(estate, addresses)
    if absent:
        raise LabAddressError(
            f"the lab has no address for {', '.join(absent)}: run ccmsctl lab up again "
            "(it keeps every address it gave before)"
        )
    replaced: dict[str, tuple[Document, ...]] = dict(estate.documents)
    replaced["Site"] = tuple(
        site.model_copy(
            update={
                "hosts": tuple(
                    host.model_copy(update={"address": IPv4Address(addresses.hosts[host.name])})
                    for host in site.hosts
                )
            }
        )
        for site in estate.of(Site)
    )
    replaced["TwinPair"] = tuple(
        pair.model_copy(
            update={
                "vips": tuple(
                    vip.model_copy(update={"address": IPv4Address(addresses.vips[vip.site])})
                    for vip in pair.vips
                )
            }
        )
        for pair in estate.of(TwinPair)
    )
    replaced["Trunk"] = tuple(
        trunk.model_copy(
            update={
                "peers": tuple(
                    peer.model_copy(
                        update={"address": IPv4Address(addresses.peers[trunk.name][index])}
                    )
                    for index, peer in enumerate(trunk.peers)
                )
            }
        )
        for trunk in estate.of(Trunk)
    )
    replaced["Gateway"] = tuple(
        g.model_copy(update={"address": IPv4Address(addresses.gateways[g.name])})
        for g in estate.of(Gateway)
    )
    replaced["NetworkDevice"] = tuple(
        d.model_copy(
            update={"management": IPv4Address(addresses.devices[d.name]), "port": LAB_SSH_PORT}
        )
        for d in estate.of(NetworkDevice)
    )
    replaced["BurstPool"] = tuple(
        p.model_copy(update={"subnet": IPv4Network(addresses.pools[p.name])})
        for p in estate.of(BurstPool)
    )
    replaced["Alerting"] = tuple(
        a.model_copy(update={"scrapers": (LAB_SCRAPER,) if a.scrapers else ()})
        for a in estate.of(Alerting)
    )
    return replace(estate, documents=replaced)


def lab_estate(estate: Estate) -> Estate:
    """`estate` on the addresses a new lab would give it (for tests and benchmarks that
    compile a lab view without a lab)."""
    return relocated(estate, lab_addresses(estate))


def _name(doc: Document) -> str:
    return doc.name
