"""Data stays where the law of its jurisdiction allows: retention stores, recordings, burst
pools, and the sites routing carries callers to (a transfer into another site's numbers, a
twin). Fails closed: a jurisdiction without a policy, or a data class without a rule,
allows nothing, and a burst pool's country is taken from its provider's region table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.retention import RetentionClass, RetentionPolicy, retention_classes
from ccmsctl.model.routing import (
    RoutedFlow,
    card_ivrs,
    ivrs_answered,
    queues_hosted,
    routed_flows,
)
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.validate.check import Check
from ccmsctl.validate.regions import REGIONS


def allowed_countries(estate: Estate, jurisdiction: str, data_class: str) -> frozenset[str] | None:
    """Countries where `jurisdiction`'s `data_class` may be; None when no rule speaks of it
    (which allows nothing: E0703 says so)."""
    found: frozenset[str] | None = None
    for policy in estate.of(ResidencyPolicy):
        if policy.jurisdiction != jurisdiction:
            continue
        allowed = policy.allowed(data_class)
        if allowed is not None:
            found = allowed if found is None else found & allowed
    return found


def _handled(estate: Estate) -> Iterator[tuple[str, str, tuple[str | int, ...], str, str]]:
    """(kind, name, path, jurisdiction, data class) for every place the estate keeps or
    processes data of a jurisdiction."""
    sites = estate.index(Site)
    path: tuple[str | int, ...]
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            path = ("classes", index, "data_class")
            yield "RetentionPolicy", policy.name, path, policy.jurisdiction, retention.data_class
    for pool in estate.of(BurstPool):
        for index, data_class in enumerate(pool.data_classes):
            for site_name in pool.serves:
                if site_name in sites:
                    path = ("data_classes", index)
                    yield "BurstPool", pool.name, path, sites[site_name].country, data_class


def _misplaced(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    sites = estate.index(Site)
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            allowed = allowed_countries(estate, policy.jurisdiction, retention.data_class)
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
                allowed = allowed_countries(estate, site.country, data_class)
                if allowed is not None and pool.country not in allowed:
                    yield check.finding(
                        sources,
                        ("BurstPool", pool.name, ("serves", index)),
                        f"burst pool in {pool.country} would process {site.country} "
                        f"{data_class} data of site '{site.name}'",
                        f"allowed: {', '.join(sorted(allowed))}",
                    )


def barred_classes(estate: Estate, flow: RoutedFlow) -> list[tuple[str, frozenset[str]]]:
    """The data classes of the flow's callers that their jurisdiction (the origin site's
    country) does not allow where the flow takes them, each with where it does allow."""
    sites = estate.index(Site)
    origin, destination = sites.get(flow.origin), sites.get(flow.destination)
    if origin is None or destination is None or origin.country == destination.country:
        return []
    barred = []
    for data_class in flow.data_classes:
        allowed = allowed_countries(estate, origin.country, data_class)
        if allowed is not None and destination.country not in allowed:
            barred.append((data_class, allowed))
    return barred


def _routed_abroad(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    sites = estate.index(Site)
    for flow in routed_flows(estate):
        barred = barred_classes(estate, flow)
        if not barred:
            continue
        origin, destination = sites[flow.origin], sites[flow.destination]
        allowed = "; ".join(f"{c} in {', '.join(sorted(a))}" for c, a in barred)
        yield check.finding(
            sources,
            flow.where,
            f"{origin.country} callers of site '{origin.name}' go to site '{destination.name}' "
            f"({destination.country}) {flow.how}: their "
            f"{', '.join(c for c, _ in barred)} data would be there",
            f"{origin.country} allows {allowed}: route them within it",
        )


def _site_without_policy(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    governed = {policy.jurisdiction for policy in estate.of(ResidencyPolicy)}
    for site in estate.of(Site):
        if site.country not in governed:
            yield check.finding(
                sources,
                ("Site", site.name, ("country",)),
                f"site '{site.name}' is in {site.country}, and no ResidencyPolicy has "
                f"jurisdiction {site.country}: its data may go nowhere",
                f"add a ResidencyPolicy with jurisdiction: {site.country}",
            )


def _class_without_rule(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    governed = {policy.jurisdiction for policy in estate.of(ResidencyPolicy)}
    reported: set[tuple[str, str, tuple[str | int, ...]]] = set()
    for kind, name, path, jurisdiction, data_class in _handled(estate):
        if jurisdiction not in governed or (kind, name, path) in reported:
            continue  # E0702 speaks of a jurisdiction with no policy at all
        if allowed_countries(estate, jurisdiction, data_class) is None:
            reported.add((kind, name, path))
            yield check.finding(
                sources,
                (kind, name, path),
                f"no ResidencyPolicy rule of {jurisdiction} speaks of {data_class} data: "
                "it may be kept nowhere",
                f"add a rule for data_class: {data_class} to the {jurisdiction} policy",
            )


def _region_outside_country(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for pool in estate.of(BurstPool):
        regions = REGIONS[pool.provider]
        country = regions.get(pool.region)
        if country is None:
            yield check.finding(
                sources,
                ("BurstPool", pool.name, ("region",)),
                f"'{pool.region}' is not a region of {pool.provider} that ccmsctl knows",
                f"{pool.provider} regions in {pool.country}: "
                + (", ".join(sorted(r for r, c in regions.items() if c == pool.country)) or "none"),
            )
        elif country != pool.country:
            yield check.finding(
                sources,
                ("BurstPool", pool.name, ("country",)),
                f"{pool.provider} region {pool.region} is in {country}, not {pool.country}",
                f"country: {country}, or a region in {pool.country}",
            )


def _recording_outside_store(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    classes = retention_classes(estate.of(RetentionPolicy))
    hosted = {
        site.name: queues_hosted(estate, site.name)
        for site in estate.of(Site)
        if site.hosts_with("pbx")
    }
    for group in estate.of(SkillGroup):
        if group.recording_class is None:
            continue
        for path, named in group.recording_references():
            found = classes.get(named)
            if found is not None and found.data_class != "recording":
                yield check.finding(
                    sources,
                    ("SkillGroup", group.name, path),
                    f"retention class '{named}' is for {found.data_class} data, not recordings",
                )
        for site in recording_sites(estate, group, hosted):
            at = group.recording_class_at(site, estate.twin_of(site)[1])
            yield from _stored_outside(group, site, at, classes, sources, check)


def _ivr_recording_outside_store(
    estate: Estate, sources: SourceMap, check: Check
) -> Iterator[Finding]:
    classes = retention_classes(estate.of(RetentionPolicy))
    for ivr in estate.of(IVR):
        found = classes.get(ivr.recording_class or "")
        if found is None:
            continue  # none, or E0202 speaks of it
        where = ("IVR", ivr.name, ("recording_class",))
        if found.data_class != "recording":
            yield check.finding(
                sources, where, f"retention class '{found.name}' is for {found.data_class} data"
            )
            continue
        for site in estate.of(Site):
            answered = site.hosts_with("pbx") and ivr.name in ivrs_answered(estate, site.name)
            if answered and site.name not in found.store:
                yield check.finding(
                    sources,
                    where,
                    f"IVR '{ivr.name}' records at {site.name}, where retention class "
                    f"'{found.name}' may not be stored",
                    f"the class may be stored at: {', '.join(found.store)}",
                )


def recording_sites(estate: Estate, group: SkillGroup, hosted: Mapping[str, set[str]]) -> list[str]:
    """The sites whose PBXs record the group's calls: its own and their twins, and every
    site whose DIDs' IVRs reach its queue (`hosted`: site -> the queues its PBXs run)."""
    sites = set(group.sites)
    sites |= {twin for site in group.sites if (twin := estate.twin_of(site)[1])}
    sites |= {site for site, queues in hosted.items() if group.name in queues}
    return sorted(sites)


