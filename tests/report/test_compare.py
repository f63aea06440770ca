"""`ccmsctl report --compare PREVIOUS.json`: two reports of the example from two commits —
the second with a waiver withdrawn — and the section listing exactly what changed between
them (golden: tests/golden/report/compare.md)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE, ROOT, git

GOLDEN = ROOT / "tests" / "golden" / "report" / "compare.md"
WITHDRAWN = "kind: Waiver\nname: ct-sh-card-entry\n"


def _report(*args: str) -> int:
    done = CliRunner().invoke(app, ["report", *args], env={"SOURCE_DATE_EPOCH": "1795000000"})
    assert "Traceback" not in done.output
    return done.exit_code


def test_compare_lists_exactly_the_results_that_changed(
    tmp_path: Path, update_goldens: bool
) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    git(estate, "init", "-q")
    git(estate, "add", "-A")
    git(estate, "commit", "-qm", "the estate")
    first = tmp_path / "first.json"
    assert _report(str(estate), "--format", "json", "--out", str(first)) == 0
    waivers = estate / "compliance" / "waivers.yaml"
    text = waivers.read_text()
    assert WITHDRAWN in text
    waivers.write_text(text[: text.index(WITHDRAWN)].rstrip().removesuffix("---").rstrip() + "\n")
    git(estate, "commit", "-qam", "the card-entry waiver withdrawn")
    second = tmp_path / "second.md"
    assert (
        _report(str(estate), "--format", "md", "--out", str(second), "--compare", str(first)) == 2
    )
    markdown = second.read_text()
    start = markdown.index("## Changes since the previous report")
    section = markdown[start : markdown.index("\n## ", start + 1) + 1]
    section = re.sub(r"commit [0-9a-f]{40}", "commit <first>", section)
    if update_goldens:
        GOLDEN.write_text(section)
    assert section == GOLDEN.read_text()
    assert (
        "| CC-ENC-1 | Trunk/ct-sh | waived | failed | waiver ct-sh-card-entry no longer applies |"
        in section
    )


def test_compare_needs_a_json_report(tmp_path: Path) -> None:
    (tmp_path / "old.md").write_text("# not json\n")
    assert _report(str(EXAMPLE), "--compare", str(tmp_path / "old.md")) == 1


@pytest.mark.parametrize("missing", ["absent.json"])
def test_compare_names_a_missing_report(tmp_path: Path, missing: str) -> None:
    assert _report(str(EXAMPLE), "--compare", str(tmp_path / missing)) == 1
