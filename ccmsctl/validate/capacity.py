"""Trunks can carry the forecast: Erlang B on the busiest hour of the skill groups they feed;
and the Erlang C arithmetic that sizes a skill group's agents for its service level.

A skill group's offered traffic is peak calls per hour times the holding time (average handle
time plus the service-level wait, as queued calls hold a channel too), shared evenly among the
trunks whose DIDs lead to it. A trunk needs enough channels to block at most 1% of calls.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.ivr import IVR, Queue, node_targets
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.validate.check import Check

BLOCKING = 0.01
# how far the Erlang searches count: an answer above it means "more than this", not a figure
SEARCH_LIMIT = 1_000_000
_MAX_CHANNELS = SEARCH_LIMIT
_COUNTED = 200_000  # twice the most channels a trunk may have: enough to tell how short it is


def figure(needed: int, limit: int = SEARCH_LIMIT) -> str:
    """A count the searches found, or that it is beyond them: "more than LIMIT"."""
    return str(needed) if needed <= limit else f"more than {limit}"


def erlang_b_channels(traffic: float, blocking: float = BLOCKING, most: int = _MAX_CHANNELS) -> int:
    """The fewest channels that carry `traffic` Erlangs with at most `blocking` loss; counting
    stops past `most` (the answer is then `most` + 1: more than there are)."""
    if traffic <= 0:
        return 0
    loss, channels = 1.0, 0
    while loss > blocking and channels <= most:
        channels += 1
        loss = traffic * loss / (channels + traffic * loss)
    return channels


def erlang_c(agents: int, traffic: float) -> float:
    """The probability a call waits (Erlang C) with `agents` serving `traffic` Erlangs; 1
    when they cannot keep up (agents <= traffic)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(agents: int, traffic: float, within: float, handle: float) -> float:
    """The share of calls answered within `within` seconds, `handle` the average handle time
    in seconds: 1 - C(agents, traffic) * exp(-(agents - traffic) * within / handle)."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = erlang_c(agents, traffic)
    return 1 - waits * math.exp(-(agents - traffic) * within / handle)


def agents_needed(traffic: float, percent: int, within: float, handle: float) -> int:
    """The fewest agents that answer `percent`% of calls within `within` seconds."""
    agents = math.floor(traffic) + 1 if traffic > 0 else 0
    while agents < _MAX_CHANNELS and service_level(agents, traffic, within, handle) < percent / 100:
        agents += 1
    return agents


def queues_of(ivr: IVR) -> set[str]:
    """Skill groups a caller can reach in `ivr`."""
    seen, todo, groups = {ivr.entry}, [ivr.entry], set()
    while todo:
        node = ivr.nodes.get(todo.pop())
        if node is None:
            continue
        if isinstance(node, Queue):
            groups.add(node.skill_group)
        for _, target in node_targets(node):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return groups


def group_erlangs(group: SkillGroup) -> float:
    """The group's busy-hour offered traffic: calls per hour times the holding time (handle
    time plus the service-level wait: a queued call holds a channel too); 0 without a
    forecast."""
    if group.forecast is None:
        return 0.0
    holding = (group.forecast.average_handle_time + group.service_level.within).total_seconds()
    return group.forecast.peak_calls_per_hour * holding / 3600


def trunk_loads(estate: Estate) -> dict[str, float]:
    """Trunk -> Erlangs offered at the busy hour: each group's traffic shared evenly among
    the trunks whose DIDs lead to it."""
    ivrs = estate.index(IVR)
    feeds: dict[str, set[str]] = defaultdict(set)  # skill group -> trunks
    for numbers in estate.of(NumberRange):
        ivr = ivrs.get(numbers.ivr)
        for group_name in queues_of(ivr) if ivr else ():
            feeds[group_name].add(numbers.trunk)
    load: dict[str, float] = defaultdict(float)
    for group in estate.of(SkillGroup):
        for trunk_name in feeds[group.name]:
            load[trunk_name] += group_erlangs(group) / len(feeds[group.name])
    return load


def blocking_target(estate: Estate) -> float:
    infos = estate.of(EstateInfo)
    return infos[0].capacity.blocking if infos else BLOCKING


def _under_capacity(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    load = trunk_loads(estate)
    blocking = blocking_target(estate)
    for trunk in estate.of(Trunk):
        needed = erlang_b_channels(load[trunk.name], blocking, most=_COUNTED)
        if trunk.channels < needed:
            shown = figure(needed, _COUNTED)
            yield check.finding(
                sources,
                ("Trunk", trunk.name, ("channels",)),
                f"{trunk.channels} channels cannot carry the forecast "
                f"{load[trunk.name]:.1f} Erlangs: {shown} needed for {blocking * 100:g}% blocking",
            )


CHECKS = (
    Check(
        "W0901",
        Severity.WARNING,
        "A trunk's channel limit cannot carry its forecast.",
        _under_capacity,
    ),
)
