"""Compile a whole estate: every host's files by role, and the estate-wide ones.

Pure and deterministic: the same estate gives the same bytes, in sorted order, with no
timestamps and no absolute build paths (`root` is the installed root, "" in production).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ccmsctl.artifacts import INVENTORY, Artifacts, DeviceIntent, HostVars
from ccmsctl.compile.asterisk import compile_pbx, compile_pbx_site, recording_folders
from ccmsctl.compile.edge import compile_edge, compile_edge_site
from ccmsctl.compile.fanout import fan_out
from ccmsctl.compile.inventory import compile_inventory
from ccmsctl.compile.keepalived import compile_keepalived
from ccmsctl.compile.network.device import compile_network_device
from ccmsctl.compile.render import Renderer
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site


def compile_estate(
    estate: Estate,
    *,
    renderer: Renderer | None = None,
    roots: Mapping[str, str] | None = None,
    workers: int = 1,
) -> Artifacts:
    """All artifacts of `estate`; `roots` gives a host's install root (the lab's folders).
    With `workers` > 1 the sites are compiled in parallel; the bytes are the same."""
    renderer = renderer or Renderer()
    roots = roots or {}
    sites = sorted(estate.of(Site), key=lambda s: s.name)

    def compile_sites(share: Sequence[Site]) -> dict[str, dict[str, bytes]]:
        return {
            host: files
            for site in share
            for host, files in _compile_site(estate, site, renderer, roots).items()
        }

    hosts: dict[str, dict[str, bytes]] = {}
    for part in fan_out(compile_sites, sites, workers):
        hosts |= part
    network = sorted(estate.of(NetworkDevice), key=lambda d: d.name)
    devices = {device.name: compile_network_device(estate, device, renderer) for device in network}
    return Artifacts(
        hosts,
        {INVENTORY: compile_inventory(estate, renderer)},
        devices,
        host_vars={
            host.name: HostVars(
                site.name,
                tuple(host.roles),
                str(host.address),
                estate.wave_of(site.name),
                recording_folders(estate, site) if "pbx" in host.roles else (),
            )
            for site in sites
            for host in sorted(site.hosts, key=lambda h: h.name)
        },
        device_intents={device.name: device_intent(estate, device) for device in network},
    )


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


def _compile_site(
    estate: Estate, site: Site, renderer: Renderer, roots: Mapping[str, str]
) -> dict[str, dict[str, bytes]]:
    edges = compile_edge_site(estate, site, renderer) if site.hosts_with("edge") else None
    pbxs = compile_pbx_site(estate, site, renderer) if site.hosts_with("pbx") else None
    hosts: dict[str, dict[str, bytes]] = {}
    for host in sorted(site.hosts, key=lambda h: h.name):
        root = roots.get(host.name, "")
        files: dict[str, bytes] = {}
        if edges is not None and "edge" in host.roles:
            files |= compile_edge(edges, host, renderer, root=root)
            files |= compile_keepalived(estate, site, host, renderer, root=root)
        if pbxs is not None and "pbx" in host.roles:
            files |= compile_pbx(pbxs, host, renderer)
        if files:
            hosts[host.name] = files
    return hosts
