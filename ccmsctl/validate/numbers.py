"""Every DID belongs to one range, each range's trunk reaches the site that owns it, and a
site whose edges take a TLS trunk has the certificate to offer."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.estate import EstateInfo, Limits
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.validate.check import Check


def _claimed_twice(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    intervals = sorted(
        (first, last, index, numbers)
        for numbers in estate.of(NumberRange)
        for index, (first, last) in enumerate(numbers.spans())
    )
    reach: tuple[int, NumberRange] | None = None  # the highest last seen so far, and its owner
    for first, last, index, numbers in intervals:
        if reach is not None and first <= reach[0]:
            owner = reach[1]
            path = ("numbers", index) if numbers.numbers else ("first",)
            overlap = (
                f"+{first}" if first == min(last, reach[0]) else f"+{first}..+{min(last, reach[0])}"
            )
            yield check.finding(
                sources,
                ("NumberRange", numbers.name, path),
                f"{overlap} is already claimed by NumberRange '{owner.name}'",
                "a DID routes to one place: remove it from one of the ranges",
            )
        if reach is None or last > reach[0]:
            reach = (last, numbers)


def _trunk_misses_site(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    trunks = estate.index(Trunk)
    for numbers in estate.of(NumberRange):
        trunk = trunks.get(numbers.trunk)
        if trunk is not None and numbers.site not in trunk.sites:
            yield check.finding(
                sources,
                ("NumberRange", numbers.name, ("site",)),
                f"trunk '{trunk.name}' does not reach site '{numbers.site}'",
                f"the trunk serves: {', '.join(trunk.sites)}",
            )


def _tls_without_certificate(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    sites = estate.index(Site)
    for trunk in estate.of(Trunk):
        if trunk.transport != "tls":
            continue
        for index, name in enumerate(trunk.sites):
            site = sites.get(name)
            if site is not None and site.hosts_with("edge") and site.tls is None:
                yield check.finding(
                    sources,
                    ("Trunk", trunk.name, ("sites", index)),
                    f"site '{name}' takes this TLS trunk on its edges but has no certificate",
                    f"give Site '{name}' tls: {{certificate: {{secret: ...}}, "
                    "private_key: {secret: ...}}",
                )


def _too_many(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    infos = estate.of(EstateInfo)
    limits = infos[0].limits if infos else Limits()
    raise_it = "raise limits.{} in the Estate document if the estate really needs it"
    total = 0
    for numbers in estate.of(NumberRange):
        count = numbers.count()
        total += count
        if count > limits.dids_per_range:
            yield check.finding(
                sources,
                ("NumberRange", numbers.name, ("last",) if numbers.last else ("numbers",)),
                f"NumberRange '{numbers.name}' holds {count:,} DIDs; the limit is "
                f"{limits.dids_per_range:,} per range",
                raise_it.format("dids_per_range"),
            )
    if total > limits.dids:
        biggest = max(estate.of(NumberRange), key=NumberRange.count)
        yield check.finding(
            sources,
            ("NumberRange", biggest.name, ("name",)),
            f"the estate holds {total:,} DIDs; the limit is {limits.dids:,}",
            raise_it.format("dids"),
        )


CHECKS = (
    Check(
        "E0301", Severity.ERROR, "A number is claimed twice, or two ranges overlap.", _claimed_twice
    ),
    Check(
        "E0302",
        Severity.ERROR,
        "A number range's trunk does not reach its site.",
        _trunk_misses_site,
    ),
    Check(
        "E0303", Severity.ERROR, "A number range, or the estate, holds too many DIDs.", _too_many
    ),
    Check(
        "E0304",
        Severity.ERROR,
        "A site takes a TLS trunk but has no certificate for its edges.",
        _tls_without_certificate,
    ),
)
