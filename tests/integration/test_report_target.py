"""`ccmsctl report --target lab`: after an apply, every generated file the report cites is
read on its lab host and marked deployed; after a hand edit on a PBX, the control citing
that file fails and names it, and the report exits 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE, ccmsctl

pytestmark = pytest.mark.slow


def _report(lab: Path, out: Path) -> tuple[int, dict[str, Any]]:
    args = ["report", str(EXAMPLE), "--target", "lab", "--format", "json", "--out", str(out)]
    done = ccmsctl(*args, cwd=lab)
    assert done.returncode in (0, 2), done.stdout + done.stderr
    return done.returncode, json.loads(out.read_text())


def _artifact_evidence(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (control["id"], evidence)
        for control in document["controls"]
        for result in control["results"]
        for evidence in result["evidence"]
        if evidence["source"] == "artifact"
    ]


def test_the_report_checks_its_evidence_on_the_lab_hosts(example_lab: Path) -> None:
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=example_lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    code, document = _report(example_lab, example_lab / "report.json")
    cited = _artifact_evidence(document)
    assert len(cited) > 20
    assert {evidence["state"] for _, evidence in cited} == {"deployed"}
    assert document["meta"]["target"] == "lab"
    collected = document["meta"]["collected"]
    assert collected and all(c["time"] and not c["error"] for c in collected)
    assert code == 0

    lab = json.loads((example_lab / ".ccmsctl/lab/lab.json").read_text())
    roots = {host["name"]: Path(host["root"]) for host in lab["hosts"]}
    control, evidence = next((c, e) for c, e in cited if "-pbx-" in e["span"][0])
    host, _, path = evidence["span"][0].partition(":")
    file = roots[host] / path
    before = file.read_bytes()
    file.write_bytes(before + b"; edited by hand\n")
    try:
        code, document = _report(example_lab, example_lab / "drifted.json")
    finally:
        file.write_bytes(before)
    assert code == 2
    (found,) = [c for c in document["controls"] if c["id"] == control]
    assert found["status"] == "failed"
    failing = [r for r in found["results"] if r["status"] == "failed"]
    assert any(f"{host}:{path} drifted" in r["message"] for r in failing)
    states = {e["span"][0]: e["state"] for _, e in _artifact_evidence(document)}
    assert states[f"{host}:{path}"] == "drifted"