def _stored_outside(
    group: SkillGroup,
    site: str,
    name: str | None,
    classes: dict[str, RetentionClass],
    sources: SourceMap,
    check: Check,
) -> Iterator[Finding]:
    shaped = isinstance(group.recording_class, dict)
    path: tuple[str, ...] = ("recording_class", site) if shaped else ("recording_class",)
    if name is None:
        yield check.finding(
            sources,
            ("SkillGroup", group.name, ("recording_class",)),
            f"skill group '{group.name}' names no retention class for its recordings at {site}",
            f"add {site}: <retention class> to recording_class",
        )
        return
    retention = classes.get(name)
    if retention is None or retention.data_class != "recording" or site in retention.store:
        return
    if shaped and site not in group.recording_class:  # type: ignore[operator]
        path = ("recording_class",)
    yield check.finding(
        sources,
        ("SkillGroup", group.name, path),
        f"skill group '{group.name}' records at {site}, where retention class '{name}' "
        "may not be stored",
        f"the class may be stored at: {', '.join(retention.store)}",
    )


def in_transit_required(estate: Estate, trunk: Trunk) -> tuple[bool, bool]:
    """(SIP/TLS, SRTP): what the policies of the trunk's sites' countries ask of it."""
    countries = {site.country for site in estate.of(Site) if site.name in trunk.sites}
    asks = [
        p.encryption_in_transit for p in estate.of(ResidencyPolicy) if p.jurisdiction in countries
    ]
    return any(a.sip_tls for a in asks), any(a.srtp for a in asks)


