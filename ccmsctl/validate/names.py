"""Names are identities: no two documents of a kind, hosts or retention classes share one."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
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
    hosts: dict[str, str] = {}
    for site in estate.of(Site):
        for index, host in enumerate(site.hosts):
            if host.name in hosts:
                yield check.finding(
                    sources,
                    ("Site", site.name, ("hosts", index, "name")),
                    f"host '{host.name}' is already a host of site '{hosts[host.name]}'",
                )
            hosts.setdefault(host.name, site.name)
    classes: dict[str, str] = {}
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            if retention.name in classes:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "name")),
                    f"retention class '{retention.name}' is already defined in "
                    f"'{classes[retention.name]}'",
                )
            classes.setdefault(retention.name, policy.name)


CHECKS = (Check("E0201", Severity.ERROR, "A name is defined more than once.", _duplicates),)
