"""Names are identities: no two documents of a kind, hosts (burst nodes among them) or
retention classes share one."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import KINDS, Estate
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.site import Site
from ccmsctl.validate.check import Check


def _duplicates(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for kind in KINDS:
        seen: dict[str, int] = {}
        for doc in estate.documents.get(kind, ()):
            nth = seen.get(doc.name, 0)
            seen[doc.name] = nth + 1
            if nth:
                yield check.finding(
                    sources,
                    (kind, doc.name, ("name",)),
                    f"{kind} '{doc.name}' is defined more than once",
                    "names identify documents: rename or merge",
                    nth=nth,
                )
    hosts = [
        (site.name, host.name, ("hosts", index, "name"))
        for site in estate.of(Site)
        for index, host in enumerate(site.hosts)
    ]
    classes = [
        (policy.name, retention.name, ("classes", index, "name"))
        for policy in estate.of(RetentionPolicy)
        for index, retention in enumerate(policy.classes)
    ]
    for kind, what, entries in (
        ("Site", "host", hosts),
        ("RetentionPolicy", "retention class", classes),
    ):
        first: dict[str, str] = {}
        for owner, name, path in entries:
            if name in first:
                yield check.finding(
                    sources,
                    (kind, owner, path),
                    f"{what} '{name}' is already defined in {kind} '{first[name]}'",
                )
            first.setdefault(name, owner)
    sites_of = {host: site for site, host, _ in hosts}
    for pool in sorted(estate.of(BurstPool), key=lambda p: p.name):
        taken = [
            f"{pool.name}-{n}" for n in range(1, pool.max + 1) if f"{pool.name}-{n}" in sites_of
        ]
        if taken:
            yield check.finding(
                sources,
                ("BurstPool", pool.name, ("name",)),
                f"its node {taken[0]} would have the name of a host of Site '{sites_of[taken[0]]}'",
                "nodes are named <pool>-1 to <pool>-<max>: rename the pool or the host",
            )


CHECKS = (Check("E0201", Severity.ERROR, "A name is defined more than once.", _duplicates),)
