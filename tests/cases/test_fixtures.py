"""Every broken estate in tests/fixtures/ fails with exactly its expected findings, and every
finding code has a fixture and a documentation page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccmsctl.load.estate import LOAD_CODES
from ccmsctl.validate.run import all_checks
from tests.conftest import BASE, FIXTURES, ROOT, TODAY, brief, findings_of, fixture_estate

CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir() and path != BASE)


def all_codes() -> dict[str, str]:
    return {**LOAD_CODES, **{check.code: check.summary for check in all_checks(TODAY)}}


def test_base_estate_is_clean() -> None:
    assert findings_of(BASE) == []


@pytest.mark.parametrize("case", CASES)
def test_fixture_gives_its_findings(case: str, tmp_path: Path) -> None:
    estate = fixture_estate(case, tmp_path)
    env_file = FIXTURES / case / ".env"  # the environment the fixture is loaded as
    env = env_file.read_text(encoding="utf-8").strip() if env_file.exists() else None
    got = [brief(finding, estate) for finding in findings_of(estate, env=env)]
    expected = (FIXTURES / case / "expected").read_text(encoding="utf-8").splitlines()
    assert got == expected
    assert any(f"[{case[:5]}]" in line for line in got), "the fixture must raise its own code"


@pytest.mark.parametrize("code", sorted(all_codes()))
def test_code_has_fixture_and_page(code: str) -> None:
    assert any(case.startswith(f"{code}-") for case in CASES), f"no fixture for {code}"
    page = ROOT / "docs" / "codes" / f"{code}.md"
    first = page.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# {code}: {all_codes()[code]}"


def test_no_fixture_for_an_unknown_code() -> None:
    assert {case[:5] for case in CASES} <= set(all_codes())
