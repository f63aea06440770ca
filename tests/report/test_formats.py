"""`ccmsctl report` on the command line: each format, the exit codes, a reproducible time,
and nothing written when the estate cannot be reported on."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.errors import Span
from ccmsctl.report.markdown import shared
from ccmsctl.report.model import Evidence
from tests.conftest import EXAMPLE, fixture_estate

runner = CliRunner()


def report(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["report", *args], env={"SOURCE_DATE_EPOCH": "1795000000"})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("report")
    texts = {}
    for form in ("json", "md", "sarif", "junit", "html"):
        code, _ = report(str(EXAMPLE), "--format", form, "--out", str(folder / f"r.{form}"))
        assert code == 0
        texts[form] = (folder / f"r.{form}").read_text(encoding="utf-8")
    return texts


def test_json_carries_controls_sections_and_the_run(written: dict[str, str]) -> None:
    document = json.loads(written["json"])
    assert document["version"] == 2 and document["status"] == "waived"
    assert document["meta"]["time"] == "2026-11-18T11:06:40Z"  # SOURCE_DATE_EPOCH 1795000000
    assert len(document["meta"]["commit"]) == 40 and isinstance(document["meta"]["dirty"], bool)
    assert [s["id"] for s in document["sections"]] == [
        "scope",
        "frameworks",
        "data-flow",
        "retention",
        "encryption",
        "exposure",
        "waivers",
    ]
    ids = [c["id"] for c in document["controls"]]
    assert ids == sorted(ids) and len(ids) == 10
    # evidence is located as findings are: file, line, column
    located = [e["span"] for c in document["controls"] for r in c["results"] for e in r["evidence"]]
    assert located and all(isinstance(s[0], str) and s[1] >= 1 and s[2] == 1 for s in located)
    for entry in document["controls"]:
        assert entry["title"] and entry["requirement"] and entry["impact"] and entry["frameworks"]


def test_markdown_shows_the_waiver_and_every_control(written: dict[str, str]) -> None:
    text = written["md"]
    hkt = "| hkt-hk-capacity | W0901 | Trunk/hkt-hk | HKT-2026-1187 | Head of Contact Center"
    assert hkt in text
    assert "| ct-sh-card-entry | W0708 | Trunk/ct-sh | CT-2026-0441 | Head of Payments" in text
    assert text.count("\n### CC-") == 10
    assert "**Result: WAIVED**" in text


def test_sarif_and_junit_are_what_their_tools_read(written: dict[str, str]) -> None:
    sarif = json.loads(written["sarif"])
    assert sarif["version"] == "2.1.0"
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    # nothing fails: the one waived result is a note, with its suppression
    results = sarif["runs"][0]["results"]
    assert len(rules) == 10 and [(r["ruleId"], r["level"]) for r in results] == [
        ("CC-ENC-1", "note")
    ]
    suite = ET.fromstring(written["junit"]).find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert int(suite.get("tests", "0")) == len(suite.findall("testcase")) > 10


def test_the_same_estate_and_time_give_the_same_report(
    written: dict[str, str], tmp_path: Path
) -> None:
    code, _ = report(str(EXAMPLE), "--format", "json", "--out", str(tmp_path / "again.json"))
    assert code == 0 and (tmp_path / "again.json").read_text(encoding="utf-8") == written["json"]


def test_a_failing_control_exits_two_and_is_in_sarif(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    waivers = estate / "compliance/waivers.yaml"
    waivers.write_text(waivers.read_text().replace("2027-10-31", "2099-12-31"), encoding="utf-8")
    code, output = report(str(estate), "--format", "sarif", "--out", str(tmp_path / "r.sarif"))
    assert code == 2 and "CC-WAI-1" in output
    results = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    # the refused waiver fails CC-WAI-1; the capacity warning it no longer waives is no control
    failing = [r for r in results if r["level"] != "note"]
    assert [r["ruleId"] for r in failing] == ["CC-WAI-1"]
    location = failing[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("compliance/waivers.yaml")


def test_an_estate_with_other_errors_gets_no_report(tmp_path: Path) -> None:
    estate = fixture_estate("E0401-unreachable-node", tmp_path)
    out = tmp_path / "report.html"
    code, output = report(str(estate), "--out", str(out))
    assert code == 1 and "E0401" in output and "no report written" in output
    assert not out.exists()


def test_identical_evidence_on_several_hosts_is_shown_once_with_its_hosts() -> None:
    line = Evidence("artifact", Span("sh1-pbx-1:etc/asterisk/x.conf", 3, 1), "x=1", "ab" * 32)
    twin = Evidence("artifact", Span("sh1-pbx-2:etc/asterisk/x.conf", 3, 1), "x=1", "ab" * 32)
    other = Evidence("artifact", Span("sh2-pbx-1:etc/asterisk/x.conf", 3, 1), "x=1", "cd" * 32)
    model = Evidence("model", Span("sites/a.yaml", 4, 1), "keep: 90d", "ef" * 32)
    found = shared([line, model, twin, other])
    assert [s.where for s in found] == [
        "sh1-pbx-1, sh1-pbx-2: etc/asterisk/x.conf:3",
        "sites/a.yaml:4",
        "sh2-pbx-1: etc/asterisk/x.conf:3",
    ]


def test_plain_transports_and_unencrypted_stores_are_marked(written: dict[str, str]) -> None:
    html = written["html"]
    assert html.count('<tr class="warn">') >= 2
