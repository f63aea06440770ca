"""Every reference names something that exists: sites, trunks, IVRs, schedules, skill groups,
retention classes and waiver targets."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from itertools import chain

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.gateway import Gateway
from ccmsctl.model.ivr import IVR, ScheduleBranch
from ccmsctl.model.kinds import KINDS, Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.model.waiver import Waiver
from ccmsctl.validate.check import Check

# (kind, name, path, what is named, name given)
Reference = tuple[str, str, tuple[str | int, ...], str, str]


def retention_class_names(estate: Estate) -> frozenset[str]:
    return frozenset(
        retention.name for policy in estate.of(RetentionPolicy) for retention in policy.classes
    )


def _site_references(estate: Estate) -> Iterator[Reference]:
    for pair in estate.of(TwinPair):
        for index, site in enumerate(pair.sites):
            yield "TwinPair", pair.name, ("sites", index), "Site", site
        for index, vip in enumerate(pair.vips):
            yield "TwinPair", pair.name, ("vips", index, "site"), "Site", vip.site
    listed: list[tuple[str, str, str, tuple[str, ...]]] = [
        *(("Trunk", trunk.name, "sites", trunk.sites) for trunk in estate.of(Trunk)),
        *(("SkillGroup", group.name, "sites", group.sites) for group in estate.of(SkillGroup)),
        *(("BurstPool", pool.name, "serves", pool.serves) for pool in estate.of(BurstPool)),
    ]
    for kind, name, field, sites in listed:
        for index, site in enumerate(sites):
            yield kind, name, (field, index), "Site", site
    located = [
        *(("Gateway", gateway.name, gateway.site) for gateway in estate.of(Gateway)),
        *(("Agent", agent.name, agent.site) for agent in estate.of(Agent)),
        *(("NetworkDevice", device.name, device.site) for device in estate.of(NetworkDevice)),
    ]
    for kind, name, site in located:
        yield kind, name, ("site",), "Site", site
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            for store, site in enumerate(retention.store):
                path = ("classes", index, "store", store)
                yield "RetentionPolicy", policy.name, path, "Site", site


def _other_references(estate: Estate) -> Iterator[Reference]:
    path: tuple[str | int, ...]
    for numbers in estate.of(NumberRange):
        yield "NumberRange", numbers.name, ("trunk",), "Trunk", numbers.trunk
        yield "NumberRange", numbers.name, ("site",), "Site", numbers.site
        yield "NumberRange", numbers.name, ("ivr",), "IVR", numbers.ivr
    for ivr in estate.of(IVR):
        if ivr.recording_class is not None:
            yield "IVR", ivr.name, ("recording_class",), "retention class", ivr.recording_class
        for node_name, node in ivr.nodes.items():
            if isinstance(node, ScheduleBranch):
                path = ("nodes", node_name, "schedule")
                yield "IVR", ivr.name, path, "Schedule", node.schedule
    for group in estate.of(SkillGroup):
        if group.overflow and group.overflow.skill_group:
            path = ("overflow", "skill_group")
            yield "SkillGroup", group.name, path, "SkillGroup", group.overflow.skill_group
        for path, retention in group.recording_references():
            yield "SkillGroup", group.name, path, "retention class", retention
        if isinstance(group.recording_class, dict):
            for site in group.recording_class:
                yield "SkillGroup", group.name, ("recording_class", site), "Site", site


def _dangling(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    known = {
        "Site": estate.names(Site),
        "Trunk": estate.names(Trunk),
        "IVR": estate.names(IVR),
        "Schedule": estate.names(Schedule),
        "SkillGroup": estate.names(SkillGroup),
        "retention class": retention_class_names(estate),
    }
    for kind, name, path, target, given in chain(
        _site_references(estate), _other_references(estate)
    ):
        if given not in known[target]:
            label = "retention class" if target == "retention class" else target
            yield check.finding(
                sources,
                (kind, name, path),
                f"{kind} '{name}' references unknown {label} '{given}'",
                known_hint(given, _suggestable(estate, kind, name, target, known[target])),
            )
    for waiver in estate.of(Waiver):
        target_kind, _, target_name = waiver.target.partition("/")
        names = estate.names(KINDS[target_kind]) if target_kind in KINDS else frozenset()
        if target_name not in names:
            hint = (
                known_hint(target_name, names)
                if target_kind in KINDS
                else known_hint(target_kind, frozenset(KINDS))
            )
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("target",)),
                f"Waiver '{waiver.name}' targets unknown document '{waiver.target}'",
                hint,
            )


def _suggestable(
    estate: Estate, kind: str, name: str, target: str, names: frozenset[str]
) -> frozenset[str]:
    """The names a hint may suggest: a retention policy's stores and a skill group's
    recording class only from the jurisdiction the document is under, so that a typo is
    never answered with another country's site or class."""
    sites = estate.index(Site)
    if kind == "RetentionPolicy" and target == "Site":
        policy = estate.index(RetentionPolicy).get(name)
        country = policy.jurisdiction if policy else None
        return frozenset(n for n in names if n in sites and sites[n].country == country)
    if kind == "SkillGroup" and target == "retention class":
        group = estate.index(SkillGroup).get(name)
        countries = {sites[s].country for s in group.sites if s in sites} if group else set()
        return frozenset(
            retention.name
            for policy in estate.of(RetentionPolicy)
            if policy.jurisdiction in countries
            for retention in policy.classes
        )
    return names


def known_hint(given: str, names: frozenset[str] | set[str]) -> str:
    """`did you mean '...'?` for the closest of `names`, else the names known."""
    close = difflib.get_close_matches(given, sorted(names), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    if not names:
        return "none is defined"
    listed = sorted(names)
    more = f" (and {len(listed) - 8} more)" if len(listed) > 8 else ""
    return f"known: {', '.join(listed[:8])}{more}"


CHECKS = (
    Check("E0202", Severity.ERROR, "A reference names something that does not exist.", _dangling),
)
