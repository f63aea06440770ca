"""What must be unique on the wire: an extension on the PBXs that serve it, and an address
in the estate (hosts, VIPs, gateways, network devices)."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.gateway import Gateway
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Site
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.validate.check import Check


def _shared_extension(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    seen: dict[str, list[Agent]] = {}
    for agent in estate.of(Agent):
        earlier = seen.setdefault(agent.extension, [])
        together = estate.site_and_twin(agent.site)
        clash = next((other for other in earlier if other.site in together), None)
        if clash is not None:
            yield check.finding(
                sources,
                ("Agent", agent.name, ("extension",)),
                f"agents '{clash.name}' and '{agent.name}' both have extension "
                f"{agent.extension} on the PBXs of {', '.join(sorted(together))}",
                "an extension rings one phone: give each agent their own",
            )
        earlier.append(agent)


def _addresses(estate: Estate) -> Iterator[tuple[str, str, tuple[str | int, ...], str, str]]:
    """(kind, name, path, address, what) for every address the estate gives a machine."""
    for site in estate.of(Site):
        for index, host in enumerate(site.hosts):
            yield "Site", site.name, ("hosts", index, "address"), str(host.address), host.name
    for pair in estate.of(TwinPair):
        for index, vip in enumerate(pair.vips):
            yield "TwinPair", pair.name, ("vips", index, "address"), str(vip.address), "a VIP"
    for gateway in estate.of(Gateway):
        yield "Gateway", gateway.name, ("address",), str(gateway.address), gateway.name
    for device in estate.of(NetworkDevice):
        yield "NetworkDevice", device.name, ("management",), str(device.management), device.name
    for pool in estate.of(BurstPool):
        for node in pool.burst_nodes():
            yield "BurstPool", pool.name, ("subnet",), str(node.address), node.name


def _shared_address(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for kind, name, path, address, what in _addresses(estate):
        owner = first.setdefault(address, f"{what} of {kind} '{name}'")
        if owner != f"{what} of {kind} '{name}'":
            yield check.finding(
                sources,
                (kind, name, path),
                f"{address} is already the address of {owner}",
                "two machines cannot share an address",
            )


CHECKS = (
    Check(
        "E0203",
        Severity.ERROR,
        "Two agents on the same PBXs share an extension.",
        _shared_extension,
    ),
    Check("E0204", Severity.ERROR, "Two machines share an address.", _shared_address),
)
