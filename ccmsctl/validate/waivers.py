"""Waivers are time-boxed: an expired waiver silences nothing and says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.waiver import Waiver
from ccmsctl.validate.check import Check


def live_waivers(estate: Estate, today: date) -> tuple[Waiver, ...]:
    return tuple(waiver for waiver in estate.of(Waiver) if waiver.expires >= today)


def _expired(estate: Estate, sources: SourceMap, check: Check, *, today: date) -> Iterator[Finding]:
    for waiver in estate.of(Waiver):
        if waiver.expires < today:
            yield check.finding(
                sources,
                ("Waiver", waiver.name, ("expires",)),
                f"waiver '{waiver.name}' for {waiver.code} on {waiver.target} "
                f"expired on {waiver.expires.isoformat()}",
                "renew it with a new approval, or fix the finding",
            )


def checks(today: date) -> tuple[Check, ...]:
    """The waiver checks as of `today`."""
    return (
        Check("W0902", Severity.WARNING, "A waiver has expired.", partial(_expired, today=today)),
    )
