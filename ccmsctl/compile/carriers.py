"""What to hand each carrier: the ordered list of the estate's addresses its trunk delivers
calls to (`carriers/<trunk>.yaml`).

Site failover between twin data centers rides on the carrier: a carrier's trunk group holds
an ordered destination list (priority, then weight among equals), tries the next entry when
one times out or answers 5xx, and takes a dead entry out of rotation by probing it with
OPTIONS. Each entry is a site's VIP, which VRRP keeps on a healthy edge, or without a VIP
each of the site's edges. Active-standby: the primary site first, its twin second;
active-active: both first, sharing the calls by weight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ccmsctl.compile.header import header
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk

FOLDER = "carriers"


@dataclass(frozen=True)
class Destination:
    site: str
    address: str
    port: int
    transport: str
    priority: int  # 1 is tried first
    weight: int  # the share of calls among destinations of the same priority

    @property
    def uri(self) -> str:
        suffix = "" if self.transport == "udp" else f";transport={self.transport}"
        return f"sip:{self.address}:{self.port}{suffix}"


def _priority(estate: Estate, site: str) -> int:
    pair, _ = estate.twin_of(site)
    return pair.preference_of(site) if pair is not None else 1


def trunk_destinations(estate: Estate, trunk: Trunk) -> tuple[Destination, ...]:
    """Where `trunk`'s carrier sends the calls, in the order it tries them."""
    sites = estate.index(Site)
    port = 5061 if trunk.transport == "tls" else 5060
    found: list[tuple[str, str, int]] = []
    for name in trunk.sites:
        if name not in sites:
            continue
        addresses = [str(address) for address in estate.entry_addresses(name)]
        found += [(name, address, _priority(estate, name)) for address in addresses]
    shares: dict[int, int] = {}
    for _, _, priority in found:
        shares[priority] = shares.get(priority, 0) + 1
    return tuple(
        Destination(site, address, port, trunk.transport, priority, 100 // shares[priority])
        for site, address, priority in sorted(found, key=lambda d: (d[2], d[0], d[1]))
    )


def compile_carriers(estate: Estate) -> dict[str, bytes]:
    """`carriers/<trunk>.yaml` for every trunk: the destination list to give its carrier."""
    files: dict[str, bytes] = {}
    for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
        destinations = trunk_destinations(estate, trunk)
        sources = [f"Trunk/{trunk.name}", *(f"Site/{s}" for s in trunk.sites)]
        sources += [f"TwinPair/{p.name}" for s in trunk.sites if (p := estate.twin_of(s)[0])]
        lines = [
            f"# {header(sources)}",
            "#",
            f"# The destinations the carrier delivers trunk {trunk.name}'s calls to, in order:",
            "# the lowest priority first, shared by weight among equals; the next one when a",
            "# destination times out or answers 5xx; OPTIONS probes take a dead one out.",
            f"trunk: {trunk.name}",
            f"carrier: {json.dumps(trunk.carrier, ensure_ascii=False)}",
            "destinations:",
        ]
        for destination in destinations:
            lines += [
                f"  - uri: {json.dumps(destination.uri)}",
                f"    site: {destination.site}",
                f"    priority: {destination.priority}",
                f"    weight: {destination.weight}",
            ]
        if not destinations:
            lines[-1] = "destinations: []"
        files[f"{FOLDER}/{trunk.name}.yaml"] = ("\n".join(lines) + "\n").encode()
    return files
