"""Decided, sorted, plain data for templates: what each edge routes, admits and probes.

All the choices live here (set ids, priorities, which DIDs an edge carries); templates only
print these values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address

from ccmsctl.compile.monitoring.names import EDGE_METRICS_PORT
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbering import NUMBERING
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.site import Host, Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

OWNER_PRIORITY = 20
TWIN_PRIORITY = 10
BURST_PRIORITY = 5  # burst nodes take what the site and its twin cannot
INBOUND_SET_BASE = 10  # set id of the i-th site's PBXs: 10 + i
OUTBOUND_SET_BASE = 500  # set id of the i-th site's carriers: 500 + i


@dataclass(frozen=True)
class Target:
    name: str
    uri: str
    priority: int


@dataclass(frozen=True)
class DispatcherSet:
    id: int
    name: str
    targets: tuple[Target, ...]

    def tried(self) -> tuple[Target, ...]:
        """The targets in the order the edge tries them (algorithm 8, then ds_next_dst on
        failure): the highest priority first and, among equals, the one listed last first, as
        Kamailio keeps a set (each entry after its equals, then the list reversed)."""
        listed = sorted(enumerate(self.targets), key=lambda at: (-at[1].priority, -at[0]))
        return tuple(target for _, target in listed)


SCRAPERS = 3  # the ACL group of the Prometheus servers that may read an edge's /metrics


@dataclass(frozen=True)
class AclEntry:
    group: int
    address: str
    mask: int
    tag: str


@dataclass(frozen=True, order=True)
class DidBlock:
    """DIDs first..last (E.164 digits without '+', all of one length) and their set."""

    first: int
    last: int
    set: int

    def count(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class EdgeView:
    host: str
    site: str
    domain: str
    config_dir: str
    control: str
    listen: tuple[str, ...]
    tls: bool
    vip: str  # the site's VIP, which the edge holding it answers on ("" without one)
    fr_timer_ms: int
    pbx_timer_ms: int  # how long a PBX may stay silent to a call before the next is tried
    ping_interval: int
    probing_threshold: int
    did_table_bits: int
    shm_mb: int
    outbound_set: int | None
    sets: tuple[DispatcherSet, ...]
    acl: tuple[AclEntry, ...]
    dids: tuple[DidBlock, ...]
    sources: tuple[str, ...]
    trunks: tuple[str, ...] = ()  # the trunks reaching the site, by name
    # what kamailio.cfg is made from: the sources less the trunks and numbers, which reach it
    # in its data files (a TLS trunk excepted: it makes the TLS listener; and a trunk whose
    # numbers are national: kamailio.cfg reads them)
    config_sources: tuple[str, ...] = ()
    metrics: str = ""  # the socket /metrics is served on (the host's own address)
    # the addresses of the site's edges that share its VIP (none without a VIP)
    pair_edges: tuple[str, ...] = ()
    address: str = ""  # the host's own address
    dmq_peers: tuple[str, ...] = ()  # the other edges it shares its dialogs with (DMQ)
    # the trunks whose carriers write called numbers nationally: (trunk, its country's
    # trunk prefix, calling code)
    national: tuple[tuple[str, str, str], ...] = ()
    metrics_port: int = EDGE_METRICS_PORT

    @property
    def dialogs(self) -> str:
        """Where the edge's dialogs are kept: the VIP whose edges share them, or its own
        address (the trunk_calls gauge's `dialogs` label)."""
        return self.vip if self.dmq_peers else self.address

    @property
    def metrics_acl(self) -> bool:
        """/metrics only to the ACL's group 3: the Alerting documents list scrapers."""
        return any(entry.group == SCRAPERS for entry in self.acl)


def sip_uri(address: IPv4Address, port: int = 5060, transport: str = "udp") -> str:
    """The model holds IPv4 addresses only (IPv6 is refused where it is written)."""
    host = str(address)
    suffix = "" if transport == "udp" else f";transport={transport}"
    return f"sip:{host}:{port}{suffix}"


def _mask(address: IPv4Address) -> int:
    return address.max_prefixlen


def twin_of(estate: Estate, site: str) -> tuple[TwinPair | None, str | None]:
    """The twin pair `site` belongs to, and the other site of it."""
    return estate.twin_of(site)


def _pbx_targets(site: Site, priority: int) -> list[Target]:
    return [
        Target(host.name, sip_uri(host.address), priority)
        for host in sorted(site.hosts_with("pbx"), key=lambda h: h.name)
    ]


def site_trunks(estate: Estate, site: Site) -> list[Trunk]:
    """The trunks that reach `site`'s edges, by name."""
    return sorted(
        (trunk for trunk in estate.of(Trunk) if site.name in trunk.sites), key=lambda t: t.name
    )


def takes_tls(estate: Estate, site: Site) -> bool:
    """Whether the site's edges listen for TLS: a trunk of the site uses it."""
    return any(trunk.transport == "tls" for trunk in site_trunks(estate, site))


def _site_order(estate: Estate) -> dict[str, int]:
    """Each site's place by name: its dispatcher sets are numbered by it."""
    return {name: index for index, name in enumerate(sorted(estate.index(Site)))}


def _dispatcher_sets(
    estate: Estate, site: Site, trunks: list[Trunk], ranges: list[NumberRange]
) -> tuple[list[DispatcherSet], int | None]:
    """The edge's dispatcher sets: per site owning numbers it carries, that site's PBXs,
    then its twin's, then burst nodes; and its carriers' peers (the outbound set's id, or
    None without carriers)."""
    sites, order = estate.index(Site), _site_order(estate)
    sets: list[DispatcherSet] = []
    for owner in sorted({numbers.site for numbers in ranges if numbers.site in sites}):
        _, owner_twin = estate.twin_of(owner)
        targets = _pbx_targets(sites[owner], OWNER_PRIORITY)
        if owner_twin is not None and owner_twin in sites:
            targets += _pbx_targets(sites[owner_twin], TWIN_PRIORITY)
        burst = estate.burst_nodes(serving=owner)
        targets += [Target(n.name, sip_uri(n.address), BURST_PRIORITY) for n in burst]
        name = f"PBXs of {owner}" + (f", then {owner_twin}" if owner_twin in sites else "")
        name += ", then burst nodes" if burst else ""
        sets.append(DispatcherSet(INBOUND_SET_BASE + order[owner], name, tuple(targets)))
    carrier_targets = tuple(
        Target(f"{trunk.name}-{index}", sip_uri(peer.address, peer.port, trunk.transport), 10)
        for trunk in trunks
        for index, peer in enumerate(trunk.peers, start=1)
    )
    outbound = OUTBOUND_SET_BASE + order[site.name] if carrier_targets else None
    if outbound is not None:
        sets.append(DispatcherSet(outbound, f"carriers of {site.name}", carrier_targets))
    return sets, outbound


def inbound_set(estate: Estate, site: Site, numbers: NumberRange) -> DispatcherSet | None:
    """The dispatcher set an edge of `site` sends calls to `numbers` to; None when its edges
    do not carry them (their trunk does not reach the site)."""
    trunks = site_trunks(estate, site)
    if numbers.trunk not in {trunk.name for trunk in trunks}:
        return None
    sets, _ = _dispatcher_sets(estate, site, trunks, [numbers])
    wanted = INBOUND_SET_BASE + _site_order(estate).get(numbers.site, -INBOUND_SET_BASE - 1)
    return next((found for found in sets if found.id == wanted), None)


def _did_blocks(estate: Estate, ranges: list[NumberRange]) -> list[DidBlock]:
    """The DIDs the edge routes, in blocks, each to its owner site's inbound set."""
    set_of_site = {owner: INBOUND_SET_BASE + n for owner, n in _site_order(estate).items()}
    return sorted(
        DidBlock(first, last, set_of_site[numbers.site])
        for numbers in ranges
        if numbers.site in set_of_site
        for first, last in numbers.spans()
    )


def _acl(estate: Estate, site: Site, trunks: list[Trunk]) -> list[AclEntry]:
    """Whom the edge admits: its carriers' peers (group 1), the PBXs and burst nodes of
    the site and its twin (group 2), the estate's Prometheus scrapers (SCRAPERS)."""
    sites = estate.index(Site)
    _, twin = estate.twin_of(site.name)
    pbx_sites = [site] + ([sites[twin]] if twin is not None and twin in sites else [])
    scrapers = {network for alerting in estate.of(Alerting) for network in alerting.scrapers}
    return sorted(
        {
            *(
                AclEntry(1, str(peer.address), _mask(peer.address), trunk.name)
                for trunk in trunks
                for peer in trunk.peers
            ),
            *(
                AclEntry(2, str(pbx.address), _mask(pbx.address), pbx.name)
                for pbx_site in pbx_sites
                for pbx in pbx_site.hosts_with("pbx")
            ),
            *(
                AclEntry(2, str(node.address), _mask(node.address), node.name)
                for pbx_site in pbx_sites
                for node in estate.burst_nodes(serving=pbx_site.name)
            ),
            *(
                AclEntry(SCRAPERS, str(network.network_address), network.prefixlen, "prometheus")
                for network in scrapers
            ),
        },
        key=lambda entry: (entry.group, entry.tag, entry.address),
    )


def _edge_sources(
    estate: Estate, site: Site, trunks: list[Trunk], ranges: list[NumberRange]
) -> set[str]:
    """The documents the edge's files are made from."""
    pair, twin = estate.twin_of(site.name)
    return {
        f"Site/{site.name}",
        *(f"Alerting/{alerting.name}" for alerting in estate.of(Alerting) if alerting.scrapers),
        *(f"Trunk/{trunk.name}" for trunk in trunks),
        *(f"NumberRange/{numbers.name}" for numbers in ranges),
        *([f"TwinPair/{pair.name}", f"Site/{twin}"] if pair and twin else []),
        *(
            f"BurstPool/{node.pool}"
            for owner in {numbers.site for numbers in ranges} | {site.name}
            for node in estate.burst_nodes(serving=owner)
        ),
    }


def edge_site_view(estate: Estate, site: Site) -> EdgeView:
    """What every edge of `site` needs to know; `for_host` adds what is the host's own."""
    pair, _ = estate.twin_of(site.name)
    trunks = site_trunks(estate, site)
    carried = {trunk.name for trunk in trunks}
    ranges = list(estate.where(NumberRange, "trunk", carried))
    sets, outbound = _dispatcher_sets(estate, site, trunks, ranges)
    dids = _did_blocks(estate, ranges)
    did_count = sum(block.count() for block in dids)
    check = pair.health_check if pair else None
    sources = _edge_sources(estate, site, trunks, ranges)
    infos = estate.of(EstateInfo)
    return EdgeView(
        host="",
        site=site.name,
        domain=infos[0].sip_domain if infos else f"{site.name}.invalid",
        config_dir="",
        control="",
        listen=(),
        tls=any(trunk.transport == "tls" for trunk in trunks),
        vip=str(vip) if (vip := estate.vip_of(site.name)) else "",
        pair_edges=tuple(sorted(str(h.address) for h in site.hosts_with("edge"))) if vip else (),
        fr_timer_ms=max(2000, int(check.timeout.total_seconds() * 1000)) if check else 2000,
        # a PBX answers a call with 100 Trying at once: one silent for the pair's health
        # check timeout is taken as dead, as keepalived takes an edge
        pbx_timer_ms=int(check.timeout.total_seconds() * 1000) if check else 2000,
        ping_interval=max(1, int(check.interval.total_seconds())) if check else 10,
        probing_threshold=check.failures if check else 3,
        did_table_bits=_table_bits(did_count),
        shm_mb=_shared_memory_mb(did_count),
        outbound_set=outbound,
        sets=tuple(sorted(sets, key=lambda s: s.id)),
        acl=tuple(_acl(estate, site, trunks)),
        dids=tuple(dids),
        sources=tuple(sorted(sources)),
        trunks=tuple(trunk.name for trunk in trunks),
        national=tuple(
            (trunk.name, NUMBERING[country].trunk_prefix, NUMBERING[country].calling_code)
            for trunk in trunks
            if (country := trunk.national_numbers)
        ),
        config_sources=tuple(
            sorted(
                {s for s in sources if not s.startswith(("Trunk/", "NumberRange/"))}
                | {
                    f"Trunk/{trunk.name}"
                    for trunk in trunks
                    if trunk.transport == "tls" or trunk.national_numbers
                }
            )
        ),
    )


def control_socket(root: str) -> str:
    """The control socket of the Kamailio installed under `root` (its ctl module's): the
    roles and the lab's script reload it there."""
    return f"unix:{root}/run/kamailio/kamailio_ctl"


def for_host(view: EdgeView, host: Host, *, root: str = "") -> EdgeView:
    """The site's edge view, for `host` installed under `root`. The edge listens on its own
    address (listed first: its probes leave from it) and on the site's VIP, whether it holds
    the VIP or not, so that it answers the moment VRRP hands the VIP over; it shares its
    dialogs with the other edges of the VIP (DMQ), so that the one taking the VIP over
    knows the calls up."""
    addresses = [str(host.address), *([view.vip] if view.vip else [])]
    listen = [f"{proto}:{address}:5060" for address in addresses for proto in ("udp", "tcp")]
    if view.tls:
        listen += [f"tls:{address}:5061" for address in addresses]
    return replace(
        view,
        host=host.name,
        config_dir=f"{root}/etc/kamailio",
        control=control_socket(root),
        listen=tuple(listen),
        metrics=f"tcp:{host.address}:{EDGE_METRICS_PORT}",
        address=str(host.address),
        dmq_peers=tuple(a for a in view.pair_edges if a != str(host.address)),
    )


def _shared_memory_mb(dids: int) -> int:
    """Kamailio's shared memory: 128 MB, plus about 1.5 KB per DID (the db_text copy and the
    hash table cells both live there), in steps of 32 MB."""
    needed = 128 + dids * 1536 // 2**20
    return -(-needed // 32) * 32


def _table_bits(entries: int) -> int:
    """htable size as a power of two: about one entry per bucket, 2^4 to 2^20 buckets."""
    return min(20, max(4, entries.bit_length()))
