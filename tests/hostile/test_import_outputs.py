"""Hostile strings in a PBX's configuration and file names stay content in what import
prints: IMPORT.md has the shape the same PBX with plain strings gives (no HTML, emphasis,
link, mention, table cell or heading of theirs), the terminal's residue lines are one line
each, and the JSON holds them whole."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.brownfield import EDGE, PUDONG, import_arguments
from tests.hostile.test_outputs import _markdown_shape

runner = CliRunner()
HOSTILE = "<b>x</b> | **y** `z` @team #12 [l](https://e.example) <!-- c -->"
HOSTILE_FILE = "we|ird `name` **x**.conf"


def _pbx(tmp_path: Path, agent: str, include: str) -> Path:
    pbx = tmp_path / "pbx"
    shutil.copytree(PUDONG, pbx)
    pjsip = pbx / "pjsip.conf"
    pjsip.write_text(
        pjsip.read_text().replace("user_agent = Lotus PBX", f"user_agent = {agent}")
        + f'#include "{include}"\n'
    )
    (pbx / include).write_text(f"[odd]\ntype = contact\nuri = {agent}\n")
    return pbx


def _imported(tmp_path: Path, agent: str, include: str, *extra: str) -> tuple[int, str]:
    pbx = _pbx(tmp_path, agent, include)
    done = runner.invoke(app, import_arguments(tmp_path / "estate", *extra, source=pbx))
    return done.exit_code, done.output


def test_import_md_keeps_hostile_strings_as_text(tmp_path: Path) -> None:
    status, _ = _imported(tmp_path / "clean", "Lotus PBX", "more.conf")
    assert status == 3
    status, _ = _imported(tmp_path / "hostile", HOSTILE, HOSTILE_FILE)
    assert status == 3
    clean = (tmp_path / "clean" / "estate" / "IMPORT.md").read_text()
    hostile = (tmp_path / "hostile" / "estate" / "IMPORT.md").read_text()
    assert "Lotus PBX" in clean
    assert _markdown_shape(hostile) == _markdown_shape(clean)


def test_json_holds_the_hostile_strings_whole(tmp_path: Path) -> None:
    status, output = _imported(tmp_path, HOSTILE, HOSTILE_FILE, "--format", "json")
    assert status == 3
    residue = json.loads(output)["residue"]
    assert any(r["text"] == f"user_agent = {HOSTILE}" for r in residue)
    assert any(r["file"] == HOSTILE_FILE for r in residue)


def _edge(tmp_path: Path, line: str, name: str) -> Path:
    edge = tmp_path / "edge"
    shutil.copytree(EDGE, edge)
    config = edge / "kamailio" / "kamailio.cfg"
    config.write_text(config.read_text() + f"{line}\n")
    (edge / "kamailio" / name).write_text(f"{line}\n")
    return edge


def test_the_edges_lines_and_file_names_stay_content(tmp_path: Path) -> None:
    shapes = []
    for label, line, name in (
        ("clean", "debug=3", "extra.cfg"),
        ("hostile", f"# {HOSTILE}\nalias_text={HOSTILE}", HOSTILE_FILE),
    ):
        edge = _edge(tmp_path / label, line, name)
        out = tmp_path / label / "estate"
        done = runner.invoke(app, import_arguments(out, "--edges", str(edge), edge=""))
        assert done.exit_code == 3, done.output
        assert len(done.output.splitlines()) == 2  # the summary, the secrets written
        shapes.append(_markdown_shape((out / "IMPORT.md").read_text()))
    assert shapes[0] == shapes[1]
    listed = runner.invoke(
        app, import_arguments(tmp_path / "json", "--edges", str(edge), "--format", "json", edge="")
    )
    residue = json.loads(listed.output)["residue"]
    assert any(r["text"] == f"alias_text={HOSTILE}" for r in residue)
    assert any(r["file"] == f"kamailio/{HOSTILE_FILE}" for r in residue)
