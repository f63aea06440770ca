"""The estate carries its busy hour, and still does with one data center lost: agents per
skill group for its service level (Erlang C), PBX channels per site (Erlang B), and N+1 per
twin pair. The figures are the `capacity` command's (`sizing.size_estate`).

A twin pair loses no agents with a site: agents' phones register to the twin's PBXs, which
serve both sites' agents. It loses the site's PBX channels, which the survivor (and burst
pools serving the pair, each at most `max` nodes of `node_channels`) must make up, and the
numbers of any trunk that reaches the lost site but not the survivor.
"""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.validate.capacity import figure
from ccmsctl.validate.check import Check
from ccmsctl.validate.sizing import Sizing, size_estate


class _Sized:
    """The sizing of the estate being validated, worked out once for the three checks (the
    large estate's takes a third of a second)."""

    estate: Estate | None = None
    sizing: Sizing | None = None

    @classmethod
    def of(cls, estate: Estate) -> Sizing:
        if cls.estate is not estate or cls.sizing is None:
            cls.estate, cls.sizing = estate, size_estate(estate)
        return cls.sizing


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _short_agents(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for group in _Sized.of(estate).groups:
        if group.staffed < group.needed:
            yield check.finding(
                sources,
                ("SkillGroup", group.name, ("forecast",)),
                f"{_count(group.staffed, 'agent')} answer {group.achieved:.0%} of calls "
                f"{group.target.split('% ', 1)[1]} (target {group.target}): {figure(group.needed)} "
                f"needed for {group.erlangs:.1f} Erlangs",
                "staff the group (agents at its sites or their twins with every skill it "
                "asks), or lower the forecast it is sized for",
            )


def _short_pbx(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for site in _Sized.of(estate).sites:
        if site.channels < site.needed:
            yield check.finding(
                sources,
                ("Site", site.name, ("hosts",)),
                f"its PBXs have {_count(site.channels, 'channel')}; its {site.erlangs:.1f} Erlangs "
                f"need {figure(site.needed)}",
                "raise the PBX hosts' `channels` (their media capacity) or add a PBX",
            )


def _not_n_plus_one(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for survival in _Sized.of(estate).survivals:
        if not survival.holds:
            pools = ", ".join(survival.burst) or "no burst pool"
            yield check.finding(
                sources,
                ("TwinPair", survival.pair, ("sites",)),
                f"without {survival.lost}, {survival.survivor} needs {figure(survival.needed)} PBX "
                f"channels and has {survival.channels} ({pools}: {survival.burst_channels} "
                "more)",
                "add PBX channels at the survivor, or a burst pool serving the pair",
            )
    owned: dict[str, set[str]] = {}  # trunk -> the number ranges it carries, by site
    for numbers in estate.of(NumberRange):
        owned.setdefault(numbers.trunk, set()).add(f"{numbers.site}/{numbers.name}")
    for pair in sorted(estate.of(TwinPair), key=lambda p: p.name):
        for lost, survivor in (pair.sites, tuple(reversed(pair.sites))):
            for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
                if lost not in trunk.sites or survivor in trunk.sites:
                    continue
                ranges = sorted(
                    name.split("/", 1)[1]
                    for name in owned.get(trunk.name, ())
                    if name.split("/", 1)[0] in pair.sites
                )
                if ranges:
                    yield check.finding(
                        sources,
                        ("Trunk", trunk.name, ("sites",)),
                        f"without {lost}, the calls to {', '.join(ranges)} are lost: "
                        f"trunk {trunk.name} reaches {lost} but not its twin {survivor}",
                        f"add {survivor} to the trunk's sites (and its carrier's destinations)",
                    )


CHECKS = (
    Check(
        "W0905",
        Severity.WARNING,
        "A skill group has too few agents for its service level.",
        _short_agents,
    ),
    Check(
        "W0906",
        Severity.WARNING,
        "A site's PBXs have too few channels for its busy hour.",
        _short_pbx,
    ),
    Check(
        "W0907",
        Severity.WARNING,
        "A twin pair cannot carry its calls with one site lost (N+1).",
        _not_n_plus_one,
    ),
)
