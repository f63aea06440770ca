"""What a control is, and how one is run: the findings of the codes it owns fail it (or are
waived, visibly), and its own evaluation adds what passes with its evidence, and what the
generated files fail to enforce.

A control = id + title + requirement + frameworks + impact + owned finding codes + an
evaluation; its page in docs/controls.md lists the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import ControlResult, Result, Severity, Status, WaiverNote

_FIX = (Status.FAILED, Status.ERROR, Status.UNVERIFIED, Status.WAIVED)

# the EU and the EEA: GDPR's reach
_EU = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE"}
    | {"IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"}
)


def frameworks_of(countries: Iterable[str]) -> tuple[str, ...]:
    """The frameworks whose law reaches data of these jurisdictions (sites and policies)."""
    found: set[str] = set()
    for country in countries:
        if country == "CN":
            found |= {"PIPL", "China MLPS 2.0"}
        elif country == "HK":
            found.add("PDPO")
        elif country == "SG":
            found.add("PDPA")
        elif country == "US":
            found.add("CCPA")
        elif country in _EU:
            found.add("GDPR")
    return tuple(sorted(found))


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    requirement: str
    frameworks: tuple[str, ...]  # "GDPR Art. 17": the framework's name, then its clause
    impact: str
    codes: tuple[str, ...]
    evaluate: Callable[[Inputs], Iterable[Result]]
    severity: Severity = "high"  # how much its failure weighs (InSpec's impact, SCAP's severity)
    remediation: str = ""  # what to do when it fails

    def run(self, inputs: Inputs, applicable: tuple[str, ...]) -> ControlResult:
        results = [*self._from_findings(inputs)]
        try:
            results += self.evaluate(inputs)
        except Exception as error:
            results.append(
                Result(self.id, Status.ERROR, f"the control could not be evaluated: {error!r}")
            )
        frameworks = tuple(
            f for f in self.frameworks if any(f.startswith(name) for name in applicable)
        )
        coded = tuple(
            replace(
                result,
                code=result.code or self.id,
                remediation=self.remediation if result.status in _FIX else "",
            )
            for result in results
        )
        return ControlResult(
            self.id,
            self.title,
            self.requirement,
            frameworks,
            self.impact,
            coded,
            self.severity,
        )

    def _from_findings(self, inputs: Inputs) -> Iterable[Result]:
        """A failed result per finding of the codes this control owns; a waived one, with
        its waiver, per finding a live waiver silenced."""
        outcome = inputs.outcome
        for finding in (*outcome.findings, *outcome.waived):
            if finding.code not in self.codes:
                continue
            waiver = outcome.waiver_for(finding) if finding in outcome.waived else None
            note = None
            if waiver is not None:
                note = WaiverNote(
                    waiver.name,
                    waiver.approved_by,
                    waiver.approved_on.isoformat(),
                    waiver.expires.isoformat(),
                    " ".join(waiver.reason.split()),
                )
            yield Result(
                finding.subject or self.id,
                Status.WAIVED if note else Status.FAILED,
                f"{finding.code}: {finding.message}",
                (inputs.at_finding(finding),),
                finding.code,
                note,
            )
