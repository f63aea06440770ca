"""Controls on where data is: every data class stored and processed only in the countries
its residency policy allows (burst pools included, where the PBXs actually record, and the
sites routing carries callers to), and each mainland site's MLPS level on record; and the
data-flow map an auditor reads."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.routing import routed_flows
from ccmsctl.model.site import Site
from ccmsctl.report.control import Control
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import Flow, Result, Row, Section, Status, roles_text
from ccmsctl.report.retention import EXTENSIONS, classes, subject, writers
from ccmsctl.validate.residency import allowed_countries, barred_classes

_RECORDS_INTO = re.compile(r"Set\(__CCMS_RECORDING=\S*/recording/([a-z0-9][a-z0-9._-]*)/")


def recorded_at(inputs: Inputs) -> dict[str, list[str]]:
    """Retention class -> the PBXs whose dialplan records into it, read from their
    generated extensions.conf: where recordings are really written."""
    found: dict[str, list[str]] = {}
    for host in sorted(inputs.artifacts.hosts):
        text = "\n".join(inputs.lines(host, EXTENSIONS))
        for name in sorted(set(_RECORDS_INTO.findall(text))):
            found.setdefault(name, []).append(host)
    return found


def _mechanism(inputs: Inputs, jurisdiction: str, data_class: str) -> str:
    for policy in inputs.estate.of(ResidencyPolicy):
        for rule in policy.rules if policy.jurisdiction == jurisdiction else ():
            if rule.data_class == data_class and rule.cross_border == "allowed":
                return rule.mechanism or ""
    return ""


def flows(inputs: Inputs) -> tuple[Flow, ...]:
    """Where each jurisdiction's data classes are stored, and processed (the PBXs that
    write them, the burst pools that carry them)."""
    sites = inputs.estate.index(Site)
    places: dict[tuple[str, str, str, str], set[str]] = {}
    for policy, _, retention in classes(inputs):
        key = (policy.jurisdiction, retention.data_class)
        for name in retention.store:
            if name in sites:
                places.setdefault((*key, name, sites[name].country), set()).add("store")
        for host in writers(inputs, retention):
            site = sites.get(inputs.artifacts.host_vars[host].site)
            if site is not None:
                places.setdefault((*key, site.name, site.country), set()).add("process")
    for pool in inputs.estate.of(BurstPool):
        for name in pool.serves:
            if name in sites:
                for data_class in pool.data_classes:
                    at = (sites[name].country, data_class, f"burst pool {pool.name}", pool.country)
                    places.setdefault(at, set()).add("process")
    vias: dict[tuple[str, str, str, str], set[str]] = {}
    for flow in routed_flows(inputs.estate):
        origin, destination = sites.get(flow.origin), sites.get(flow.destination)
        if origin is None or destination is None:
            continue
        for routed_class in flow.data_classes:
            routed = (origin.country, routed_class, destination.name, destination.country)
            places.setdefault(routed, set()).add("routed")
            vias.setdefault(routed, set()).add(f"callers of {origin.name} {flow.how}")
    return tuple(
        Flow(
            jurisdiction,
            data_class,
            place,
            country,
            roles_text(roles),
            _mechanism(inputs, jurisdiction, data_class) if country != jurisdiction else "",
            "; ".join(sorted(vias.get((jurisdiction, data_class, place, country), ()))),
        )
        for (jurisdiction, data_class, place, country), roles in sorted(places.items())
    )


def data_flow(inputs: Inputs, mapped: tuple[Flow, ...]) -> Section:
    rows = tuple(
        Row(
            (
                flow.jurisdiction,
                flow.data_class,
                flow.place,
                flow.country,
                flow.role + (f" ({flow.via})" if flow.via else ""),
                (f"cross-border: {flow.mechanism or 'no mechanism'}" if flow.cross_border else "—"),
            )
        )
        for flow in mapped
    )
    return Section(
        "data-flow",
        "Data flow per data class",
        "Where each jurisdiction's data is stored and processed: retention stores, the PBXs "
        "that record, burst pools, and the sites routing takes callers to (transfers into "
        "another site's numbers, the twin); transfers out of the jurisdiction with their "
        "mechanism.",
        ("jurisdiction", "data class", "place", "country", "role", "transfer"),
        rows,
    )


def _in_allowed_countries(inputs: Inputs) -> Iterator[Result]:
    sites = inputs.estate.index(Site)
    recorded = recorded_at(inputs)
    failed = {
        f.subject
        for f in (*inputs.outcome.findings, *inputs.outcome.waived)
        if f.code.startswith("E07")
    }
    for policy, index, retention in classes(inputs):
        allowed = allowed_countries(inputs.estate, policy.jurisdiction, retention.data_class)
        if f"RetentionPolicy/{policy.name}" in failed or allowed is None:
            continue
        evidence = [inputs.model("RetentionPolicy", policy.name, "classes", index, "store")]
        outside = []
        for host in recorded.get(retention.name, []):
            site = sites[inputs.artifacts.host_vars[host].site]
            line = inputs.artifact(host, EXTENSIONS, f"/recording/{retention.name}/")
            evidence += [line] if line else []
            if site.country not in allowed or site.name not in retention.store:
                outside.append(f"{host} ({site.name}, {site.country})")
        yield Result(
            subject(policy, retention),
            Status.FAILED if outside else Status.PASSED,
            f"recorded outside its stores or allowed countries on {', '.join(outside)}"
            if outside
            else f"{policy.jurisdiction} {retention.data_class} data kept in "
            f"{', '.join(sorted({sites[s].country for s in retention.store if s in sites}))}; "
            f"allowed: {', '.join(sorted(allowed))}",
            tuple(evidence),
        )
    yield from _routed(inputs, failed)
    for pool in inputs.estate.of(BurstPool):
        if f"BurstPool/{pool.name}" in failed:
            continue
        yield Result(
            f"BurstPool/{pool.name}",
            Status.PASSED,
            f"processes {', '.join(pool.data_classes)} in {pool.country} for "
            f"{', '.join(pool.serves)}, as residency allows",
            (inputs.model("BurstPool", pool.name, "data_classes"),),
        )


def _routed(inputs: Inputs, failed: set[str]) -> Iterator[Result]:
    """Each flow routing makes across a border: its data classes allowed there, or not (a
    flow E0707 already fails is that finding's result)."""
    sites = inputs.estate.index(Site)
    for flow in routed_flows(inputs.estate):
        origin, destination = sites.get(flow.origin), sites.get(flow.destination)
        if origin is None or destination is None or origin.country == destination.country:
            continue
        kind, name, path = flow.where
        if f"{kind}/{name}" in failed:
            continue
        barred = barred_classes(inputs.estate, flow)
        yield Result(
            f"{kind}/{name}",
            Status.FAILED if barred else Status.PASSED,
            f"{origin.country} callers of {origin.name} go to {destination.name} "
            f"({destination.country}) {flow.how}: "
            + (
                f"their {', '.join(c for c, _ in barred)} data would be there, which "
                f"{origin.country} does not allow"
                if barred
                else f"their {', '.join(flow.data_classes)} data there, as {origin.country} allows"
            ),
            (inputs.model(kind, name, *path),),
        )


# how often a level's graded assessment is due (GB/T 28448-2019 and the MPS's rules)
ASSESSMENT_DUE = {2: 730, 3: 365, 4: 182, 5: 182}


def _mlps(inputs: Inputs) -> Iterator[Result]:
    for site in inputs.estate.of(Site):
        if site.country != "CN":
            continue
        subject = f"Site/{site.name}"
        if site.mlps_level is None:
            yield Result(
                subject,
                Status.FAILED,
                "a mainland China site with no MLPS 2.0 level on record (mlps_level)",
                (inputs.model("Site", site.name, "country"),),
            )
            continue
        filing = site.mlps_filing
        level = inputs.model("Site", site.name, "mlps_level")
        if filing is None:
            yield Result(
                subject,
                Status.FAILED,
                f"level {site.mlps_level}, but no filing on record (mlps_filing: number, "
                "bureau, last assessment)",
                (level,),
            )
            continue
        evidence = (level, inputs.model("Site", site.name, "mlps_filing", "assessed"))
        due = ASSESSMENT_DUE.get(site.mlps_level)
        age = (inputs.today - filing.assessed).days
        if due is not None and age > due:
            yield Result(
                subject,
                Status.FAILED,
                f"level {site.mlps_level}, filed as {filing.number} with {filing.bureau}; its "
                f"last graded assessment ({filing.assessed}) is {age} days old, past the "
                f"{due} days its level allows",
                evidence,
            )
            continue
        yield Result(
            subject,
            Status.PASSED,
            f"filed under MLPS 2.0 level {site.mlps_level} as {filing.number} with "
            f"{filing.bureau}; last graded assessment {filing.assessed}",
            evidence,
        )


CONTROLS = (
    Control(
        "CC-RES-1",
        "Data stays in its allowed countries",
        "Every data class is stored and processed only in countries its jurisdiction's "
        "residency policy allows: retention stores, the PBXs that record, burst pools, and "
        "the sites routing takes callers to.",
        ("PIPL Art. 38", "PIPL Art. 40", "GDPR Chapter V", "China MLPS 2.0", "PDPO"),
        "Unlawful cross-border transfer: fines, suspension of processing.",
        ("E0701", "E0702", "E0703", "E0704", "E0705", "E0707"),
        _in_allowed_countries,
        severity="critical",
        remediation=(
            "Keep the data class in its allowed countries (stores, recording PBXs, burst pools), "
            "or record the transfer mechanism the law accepts."
        ),
    ),
    Control(
        "CC-MLPS-1",
        "MLPS level and filing on record for each mainland site",
        "Each site in mainland China records the MLPS 2.0 protection level it is filed under, "
        "its filing (number, public security bureau) and a graded assessment no older than "
        "its level allows (level 2: two years; 3: one; 4 and 5: half a year).",
        ("China MLPS 2.0",),
        "A site operating outside its filed protection level.",
        (),
        _mlps,
        severity="medium",
        remediation=(
            "Record the site's MLPS 2.0 level (mlps_level) and its filing (mlps_filing: number, "
            "bureau, date of the last graded assessment); book the assessment when it is due."
        ),
    ),
)
