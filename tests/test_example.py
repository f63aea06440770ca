"""The example estate validates clean, through the API and through the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from ccmsctl.load.estate import load_estate
from ccmsctl.model.kinds import KINDS
from ccmsctl.validate.run import validate_estate
from tests.conftest import EXAMPLE, TODAY


def test_example_uses_every_kind_and_has_no_findings() -> None:
    loaded = load_estate(EXAMPLE)
    outcome = validate_estate(loaded.estate, loaded.sources, today=TODAY, loaded=loaded.findings)
    assert outcome.findings == ()
    assert {kind for kind, docs in loaded.estate.documents.items() if docs} == set(KINDS)
    assert [(f.code, f.subject) for f in outcome.waived] == [
        ("W0708", "Trunk/ct-sh"),
        ("W0901", "Trunk/hkt-hk"),
    ]


def test_validate_command_prints_counts_and_exits_zero() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ccmsctl", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "valid: 0 error(s)" in run.stdout
    assert "3 Site" in run.stdout and "14 Agent" in run.stdout


def test_validate_json_lists_counts() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ccmsctl", "validate", str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    document = json.loads(run.stdout)
    assert document["valid"] is True
    assert document["counts"]["SkillGroup"] >= 5
    assert [w["code"] for w in document["waived"]] == ["W0708", "W0901"]