def _written(trunk: Trunk, key: str) -> tuple[str]:
    """Where to point at `key`: the key if the estate wrote it, else the trunk's name."""
    return (key,) if key in trunk.model_fields_set else ("name",)


def _unprotected(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for trunk in estate.of(Trunk):
        tls, srtp = in_transit_required(estate, trunk)
        if tls and trunk.transport != "tls":
            yield check.finding(
                sources,
                ("Trunk", trunk.name, _written(trunk, "transport")),
                f"trunk '{trunk.name}' carries {trunk.transport.upper()} signalling; the "
                "residency policy of its sites asks for SIP over TLS toward carriers",
                "transport: tls (and the site's tls certificate)",
            )
        if srtp and not trunk.srtp:
            yield check.finding(
                sources,
                ("Trunk", trunk.name, _written(trunk, "srtp")),
                f"trunk '{trunk.name}' carries plain RTP; the residency policy of its sites "
                "asks for SRTP toward carriers",
                "srtp: true",
            )


def _card_in_clear(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
        ivrs = card_ivrs(estate, trunk.name)
        clear = [
            what
            for what, on in (("signalling", trunk.transport != "tls"), ("media", not trunk.srtp))
            if on
        ]
        if ivrs and clear:
            key = "srtp" if not trunk.srtp else "transport"
            yield check.finding(
                sources,
                ("Trunk", trunk.name, _written(trunk, key)),
                f"callers key in card numbers in IVR {', '.join(ivrs)}, reached over trunk "
                f"'{trunk.name}': {' and '.join(clear)} unencrypted on the carrier link "
                "(PCI DSS 4.2)",
                "transport: tls and srtp: true; or, where the link is no open public network "
                "(a private circuit), say so in a Waiver",
            )


CHECKS = (
    Check(
        "E0701",
        Severity.ERROR,
        "A data class would be kept or processed where its residency policy forbids.",
        _misplaced,
    ),
    Check(
        "E0702",
        Severity.ERROR,
        "A site's country has no residency policy.",
        _site_without_policy,
    ),
    Check(
        "E0703",
        Severity.ERROR,
        "A data class is kept or processed with no residency rule for it.",
        _class_without_rule,
    ),
    Check(
        "E0704",
        Severity.ERROR,
        "A burst pool's region is unknown or not in its country.",
        _region_outside_country,
    ),
    Check(
        "E0705",
        Severity.ERROR,
        "A skill group or IVR records into a retention class its sites may not store.",
        lambda estate, sources, check: chain(
            _recording_outside_store(estate, sources, check),
            _ivr_recording_outside_store(estate, sources, check),
        ),
    ),
    Check(
        "W0708",
        Severity.WARNING,
        "Card digits keyed into an IVR cross a trunk without SIP/TLS and SRTP.",
        _card_in_clear,
    ),
    Check(
        "E0707",
        Severity.ERROR,
        "Routing (a transfer into another site's numbers, a twin) takes callers' data to a "
        "country their residency policy does not allow.",
        _routed_abroad,
    ),
    Check(
        "E0706",
        Severity.ERROR,
        "A trunk does not use the SIP/TLS or SRTP its sites' residency policy asks for.",
        _unprotected,
    ),
)
