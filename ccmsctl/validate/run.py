"""Run every semantic check, apply waivers, and order the findings.

Pure: takes the estate, its source map and today's date; returns findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ccmsctl.errors import Finding, Severity, SourceMap, sorted_findings
from ccmsctl.model.kinds import Estate
from ccmsctl.model.waiver import Waiver
from ccmsctl.validate import (
    capacity,
    generated,
    headroom,
    identity,
    ivr,
    names,
    numbers,
    refs,
    residency,
    retention,
    skills,
    twins,
    waivers,
)
from ccmsctl.validate.check import Check


def all_checks(today: date) -> tuple[Check, ...]:
    """Every semantic check as of `today`, in code order."""
    modules = (
        names,
        generated,
        identity,
        refs,
        numbers,
        ivr,
        skills,
        twins,
        residency,
        retention,
        capacity,
        headroom,
    )
    found = (*(check for module in modules for check in module.CHECKS), *waivers.checks(today))
    return tuple(sorted(found, key=lambda check: check.code))


@dataclass(frozen=True)
class Outcome:
    """Findings to show, and findings a live waiver silenced (for reports)."""

    findings: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    waivers: tuple[Waiver, ...] = ()

    def waiver_for(self, finding: Finding) -> Waiver | None:
        """The live waiver that silenced `finding`."""
        return next(
            (w for w in self.waivers if (w.code, w.target) == (finding.code, finding.subject)),
            None,
        )

    def failed(self, *, strict: bool = False) -> bool:
        return any(f.severity is Severity.ERROR or strict for f in self.findings)


def validate_estate(
    estate: Estate, sources: SourceMap, *, today: date, loaded: Iterable[Finding] = ()
) -> Outcome:
    """Findings of every check plus `loaded` ones, less those waived on `today`."""
    found = [*loaded]
    for check in all_checks(today):
        found.extend(check.run(estate, sources, check))
    live = waivers.live_waivers(estate, today)
    waived_keys = {(w.code, w.target) for w in live}
    kept = [f for f in found if (f.code, f.subject) not in waived_keys]
    waived = [f for f in found if (f.code, f.subject) in waived_keys]
    return Outcome(tuple(sorted_findings(kept)), tuple(sorted_findings(waived)), live)
