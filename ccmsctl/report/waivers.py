"""The waiver control (every waiver within the estate's waiver policy, none expired) and
the waivers section: each with its approver, dates and state, live or not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ccmsctl.errors import Finding
from ccmsctl.model.waiver import Waiver
from ccmsctl.report.control import Control
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import Result, Row, Section, Status
from ccmsctl.validate.waivers import waiver_policy


def _state(inputs: Inputs, waiver: Waiver, today: date) -> str:
    policy = waiver_policy(inputs.estate)
    if not policy.allows(waiver.code):
        return "refused: the waiver policy does not let this code be waived"
    if policy.too_long(waiver):
        return f"refused: runs longer than {policy.max_lifetime.days} days"
    if waiver.expires < today:
        return f"expired on {waiver.expires.isoformat()}: the finding shows again"
    if waiver.approved_on > today:
        return f"not in force until {waiver.approved_on.isoformat()}"
    return "live"


def _within_policy(inputs: Inputs, today: date) -> Iterator[Result]:
    for waiver in inputs.estate.of(Waiver):
        if _state(inputs, waiver, today) != "live":
            continue  # E0903, E0904 and W0902 say why
        yield Result(
            f"Waiver/{waiver.name}",
            Status.PASSED,
            f"{waiver.code} on {waiver.target}, approved by {waiver.approved_by} on "
            f"{waiver.approved_on.isoformat()}, until {waiver.expires.isoformat()}",
            (
                inputs.model("Waiver", waiver.name, "approved_by"),
                inputs.model("Waiver", waiver.name, "expires"),
            ),
        )


def _silenced(inputs: Inputs, waiver: Waiver) -> list[Finding]:
    """The findings `waiver` silences in this run."""
    outcome = inputs.outcome
    return [
        finding
        for finding in outcome.waived
        if (found := outcome.waiver_for(finding)) is not None and found.name == waiver.name
    ]


def waivers_section(inputs: Inputs, today: date) -> Section:
    rows = []
    for waiver in sorted(inputs.estate.of(Waiver), key=lambda w: w.name):
        silenced = _silenced(inputs, waiver)
        rows.append(
            Row(
                (
                    waiver.name,
                    waiver.code,
                    waiver.target,
                    waiver.ticket or "—",
                    waiver.approved_by,
                    waiver.approved_on.isoformat(),
                    waiver.expires.isoformat(),
                    _state(inputs, waiver, today),
                    "; ".join(f"{f.code} {f.subject}: {f.message}" for f in silenced) or "none",
                    " ".join(waiver.reason.split()),
                ),
                (
                    inputs.model("Waiver", waiver.name, "code"),
                    *(inputs.at_finding(finding) for finding in silenced),
                ),
            )
        )
    policy = waiver_policy(inputs.estate)
    return Section(
        "waivers",
        "Waivers",
        f"Accepted exceptions. The estate lets {', '.join(policy.waivable)} be waived, for "
        f"at most {policy.max_lifetime.days} days from approval; a waiver outside that, or "
        "expired, silences nothing.",
        (
            *("waiver", "code", "target", "ticket", "approved by", "approved on", "expires"),
            *("state", "silences", "reason"),
        ),
        tuple(rows),
    )


def controls(today: date) -> tuple[Control, ...]:
    return (
        Control(
            "CC-WAI-1",
            "Waivers are approved, bounded and current",
            "Every waiver names a code the estate's waiver policy lets be waived, a real "
            "approver, and runs no longer than the policy allows; none has expired.",
            ("PIPL Art. 51", "GDPR Art. 5(2)", "China MLPS 2.0", "PDPO DPP4"),
            "Accepted risks nobody owns, or that outlived their approval.",
            ("E0903", "E0904", "W0902"),
            lambda inputs: _within_policy(inputs, today),
            severity="medium",
            remediation=(
                "Renew the waiver with a named approver within the policy, or fix what it silences."
            ),
        ),
    )
