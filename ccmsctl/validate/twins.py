"""Twin pairs can fail over: two different sites, each with edge hosts, a primary that is one
of them."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.validate.check import Check


def _same_site(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for pair in estate.of(TwinPair):
        if pair.sites[0] == pair.sites[1]:
            yield check.finding(
                sources,
                ("TwinPair", pair.name, ("sites", 1)),
                f"twin pair '{pair.name}' joins site '{pair.sites[0]}' to itself",
                "a twin is a second data center",
            )


def _no_edge(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    sites = estate.index(Site)
    for pair in estate.of(TwinPair):
        for index, name in enumerate(pair.sites):
            site = sites.get(name)
            if site is not None and not site.hosts_with("edge"):
                yield check.finding(
                    sources,
                    ("TwinPair", pair.name, ("sites", index)),
                    f"site '{name}' of twin pair '{pair.name}' has no edge host",
                    "failover needs a Kamailio edge on both sides",
                )


def _bad_primary(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for pair in estate.of(TwinPair):
        if pair.primary is not None and pair.primary not in pair.sites:
            yield check.finding(
                sources,
                ("TwinPair", pair.name, ("primary",)),
                f"primary '{pair.primary}' is not one of {', '.join(pair.sites)}",
            )
        elif pair.mode == "active-standby" and pair.primary is None:
            yield check.finding(
                sources,
                ("TwinPair", pair.name, ("mode",)),
                "active-standby needs a primary",
                "add primary: <site>",
            )
        for index, vip in enumerate(pair.vips):
            if vip.site not in pair.sites:
                yield check.finding(
                    sources,
                    ("TwinPair", pair.name, ("vips", index, "site")),
                    f"VIP for '{vip.site}', which is not in this pair",
                )


def _site_in_two_pairs(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    owner: dict[str, str] = {}
    for pair in estate.of(TwinPair):
        for index, site in enumerate(pair.sites):
            first = owner.setdefault(site, pair.name)
            if first != pair.name:
                yield check.finding(
                    sources,
                    ("TwinPair", pair.name, ("sites", index)),
                    f"site '{site}' is already in twin pair '{first}'",
                    "a site has one twin: which side fails over to which would be a guess",
                )


CHECKS = (
    Check("E0601", Severity.ERROR, "A twin pair joins a site to itself.", _same_site),
    Check("E0602", Severity.ERROR, "A twin pair's site has no edge host.", _no_edge),
    Check(
        "E0603",
        Severity.ERROR,
        "A twin pair's primary or VIP names a site outside it.",
        _bad_primary,
    ),
    Check("E0604", Severity.ERROR, "A site belongs to two twin pairs.", _site_in_two_pairs),
)
