"""Waivers are governed: each silences one code on one document, only if the estate's
waiver policy lets that code be waived, only for its policy's lifetime, and only until it
expires. A waiver that breaks the policy silences nothing; an expired one says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.waiver import Waiver, WaiverPolicy
from ccmsctl.validate.check import Check


def waiver_policy(estate: Estate) -> WaiverPolicy:
    infos = estate.of(EstateInfo)
    return infos[0].waivers if infos else WaiverPolicy()


def live_waivers(estate: Estate, today: date) -> tuple[Waiver, ...]:
    """The waivers that silence their finding on `today`."""
    policy = waiver_policy(estate)
    return tuple(w for w in estate.of(Waiver) if w.live(today) and policy.admits(w))


def _not_waivable(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    policy = waiver_policy(estate)
    for waiver in estate.of(Waiver):
        if not policy.allows(waiver.code):
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("code",)),
                f"waiver '{waiver.name}' would silence {waiver.code}, which the estate's "
                "waiver policy does not let anyone waive",
                "fix the finding; or list the code under Estate waivers.waivable, "
                f"reviewed like any policy change (now: {', '.join(policy.waivable) or 'none'})",
            )


def _too_long(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    policy = waiver_policy(estate)
    for waiver in estate.of(Waiver):
        days = (waiver.expires - waiver.approved_on).days
        if policy.too_long(waiver):
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("expires",)),
                f"waiver '{waiver.name}' runs {days} days from its approval; the estate "
                f"allows at most {policy.max_lifetime.days}",
                "shorten it and renew it when it ends, with a new approval",
            )
        elif days < 0:
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("expires",)),
                f"waiver '{waiver.name}' expires before it was approved",
            )


def _expired(estate: Estate, sources: SourceMap, check: Check, *, today: date) -> Iterator[Finding]:
    for waiver in estate.of(Waiver):
        if waiver.expires < today:
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("expires",)),
                f"waiver '{waiver.name}' for {waiver.code} on {waiver.target} "
                f"expired on {waiver.expires.isoformat()}: the finding shows again",
                "renew it with a new approval, or fix the finding",
            )


def checks(today: date) -> tuple[Check, ...]:
    """The waiver checks as of `today`."""
    return (
        Check("W0902", Severity.WARNING, "A waiver has expired.", partial(_expired, today=today)),
        Check(
            "E0903",
            Severity.ERROR,
            "A waiver names a code the estate's waiver policy does not let anyone waive.",
            _not_waivable,
        ),
        Check(
            "E0904",
            Severity.ERROR,
            "A waiver runs longer than the estate's waiver policy allows.",
            _too_long,
        ),
    )
