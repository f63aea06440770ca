"""Compile a whole estate: every host's files by role, and the estate-wide ones.

Pure and deterministic: the same estate gives the same bytes, in sorted order, with no
timestamps and no absolute build paths (`root` is the installed root, "" in production).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ccmsctl.artifacts import INVENTORY, PRODUCTION, Artifacts, DeviceIntent, Placement, SecretFile
from ccmsctl.compile.carriers import compile_carriers
from ccmsctl.compile.edge import compile_edge, compile_edge_site, edge_secrets
from ccmsctl.compile.fanout import fan_out
from ccmsctl.compile.inventory import burst_host, compile_inventory, host_vars
from ccmsctl.compile.keepalived import compile_keepalived
from ccmsctl.compile.lab import relocated
from ccmsctl.compile.memo import SiteFiles, SiteMemo
from ccmsctl.compile.monitoring.prometheus import compile_monitoring
from ccmsctl.compile.network.device import compile_network_device
from ccmsctl.compile.pbx.site import PbxSite, compile_pbx, compile_pbx_site
from ccmsctl.compile.render import Renderer, within
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Host, Site


def placed(estate: Estate, placement: Placement) -> Estate:
    """`estate` on the addresses `placement` moves it to (the lab's), else as it is: what
    compile compiles, and what a report on the target checks its files against."""
    return estate if placement.addresses is None else relocated(estate, placement.addresses)


def compile_estate(
    estate: Estate,
    *,
    renderer: Renderer | None = None,
    placement: Placement = PRODUCTION,
    workers: int = 1,
    memo: SiteMemo | None = None,
) -> Artifacts:
    """All artifacts of `estate` as `placement` puts it (the lab: on its addresses, under
    its folders, its services run by scripts). With `workers` > 1 the sites are compiled in
    parallel; with `memo`, a site whose compile would read the same as before is taken from
    it; the bytes are the same."""
    renderer = renderer or Renderer()
    estate = placed(estate, placement)
    roots = placement.roots
    sites = sorted(estate.of(Site), key=lambda s: s.name)
    if memo is not None:
        memo.prepare(renderer.digest())

    def compile_sites(share: Sequence[Site]) -> list[tuple[SiteFiles, int]]:
        return [_remembered_site(estate, site, renderer, roots, memo) for site in share]

    hosts: dict[str, dict[str, bytes]] = {}
    secrets: dict[str, dict[str, SecretFile]] = {}
    for part in fan_out(compile_sites, sites, workers):
        for site_files, hit in part:
            hosts |= site_files.hosts
            secrets |= site_files.secrets
            if memo is not None:  # counted here: the sites may have been compiled elsewhere
                memo.hits += hit
                memo.misses += 1 - hit
    for name, (files, secret_files) in _compile_burst(estate, renderer, roots).items():
        hosts[name] = files
        if secret_files:
            secrets[name] = secret_files
    network = sorted(estate.of(NetworkDevice), key=lambda d: d.name)
    devices = {}
    for device in network:
        with within(f"NetworkDevice/{device.name}"):
            devices[device.name] = compile_network_device(estate, device, renderer)
    every = {
        host.name: host_vars(estate, site, host, placement)
        for site in sites
        for host in sorted(site.hosts, key=lambda h: h.name)
    }
    every |= {
        host.name: host_vars(estate, site, host, placement, burst=pool)
        for pool, site, host in burst_hosts(estate)
    }
    with within("the estate's inventory, carriers and monitoring"):
        estate_files = {
            INVENTORY: compile_inventory(estate, renderer, every, placement),
            **compile_carriers(estate),
            **compile_monitoring(estate, [(s.name, h) for _, s, h in burst_hosts(estate)]),
        }
    return Artifacts(
        hosts,
        estate_files,
        devices,
        host_vars=every,
        device_intents={device.name: device_intent(estate, device) for device in network},
        secrets=secrets,
    )


def burst_hosts(estate: Estate) -> list[tuple[BurstPool, Site, Host]]:
    """Each running burst node as a PBX host, with its pool and the first site it serves."""
    sites = estate.index(Site)
    return [
        (pool, sites[pool.serves[0]], burst_host(pool, node))
        for pool in sorted(estate.of(BurstPool), key=lambda p: p.name)
        if pool.serves[0] in sites
        for node in pool.burst_nodes()
    ]


def _compile_burst(
    estate: Estate, renderer: Renderer, roots: Mapping[str, str]
) -> dict[str, tuple[dict[str, bytes], dict[str, SecretFile]]]:
    """The files of every running burst node: a PBX of the sites its pool serves."""
    found: dict[str, tuple[dict[str, bytes], dict[str, SecretFile]]] = {}
    shared: dict[str, PbxSite] = {}
    for pool, site, host in burst_hosts(estate):
        with within(f"burst node {host.name} of BurstPool/{pool.name}"):
            if pool.name not in shared:
                placed = [(roots.get(node.name, ""), host.channels) for node in pool.burst_nodes()]
                shared[pool.name] = compile_pbx_site(estate, site, renderer, placed, burst=pool)
            pbx = shared[pool.name]
            found[host.name] = (
                compile_pbx(pbx, host, renderer, root=roots.get(host.name, "")),
                pbx.secrets,
            )
    return found


def device_intent(estate: Estate, device: NetworkDevice) -> DeviceIntent:
    return DeviceIntent(
        site=device.site,
        platform=device.platform,
        address=str(device.management),
        port=device.port,
        username=device.credentials.username,
        password=device.credentials.password.secret,
        vlan=device.voice_vlan.id,
        vlan_name=device.voice_vlan.name,
        ports=(*device.access_ports, *device.uplinks),
        wave=estate.wave_of(device.site),
    )


def _remembered_site(
    estate: Estate,
    site: Site,
    renderer: Renderer,
    roots: Mapping[str, str],
    memo: SiteMemo | None,
) -> tuple[SiteFiles, int]:
    """The files of `site`, from `memo` where its entry is still right (and 1), else
    compiled from a view of `estate` that notes its reads, and kept (and 0)."""
    if memo is None:
        return _compile_site(estate, site, renderer, roots), 0
    own_roots = {host.name: roots[host.name] for host in site.hosts if host.name in roots}
    found = memo.get(estate, site.name, own_roots)
    if found is not None:
        return found, 1
    view, reads = estate.reading()
    # the site compiled is the first of its name (sites are compiled in name order)
    same_name = view.where(Site, "name", [site.name])
    files = _compile_site(view, same_name[0], renderer, own_roots)
    memo.put(estate, site.name, own_roots, reads, files)
    return files, 0


def _compile_site(
    estate: Estate, site: Site, renderer: Renderer, roots: Mapping[str, str]
) -> SiteFiles:
    with within(f"Site/{site.name}"):
        edges = compile_edge_site(estate, site, renderer) if site.hosts_with("edge") else None
        placed = [(roots.get(h.name, ""), h.channels) for h in site.hosts_with("pbx")]
        pbxs = compile_pbx_site(estate, site, renderer, placed) if placed else None
    hosts: dict[str, dict[str, bytes]] = {}
    secrets: dict[str, dict[str, SecretFile]] = {}
    for host in sorted(site.hosts, key=lambda h: h.name):
        root = roots.get(host.name, "")
        files: dict[str, bytes] = {}
        secret_files: dict[str, SecretFile] = {}
        with within(f"host {host.name} of Site/{site.name}"):
            if edges is not None and "edge" in host.roles:
                files |= compile_edge(edges, host, renderer, root=root)
                files |= compile_keepalived(estate, site, host, renderer, root=root)
                secret_files |= edge_secrets(site, edges)
            if pbxs is not None and "pbx" in host.roles:
                files |= compile_pbx(pbxs, host, renderer, root=root)
                secret_files |= pbxs.secrets
        if files:
            hosts[host.name] = files
        if secret_files:
            secrets[host.name] = secret_files
    return SiteFiles(hosts, secrets)
