"""Data stays where the law of its jurisdiction allows: retention stores and burst pools."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import Estate
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.site import Site
from ccmsctl.validate.check import Check


def _allowed(estate: Estate, jurisdiction: str, data_class: str) -> frozenset[str] | None:
    """Countries where `jurisdiction`'s `data_class` may be; None when no policy restricts it."""
    found: frozenset[str] | None = None
    for policy in estate.of(ResidencyPolicy):
        if policy.jurisdiction != jurisdiction:
            continue
        allowed = policy.allowed(data_class)
        if allowed is not None:
            found = allowed if found is None else found & allowed
    return found


def _misplaced(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    sites = estate.index(Site)
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            allowed = _allowed(estate, policy.jurisdiction, retention.data_class)
            for store, site_name in enumerate(retention.store):
                site = sites.get(site_name)
                if allowed is None or site is None or site.country in allowed:
                    continue
                path = ("classes", index, "store", store)
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, path),
                    f"{policy.jurisdiction} {retention.data_class} data would be stored in "
                    f"{site.country} (site '{site.name}')",
                    f"allowed: {', '.join(sorted(allowed))}",
                )
    for pool in estate.of(BurstPool):
        for index, site_name in enumerate(pool.serves):
            site = sites.get(site_name)
            if site is None:
                continue
            for data_class in pool.data_classes:
                allowed = _allowed(estate, site.country, data_class)
                if allowed is not None and pool.country not in allowed:
                    yield check.finding(
                        sources,
                        ("BurstPool", pool.name, ("serves", index)),
                        f"burst pool in {pool.country} would process {site.country} "
                        f"{data_class} data of site '{site.name}'",
                        f"allowed: {', '.join(sorted(allowed))}",
                    )


CHECKS = (
    Check(
        "E0701",
        Severity.ERROR,
        "A data class would be kept or processed where its residency policy forbids.",
        _misplaced,
    ),
)
