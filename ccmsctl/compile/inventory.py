"""The estate's Ansible inventory: every host with its address, site, roles and the Debian
packages those need, grouped by site, role, twin side and burst pool, so the playbooks run
from ansible-playbook or AWX too."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ccmsctl.artifacts import HostVars, Placement
from ccmsctl.compile.header import header
from ccmsctl.compile.pbx.layout import encrypts_at_rest, recording_folders
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import control_socket, takes_tls
from ccmsctl.model.burstpool import BurstNode, BurstPool
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Host, Site
from ccmsctl.model.twinpair import TwinPair

# The Debian packages each role runs on (Asterisk comes from the operator's own repository:
# Debian has none), what a TLS listener adds, and what a PBX encrypting at rest adds.
ROLE_PACKAGES = {"edge": ("kamailio", "keepalived"), "pbx": ("asterisk",)}
TLS_PACKAGES = ("kamailio-tls-modules",)
ENCRYPTION_PACKAGES = ("openssl",)
# The services each role keeps running whatever changed (the others are restarted or
# reloaded when their files change).
ROLE_SERVICES = {"edge": ("kamailio",), "pbx": ("asterisk",)}
# Every host's metrics for Prometheus (the estate's `node_exporter`): Debian's package and
# service of the same name, reading the textfile folder the hosts' scripts write to.
NODE_EXPORTER = "prometheus-node-exporter"
# A recording folder: written by Asterisk, read by its group (the purge runs as root)
RECORDING_OWNER = "asterisk"
RECORDING_MODE = "0750"


def runs_node_exporter(estate: Estate) -> bool:
    """Whether ccmsctl installs and runs node_exporter on the estate's hosts."""
    return all(info.node_exporter for info in estate.of(EstateInfo))


def host_packages(
    host: Host, tls: bool, encrypts: bool = False, node_exporter: bool = False
) -> tuple[str, ...]:
    """What the packages role installs on `host`; `tls`: its site's edges listen for TLS;
    `encrypts`: its site's PBXs encrypt data at rest; `node_exporter`: the estate's hosts
    run the one ccmsctl installs."""
    packages = [package for role in host.roles for package in ROLE_PACKAGES[role]]
    if tls and "edge" in host.roles:
        packages += TLS_PACKAGES
    if encrypts and "pbx" in host.roles:
        packages += ENCRYPTION_PACKAGES
    if node_exporter:
        packages.append(NODE_EXPORTER)
    return tuple(sorted(set(packages)))


def host_services(host: Host, node_exporter: bool = False) -> tuple[str, ...]:
    """The services `host` keeps running, changed or not."""
    services = {service for role in host.roles for service in ROLE_SERVICES[role]}
    if node_exporter:
        services.add(NODE_EXPORTER)
    return tuple(sorted(services))


def burst_host(pool: BurstPool, node: BurstNode) -> Host:
    """A running burst node as the PBX host it is."""
    return Host(name=node.name, roles=("pbx",), address=node.address, channels=pool.node_channels)


def host_vars(
    estate: Estate, site: Site, host: Host, placement: Placement, burst: BurstPool | None = None
) -> HostVars:
    """What an apply needs of `host` besides its files (the inventory holds it too), as
    `placement` puts it; a node of `burst` stands in for the pool's first site, in the first
    wave, and keeps recordings only where its pool does."""
    records = "pbx" in host.roles and (burst is None or "recording" in burst.data_classes)
    node_exporter = runs_node_exporter(estate) and placement.node_exporter
    packages = host_packages(
        host, takes_tls(estate, site), encrypts_at_rest(estate, site), node_exporter
    )
    packages = packages if placement.packages_managed(host.name) else ()
    pins = placement.pins.get(host.name, {})
    services = host_services(host, node_exporter)
    if not placement.asterisk:
        services = tuple(s for s in services if s != "asterisk")
    return HostVars(
        site.name,
        tuple(host.roles),
        str(host.address),
        1 if burst else estate.wave_of(site.name),
        recording_folders(estate, site) if records else (),
        packages,
        services,
        tuple((name, str(pins[name])) for name in packages if name in pins),
        control_socket(placement.root(host.name)) if "edge" in host.roles else "",
        RECORDING_OWNER if placement.accounts else "",
        RECORDING_MODE,
    )


@dataclass(frozen=True)
class Group:
    name: str
    hosts: tuple[str, ...]
    vars: tuple[tuple[str, str], ...] = ()


def group_name(*parts: str) -> str:
    """Ansible group names are identifiers: sh-1 -> site_sh_1."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def compile_inventory(
    estate: Estate, renderer: Renderer, hosts: Mapping[str, HostVars], placement: Placement
) -> bytes:
    """The inventory of `hosts` (host_vars() of each), as `placement` puts them."""
    sites = sorted(estate.of(Site), key=lambda s: s.name)
    by_site = {site.name: tuple(sorted(h.name for h in site.hosts)) for site in sites}
    listed = [(name, hosts[name]) for members in by_site.values() for name in members]
    pools = sorted(estate.of(BurstPool), key=lambda p: p.name)
    nodes = {p.name: tuple(n.name for n in p.burst_nodes() if n.name in hosts) for p in pools}
    listed += [(name, hosts[name]) for members in nodes.values() for name in members]
    groups = [Group(group_name("site", name), members) for name, members in by_site.items()]
    for role in sorted({role for _, host in listed for role in host.roles}):
        members = tuple(name for name, host in listed if role in host.roles)
        groups.append(Group(group_name("role", role), members))
    for pair in sorted(estate.of(TwinPair), key=lambda p: p.name):
        for site_name in (pair.primary_site(), pair.standby_site()):
            members = by_site.get(site_name, ())
            groups.append(Group(group_name("twin", pair.name, pair.side_of(site_name)), members))
    for pool in pools:
        variables = (
            ("ccms_provider", json.dumps(pool.provider)),
            ("ccms_region", json.dumps(pool.region)),
            ("ccms_country", pool.country),
            ("ccms_node_template", json.dumps(pool.node_template)),
            ("ccms_min", str(pool.min)),
            ("ccms_max", str(pool.max)),
            ("ccms_nodes", str(pool.running)),
            ("ccms_node_channels", str(pool.node_channels)),
            ("ccms_serves", json.dumps(list(pool.serves))),
        )
        groups.append(Group(group_name("burst", pool.name), nodes[pool.name], variables))
    sources = [f"Site/{s.name}" for s in sites] + [
        f"TwinPair/{p.name}" for p in estate.of(TwinPair)
    ]
    sources += [f"BurstPool/{p.name}" for p in estate.of(BurstPool)]
    return renderer.render(
        "ansible/inventory.yml.j2",
        {
            "header": header(sources),
            "placement": placement,
            "hosts": listed,
            "groups": groups,
        },
    )
