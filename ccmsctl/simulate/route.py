"""The way a call comes in, as the compiled estate sends it: the carrier's destination list
(carriers/<trunk>.yaml), the edge that holds the site's VIP (keepalived's first edge
alive) or the edge addressed, the dispatcher set that edge routes the number to, and the
first PBX or burst node alive in the order Kamailio tries them. Hosts and sites taken
`down` are passed over, as the carrier's and the edges' probes would."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from ccmsctl.compile.carriers import Destination, trunk_destinations
from ccmsctl.compile.pbx.site import PbxCalls, pbx_calls
from ccmsctl.compile.views import DispatcherSet, inbound_set
from ccmsctl.errors import UserError
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where
from ccmsctl.model.site import Host, Site
from ccmsctl.model.trunk import Trunk


class NoRouteError(UserError):
    """The number routes nowhere: no range holds it, or every way in is down. `where`: the
    place in the estate that explains it."""

    code = "E1801"

    def __init__(self, message: str, where: Where | None = None) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Entry:
    """How a call to `numbers` reaches a PBX: through `destination` (the carrier's choice),
    `edge`, the dispatcher `set`, to `pbx` (a host or a burst node) of `site` (the site
    whose PBX configuration it runs) in `country`, running `calls`."""

    numbers: NumberRange
    trunk: Trunk
    destination: Destination
    shared: bool  # the carrier shares calls between this destination and others alike
    edge: Host
    set: DispatcherSet
    pbx: str
    site: str
    country: str
    channels: int
    calls: PbxCalls
    burst: str | None = None  # the pool of a burst node


class Router:
    """Routes calls in one estate with some hosts or sites down; what it compiles for a
    site (its edges' sets, its PBXs' dialplan) it keeps for the next call."""

    def __init__(self, estate: Estate, down: Collection[str] = ()) -> None:
        self.estate = estate
        self.down = frozenset(down)
        self.sites = estate.index(Site)
        self.trunks = estate.index(Trunk)
        self._calls = cache(self._pbx_calls)
        self._set = cache(self._inbound_set)

    def is_down(self, site: str, host: str = "") -> bool:
        return site in self.down or host in self.down

    def entry(self, numbers: NumberRange) -> Entry:
        trunk = self.trunks.get(numbers.trunk)
        if trunk is None:
            raise NoRouteError(f"trunk {numbers.trunk} is not in the estate", _trunk(numbers))
        destinations = trunk_destinations(self.estate, trunk)
        for destination in destinations:
            edge = self._edge(destination)
            if edge is None:
                continue
            dispatcher = self._set(destination.site, numbers.name)
            if dispatcher is None:
                continue
            for target in dispatcher.tried():
                entry = self._pbx(numbers, trunk, destination, edge, dispatcher, target.name)
                if entry is not None:
                    shared = sum(d.priority == destination.priority for d in destinations) > 1
                    return Entry(**{**entry.__dict__, "shared": shared})
        raise NoRouteError(
            f"no way in for {numbers.name}: trunk {trunk.name} reaches "
            + (", ".join(trunk.sites) or "no site")
            + (f"; out of service: {', '.join(sorted(self.down))}" if self.down else ""),
            ("Trunk", trunk.name, ("sites",)),
        )

    def _edge(self, destination: Destination) -> Host | None:
        """The edge that answers at `destination`: the VIP's holder (keepalived's first edge
        alive), or the edge with that address."""
        if self.is_down(destination.site):
            return None
        edges = self.estate.edges(destination.site)
        if self.estate.vip_of(destination.site) is None:
            edges = tuple(e for e in edges if str(e.address) == destination.address)
        return next((edge for edge in edges if edge.name not in self.down), None)

    def _inbound_set(self, site: str, numbers: str) -> DispatcherSet | None:
        ranges = self.estate.index(NumberRange)
        return inbound_set(self.estate, self.sites[site], ranges[numbers])

    def _pbx(
        self,
        numbers: NumberRange,
        trunk: Trunk,
        destination: Destination,
        edge: Host,
        dispatcher: DispatcherSet,
        target: str,
    ) -> Entry | None:
        for site in self.sites.values():
            host = next((h for h in site.hosts_with("pbx") if h.name == target), None)
            if host is not None:
                if self.is_down(site.name, host.name):
                    return None
                calls = self._calls(site.name, None)
                return Entry(
                    numbers, trunk, destination, False, edge, dispatcher, target,
                    site.name, site.country, host.channels, calls,
                )  # fmt: skip
        for pool in self.estate.of(BurstPool):
            node = next((n for n in pool.burst_nodes() if n.name == target), None)
            if node is not None and not self.is_down(pool.name, node.name):
                calls = self._calls(pool.serves[0], pool.name)
                return Entry(
                    numbers, trunk, destination, False, edge, dispatcher, target,
                    pool.serves[0], pool.country, pool.node_channels, calls, pool.name,
                )  # fmt: skip
        return None

    def _pbx_calls(self, site: str, pool: str | None) -> PbxCalls:
        burst = self.estate.index(BurstPool).get(pool) if pool else None
        return pbx_calls(self.estate, self.sites[site], burst)


def _trunk(numbers: NumberRange) -> Where:
    return ("NumberRange", numbers.name, ("trunk",))
