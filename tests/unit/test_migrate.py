"""`ccmsctl fmt --migrate` on an estate of the previous format (tests/fixtures/W0015-*: the
base estate before formats were stated): the files are written in the current format, the
estate then validates with no finding, a second run changes nothing, and the loader read
the old estate as the same documents. A newer format is refused, and nothing written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.load.migrate import FORMAT
from tests.conftest import findings_of, fixture_estate

runner = CliRunner()


def test_the_previous_format_is_migrated(tmp_path: Path) -> None:
    estate = fixture_estate("W0015-older-format", tmp_path / "old")
    before = load_estate(estate).estate
    assert [f.code for f in findings_of(estate)] == ["W0015"]
    check = runner.invoke(app, ["fmt", str(estate), "--migrate", "--check"])
    assert check.exit_code == 1 and "would reformat" in check.output
    done = runner.invoke(app, ["fmt", str(estate), "--migrate"])
    assert done.exit_code == 0, done.output
    assert f"\nformat: {FORMAT}\n" in (estate / "sites.yaml").read_text()
    assert findings_of(estate) == []
    assert load_estate(estate).estate.documents == before.documents
    again = runner.invoke(app, ["fmt", str(estate), "--migrate", "--check"])
    assert again.exit_code == 0, again.output


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    estate = fixture_estate("E0014-newer-format", tmp_path / "new")
    text = (estate / "sites.yaml").read_text()
    done = runner.invoke(app, ["fmt", str(estate), "--migrate"])
    assert done.exit_code == 1
    assert "error[E0014]" in done.output and "this ccmsctl knows 2" in done.output
    assert (estate / "sites.yaml").read_text() == text
    validated = runner.invoke(app, ["validate", str(estate)])
    assert validated.exit_code == 1
    assert "written for estate format 3; this ccmsctl reads formats up to 2" in validated.output


def test_a_format_that_is_no_version_is_a_schema_error_not_a_migration(tmp_path: Path) -> None:
    for stated in ("0", "-1", "two"):
        estate = fixture_estate("W0015-older-format", tmp_path / stated)
        sites = estate / "sites.yaml"
        sites.write_text(
            sites.read_text().replace("name: fixture\n", f"name: fixture\nformat: {stated}\n", 1)
        )
        assert [f.code for f in findings_of(estate)] in (["E0104"], ["E0103"])
        done = runner.invoke(app, ["fmt", str(estate), "--migrate"])
        assert done.exit_code == 0 and f"format: {stated}\n" in sites.read_text()
