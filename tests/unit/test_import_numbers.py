"""`ccmsctl import numbers`: a CSV of DIDs added to an estate as number ranges (numbers
that follow one another one range), each row the estate cannot take named at its line with
why, the estate still valid after."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.model.numbers import NumberRange
from tests.conftest import EXAMPLE

runner = CliRunner()
ROWS = """number,trunk,site,ivr
+862161235000,ct-sh,sh-1,main-cn
+862161235001,ct-sh,sh-1,main-cn

+862161235002,ct-sh,sh-1,main-cn
+862161235010,ct-sh,sh-1,claims-cn
021612350,ct-sh,sh-1,main-cn
+862161235020,ct-sh,sh-1,nope
+862161230005,ct-sh,sh-1,main-cn
+862161235001,ct-sh,sh-1,main-cn
"""


def _estate(tmp_path: Path) -> Path:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    (tmp_path / "dids.csv").write_text(ROWS)
    return estate


def test_rows_become_ranges_and_the_rest_is_named_at_its_line(tmp_path: Path) -> None:
    estate = _estate(tmp_path)
    csv_file = str(tmp_path / "dids.csv")
    done = runner.invoke(app, ["import", "numbers", csv_file, "--into", str(estate)])
    assert done.exit_code == 3, done.output
    lines = done.output.splitlines()
    assert f"{csv_file}:7:1: not imported: 021612350: not an E.164 number" in done.output
    assert any(line.startswith(f"{csv_file}:8:1:") and "no IVR 'nope'" in line for line in lines)
    assert any(line.startswith(f"{csv_file}:9:1:") and "ct-sh-service" in line for line in lines)
    assert any(line.startswith(f"{csv_file}:10:1:") and "line 3" in line for line in lines)
    added = {
        (r.first, r.last, r.ivr)
        for r in load_estate(estate).estate.of(NumberRange)
        if (r.first and r.first.startswith("+86216123501")) or r.first == "+862161235000"
    }
    assert added == {
        ("+862161235000", "+862161235002", "main-cn"),
        ("+862161235010", "+862161235010", "claims-cn"),
    }
    assert runner.invoke(app, ["validate", str(estate)]).exit_code == 0
    assert runner.invoke(app, ["fmt", str(estate), "--check"]).exit_code == 0
    again = runner.invoke(app, ["import", "numbers", csv_file, "--into", str(estate)])
    assert again.exit_code == 3 and "nothing written" in again.output  # all there already
    (tmp_path / "new.csv").write_text("number,trunk,site,ivr\n+862161236000,ct-sh,sh-1,main-cn\n")
    into_a_file = runner.invoke(
        app,
        [
            "import",
            "numbers",
            str(tmp_path / "new.csv"),
            "--into",
            str(estate),
            "--file",
            "carriers/trunks.yaml",
        ],
    )
    assert into_a_file.exit_code == 1 and "E1902" in into_a_file.output  # never replaced


def test_json_lists_every_row(tmp_path: Path) -> None:
    estate = _estate(tmp_path)
    done = runner.invoke(
        app,
        [
            "import",
            "numbers",
            str(tmp_path / "dids.csv"),
            "--into",
            str(estate),
            "--format",
            "json",
            "--file",
            "carriers/more.yaml",
        ],
    )
    report = json.loads(done.output)
    assert (report["read"], report["modelled"]) == (9, 5)  # the header and four rows
    assert [r["line"] for r in report["residue"]] == [7, 8, 9, 10]
    assert (estate / "carriers" / "more.yaml").is_file()


def test_a_file_without_the_columns_is_an_error(tmp_path: Path) -> None:
    estate = _estate(tmp_path)
    (tmp_path / "bad.csv").write_text("did,where\n+862161235000,x\n")
    done = runner.invoke(
        app, ["import", "numbers", str(tmp_path / "bad.csv"), "--into", str(estate)]
    )
    assert done.exit_code == 1
    assert "bad.csv:1:1" in done.output and "E1904" in done.output
    assert not (estate / "carriers" / "numbers-imported.yaml").exists()
