"""What the report covers: the systems in and out of scope (the estate's own, and what the
Estate document states), and with --since, what happened in the period — the estate's
changes from Git, the applies the hosts' records name, waivers approved and expired."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.waiver import Waiver
from ccmsctl.plan.provenance import Change
from ccmsctl.report.model import Collected, Row, Section


def scope_section(estate: Estate) -> Section:
    """In scope: what ccmsctl configures (each site's edges and PBXs, the burst pools); out:
    what it does not (carriers' networks) and what the Estate document says besides."""
    rows = [
        Row(("in", f"site {site.name} ({site.country})", ", ".join(h.name for h in site.hosts)))
        for site in sorted(estate.of(Site), key=lambda s: s.name)
    ]
    rows += [
        Row(("in", f"burst pool {pool.name} ({pool.country})", f"{pool.provider} {pool.region}"))
        for pool in sorted(estate.of(BurstPool), key=lambda p: p.name)
    ]
    info = next(iter(estate.of(EstateInfo)), None)
    stated = info.scope if info is not None else None
    rows += [
        Row(("in", item, "stated by the estate")) for item in (stated.includes if stated else ())
    ]
    rows += [
        Row(("out", f"carrier {trunk.carrier}'s network", f"beyond trunk {trunk.name}"))
        for trunk in sorted(estate.of(Trunk), key=lambda t: t.name)
    ]
    rows += [
        Row(("out", item, "stated by the estate")) for item in (stated.excludes if stated else ())
    ]
    return Section(
        "scope",
        "Scope",
        "The systems this report speaks for, and those it does not. Times are UTC.",
        ("scope", "system", "what"),
        tuple(rows),
    )


def period_section(
    estate: Estate,
    changes: Iterable[Change],
    collected: Iterable[Collected],
    since: date,
    today: date,
) -> Section:
    """What happened from `since` to `today`, newest first."""
    rows: list[tuple[str, Row]] = [
        (c.when, Row((c.when, "estate changed", c.commit, c.author, c.subject))) for c in changes
    ]
    for reading in collected:
        if reading.applied_at and reading.applied_at[:10] >= since.isoformat():
            what = f"{reading.host} runs it"
            rows.append(
                (
                    reading.applied_at,
                    Row(
                        (
                            reading.applied_at,
                            "applied",
                            reading.commit,
                            reading.applied_by or "—",
                            what,
                        )
                    ),
                )
            )
    for waiver in sorted(estate.of(Waiver), key=lambda w: w.name):
        subject = f"Waiver/{waiver.name}: {waiver.code} on {waiver.target}"
        if since <= waiver.approved_on <= today:
            day = waiver.approved_on.isoformat()
            rows.append(
                (
                    day,
                    Row(
                        (day, "waiver approved", waiver.ticket or "—", waiver.approved_by, subject)
                    ),
                )
            )
        if since <= waiver.expires <= today:
            day = waiver.expires.isoformat()
            rows.append(
                (
                    day,
                    Row((day, "waiver expired", waiver.ticket or "—", waiver.approved_by, subject)),
                )
            )
    ordered = tuple(row for _, row in sorted(rows, key=lambda pair: pair[0], reverse=True))
    return Section(
        "period",
        f"The period from {since.isoformat()} to {today.isoformat()}",
        "Each change of the estate in Git, each apply the hosts' records name (with --target), "
        "and each waiver approved or expired in the period, newest first."
        + ("" if ordered else " Nothing happened in the period."),
        ("when", "what", "commit or ticket", "who", "subject"),
        ordered,
    )
