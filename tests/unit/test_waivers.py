"""Waivers are governed by the estate: which codes, how long, approved by whom."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ccmsctl.load.estate import load_estate
from ccmsctl.model.waiver import WaiverPolicy
from ccmsctl.validate.run import validate_estate
from tests.conftest import TODAY, fixture_estate

WAIVER = """kind: Waiver
name: offshore-recordings
code: E0701
target: RetentionPolicy/offshore
reason: the Hong Kong archive is cheaper than a second store in Shanghai
approved_by: {approver}
approved_on: {approved}
expires: {expires}
"""


def _estate(
    tmp_path: Path,
    *,
    approver: str = "Head of Operations",
    approved: str = "2026-11-01",
    expires: str = "2027-01-31",
    waivable: str = "",
) -> Path:
    estate = fixture_estate("E0701-residency-store", tmp_path)
    (estate / "waiver.yaml").write_text(
        WAIVER.format(approver=approver, approved=approved, expires=expires), encoding="utf-8"
    )
    if waivable:
        for path in estate.glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if "kind: Estate" in text:
                path.write_text(
                    text.replace(
                        "kind: Estate\n", f"kind: Estate\nwaivers: {{waivable: {waivable}}}\n"
                    ),
                    encoding="utf-8",
                )
    return estate


def _codes(estate: Path, today: date = TODAY) -> tuple[list[str], list[str]]:
    loaded = load_estate(estate)
    outcome = validate_estate(loaded.estate, loaded.sources, today=today, loaded=loaded.findings)
    return [f.code for f in outcome.findings], [f.code for f in outcome.waived]


def test_a_residency_error_is_not_waivable_by_default(tmp_path: Path) -> None:
    shown, waived = _codes(_estate(tmp_path))
    assert shown == ["E0701", "E0903"] and waived == []


def test_listing_the_residency_code_makes_it_waivable(tmp_path: Path) -> None:
    shown, waived = _codes(_estate(tmp_path, waivable="[W*, E0701]"))
    assert shown == [] and waived == ["E0701"]


def test_an_error_wildcard_does_not_reach_residency(tmp_path: Path) -> None:
    shown, _ = _codes(_estate(tmp_path, waivable="[E*]"))
    assert shown == ["E0701", "E0903"]


@pytest.mark.parametrize("approver", ["nobody", "'N/A'", "TBD", "'-'"])
def test_a_placeholder_approver_is_refused(tmp_path: Path, approver: str) -> None:
    shown, waived = _codes(_estate(tmp_path, approver=approver, waivable="[E0701]"))
    assert sorted(shown) == ["E0104", "E0701"] and waived == []


def test_a_waiver_is_live_only_from_its_approval_to_its_expiry(tmp_path: Path) -> None:
    estate = _estate(tmp_path, waivable="[E0701]")
    assert _codes(estate, date(2026, 10, 31))[0] == ["E0701"]
    assert _codes(estate, date(2027, 1, 31))[1] == ["E0701"]
    assert _codes(estate, date(2027, 2, 1))[0] == ["E0701", "W0902"]


def test_the_policy_matches_codes_and_families() -> None:
    policy = WaiverPolicy(waivable=("W*", "E08*", "E0301"))
    assert [policy.allows(c) for c in ("W0901", "E0801", "E0301", "E0302", "E0701")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert WaiverPolicy(waivable=("E07*",)).allows("E0705")
