"""The report's scope and period: what it speaks for (the estate's systems, what the Estate
document adds or leaves out, carriers' networks out), and with --since, the estate's
changes from Git and the waivers approved in the period."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE, git


def _json(*args: str) -> dict[str, object]:
    done = CliRunner().invoke(app, ["report", *args, "--format", "json"])
    assert done.exit_code == 0, done.output
    document: dict[str, object] = json.loads(done.stdout)
    return document


def _section(document: dict[str, object], name: str) -> list[list[str]]:
    sections = document["sections"]
    assert isinstance(sections, list)
    (found,) = [s for s in sections if s["id"] == name]
    return [row["cells"] for row in found["rows"]]


def test_the_scope_names_what_is_in_and_out(tmp_path: Path) -> None:
    rows = _section(_json(str(EXAMPLE)), "scope")
    inside = [cells[1] for cells in rows if cells[0] == "in"]
    outside = [cells[1] for cells in rows if cells[0] == "out"]
    assert "site sh-1 (CN)" in inside and "burst pool ap-sg-burst (SG)" in inside
    assert "the call recordings and call records kept on the PBXs" in inside
    assert "agents' desk phones and softphones" in outside
    assert "carrier HKT's network" in outside


def test_since_lists_the_changes_and_waivers_of_the_period(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    git(estate, "init", "-q")
    git(estate, "add", "-A")
    git(estate, "commit", "-qm", "the estate <b>as</b> reviewed")
    rows = _section(_json(str(estate), "--since", "2026-11-01"), "period")
    assert [rows[0][1], rows[0][4]] == ["estate changed", "the estate <b>as</b> reviewed"]
    approved = [cells for cells in rows if cells[1] == "waiver approved"]
    assert {cells[2] for cells in approved} == {"CT-2026-0441", "HKT-2026-1187"}
    done = CliRunner().invoke(app, ["report", str(estate), "--since", "2099-01-01"])
    assert done.exit_code == 2 and "after today" in done.output
