"""The compliance report of an estate: every control run, and the sections an auditor reads
(data flow, retention, encryption, exposure, waivers), for one run's metadata."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ccmsctl.artifacts import Artifacts
from ccmsctl.errors import SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.report import network, pci, residency, retention, waivers
from ccmsctl.report.control import Control, frameworks_of
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import ControlResult, Meta, Report, Row, Section, Status
from ccmsctl.report.period import scope_section
from ccmsctl.validate.residency import in_transit_required
from ccmsctl.validate.run import Outcome, validate_estate


def all_controls(today: date) -> tuple[Control, ...]:
    found = (
        *retention.CONTROLS,
        *network.CONTROLS,
        *residency.CONTROLS,
        *pci.CONTROLS,
        *waivers.controls(today),
    )
    return tuple(sorted(found, key=lambda control: control.id))


def applicable_frameworks(estate: Estate) -> tuple[str, ...]:
    countries = {site.country for site in estate.of(Site)}
    countries |= {policy.jurisdiction for policy in estate.of(RetentionPolicy)}
    countries |= {policy.jurisdiction for policy in estate.of(ResidencyPolicy)}
    cards = ("PCI DSS",) if any(pci.card_entry(estate)) else ()
    return tuple(sorted((*frameworks_of(countries), *cards)))


def _retention_section(inputs: Inputs) -> Section:
    rows = []
    for policy, _, kept in retention.classes(inputs):
        found, missing = retention.purge_evidence(inputs, kept)
        erase = f"{kept.erase_on_request.days} days" if kept.erase_on_request else "—"
        if policy.erasure_deadline is not None:
            erase += f" (policy: {policy.erasure_deadline.days} days)"
        purge = "legal hold: not purged" if kept.legal_hold else f"{len(found)} PBX(s)"
        if missing:
            purge += f"; missing on {', '.join(missing)}"
        if not found and not missing:
            purge = "no PBX writes it"
        rows.append(
            Row(
                (
                    f"{policy.name}: {kept.name}",
                    kept.data_class,
                    f"{kept.keep.days} days",
                    "legal hold" if kept.legal_hold else "—",
                    erase,
                    ", ".join(kept.store),
                    purge,
                ),
                tuple(found),
            )
        )
    return Section(
        "retention",
        "Retention per class",
        "How long each class is kept, its erasure deadline, where it may be stored, and the "
        "purge job on each PBX that writes it.",
        ("class", "data class", "keep", "hold", "erase on request", "stores", "purge job"),
        tuple(rows),
    )


def _encryption_section(inputs: Inputs) -> Section:
    rows = []
    for trunk in inputs.estate.of(Trunk):
        tls, srtp = in_transit_required(inputs.estate, trunk)
        asked = " and ".join(a for a, on in (("SIP/TLS", tls), ("SRTP", srtp)) if on) or "—"
        rows.append(
            Row(
                (
                    f"trunk {trunk.name}",
                    "in transit",
                    f"{trunk.transport.upper()}, {'SRTP' if trunk.srtp else 'RTP'}",
                    asked,
                ),
                (inputs.model("Trunk", trunk.name, "name"),),
                warn=trunk.transport != "tls" or not trunk.srtp,
            )
        )
    for policy, index, kept in retention.classes(inputs):
        state = "CMS (AES-256) to its certificate" if kept.encryption_at_rest else "not encrypted"
        rows.append(
            Row(
                (f"store {kept.name}", "at rest", state, "yes" if kept.encryption_at_rest else "—"),
                (inputs.model("RetentionPolicy", policy.name, "classes", index, "name"),),
                warn=not kept.encryption_at_rest,
            )
        )
    return Section(
        "encryption",
        "Encryption per trunk and store",
        "How calls travel to carriers and how stored data is kept, against what the policies ask.",
        ("what", "where", "protection", "asked by policy"),
        tuple(rows),
    )


def _matrix(controls: tuple[ControlResult, ...], applicable: tuple[str, ...]) -> Section:
    """Framework -> its clauses -> the controls that serve them, with their status."""
    rows = sorted(
        (name, reference.removeprefix(name).strip() or "—", control.id, control.status.value)
        for control in controls
        for reference in control.frameworks
        for name in applicable
        if reference.startswith(name)
    )
    return Section(
        "frameworks",
        "Frameworks and the controls that serve them",
        "Each framework that applies to the estate, each of its clauses a control serves, and "
        "that control's status.",
        ("framework", "clause", "control", "status"),
        tuple(Row(row) for row in rows),
    )


def failing_controls(
    estate: Estate, sources: SourceMap, artifacts: Artifacts, *, today: date
) -> dict[str, bool]:
    """Each control the report checks, and whether it fails (or cannot be evaluated)."""
    outcome = validate_estate(estate, sources, today=today)
    inputs = Inputs(estate, sources, outcome, artifacts, today)
    applicable = applicable_frameworks(estate)
    return {
        control.id: result.status in (Status.ERROR, Status.FAILED)
        for control in all_controls(today)
        for result in [control.run(inputs, applicable)]
    }


def build_report(
    estate: Estate,
    sources: SourceMap,
    outcome: Outcome,
    artifacts: Artifacts,
    meta: Meta,
    *,
    today: date,
) -> Report:
    inputs = Inputs(estate, sources, outcome, artifacts, today)
    applicable = applicable_frameworks(estate)
    controls = tuple(control.run(inputs, applicable) for control in all_controls(today))
    mapped = residency.flows(inputs)
    sections = (
        scope_section(estate),
        _matrix(controls, applicable),
        residency.data_flow(inputs, mapped),
        _retention_section(inputs),
        _encryption_section(inputs),
        network.exposure(inputs),
        waivers.waivers_section(inputs, today),
    )
    stamped = replace(meta, frameworks=applicable)
    return Report(stamped, controls, sections, mapped)
