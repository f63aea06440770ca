"""Capacity of the estate at the busy hour, as the `capacity` command shows it: per trunk the
channels Erlang B asks for at the estate's blocking target, per skill group the agents
Erlang C asks for to meet its service level, per site the PBX channels its share of the
traffic needs, and per twin pair whether either side alone carries both. Pure: numbers
from the model."""

from __future__ import annotations

from dataclasses import dataclass

from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.validate.capacity import (
    agents_needed,
    blocking_target,
    erlang_b_channels,
    group_erlangs,
    service_level,
    trunk_loads,
)


@dataclass(frozen=True)
class TrunkSize:
    name: str
    erlangs: float
    needed: int
    channels: int


@dataclass(frozen=True)
class GroupSize:
    name: str
    erlangs: float  # agents' traffic: calls per hour times handle time
    target: str  # "80% in 20 s"
    needed: int
    staffed: int
    achieved: float  # the share answered in time with the agents staffed


@dataclass(frozen=True)
class SiteSize:
    name: str
    erlangs: float
    needed: int
    channels: int  # its PBXs' media channels


@dataclass(frozen=True)
class Survival:
    """One side of a twin pair lost: what the survivor must carry, and has."""

    pair: str
    lost: str
    survivor: str
    needed: int
    channels: int
    burst: tuple[str, ...]  # burst pools that serve the pair
    burst_channels: int  # what they add at most: `max` nodes of `node_channels` each

    @property
    def holds(self) -> bool:
        return self.channels + self.burst_channels >= self.needed


@dataclass(frozen=True)
class Sizing:
    blocking: float
    trunks: tuple[TrunkSize, ...]
    groups: tuple[GroupSize, ...]
    sites: tuple[SiteSize, ...]
    survivals: tuple[Survival, ...]


def _skills_by_site(estate: Estate) -> dict[str, list[frozenset[str]]]:
    found: dict[str, list[frozenset[str]]] = {}
    for agent in estate.of(Agent):
        found.setdefault(agent.site, []).append(frozenset(agent.skills))
    return found


def staffed(estate: Estate, group: SkillGroup, agents: dict[str, list[frozenset[str]]]) -> int:
    """Agents who can answer the group: every skill it asks, at its sites or their twins
    (`agents`: each site's agents' skills)."""
    sites = set(group.sites) | {t for s in group.sites if (t := estate.twin_of(s)[1])}
    wanted = frozenset(group.skills)
    return sum(1 for site in sites for skills in agents.get(site, ()) if wanted <= skills)


def _group(estate: Estate, group: SkillGroup, agents: dict[str, list[frozenset[str]]]) -> GroupSize:
    target = group.service_level
    within = target.within.total_seconds()
    text = f"{target.percent}% in {int(within)} s"
    if group.forecast is None:
        return GroupSize(group.name, 0.0, text, 0, staffed(estate, group, agents), 1.0)
    handle = group.forecast.average_handle_time.total_seconds()
    traffic = group.forecast.peak_calls_per_hour * handle / 3600
    have = staffed(estate, group, agents)
    return GroupSize(
        group.name,
        traffic,
        text,
        agents_needed(traffic, target.percent, within, handle),
        have,
        service_level(have, traffic, within, handle),
    )


def _site_erlangs(estate: Estate) -> dict[str, float]:
    """Site -> the traffic its PBXs carry: each group's, shared evenly among its sites."""
    found: dict[str, float] = {}
    for group in estate.of(SkillGroup):
        for site in group.sites:
            found[site] = found.get(site, 0.0) + group_erlangs(group) / len(group.sites)
    return found


def size_estate(estate: Estate) -> Sizing:
    loads = trunk_loads(estate)
    blocking = blocking_target(estate)
    trunks = tuple(
        TrunkSize(t.name, loads[t.name], erlang_b_channels(loads[t.name], blocking), t.channels)
        for t in sorted(estate.of(Trunk), key=lambda t: t.name)
    )
    agents = _skills_by_site(estate)
    groups = tuple(
        _group(estate, g, agents) for g in sorted(estate.of(SkillGroup), key=lambda g: g.name)
    )
    erlangs = _site_erlangs(estate)
    sites = tuple(
        SiteSize(
            site.name,
            erlangs.get(site.name, 0.0),
            erlang_b_channels(erlangs.get(site.name, 0.0), blocking),
            sum(host.channels for host in site.hosts_with("pbx")),
        )
        for site in sorted(estate.of(Site), key=lambda s: s.name)
        if site.hosts_with("pbx")
    )
    by_site = {s.name: s for s in sites}
    survivals = []
    for pair in sorted(estate.of(TwinPair), key=lambda p: p.name):
        for lost, survivor in (pair.sites, tuple(reversed(pair.sites))):
            both = erlangs.get(lost, 0.0) + erlangs.get(survivor, 0.0)
            kept = by_site.get(survivor)
            pools = sorted(
                (p for p in estate.of(BurstPool) if set(p.serves) & set(pair.sites)),
                key=lambda p: p.name,
            )
            survivals.append(
                Survival(
                    pair.name,
                    lost,
                    survivor,
                    erlang_b_channels(both, blocking),
                    kept.channels if kept else 0,
                    tuple(p.name for p in pools),
                    sum(p.max * p.node_channels for p in pools),
                )
            )
    return Sizing(blocking, trunks, groups, sites, tuple(survivals))
