"""The generated Prometheus configuration and rules, checked by Prometheus's own promtool:
the config and rules load (`--lint-fatal`), and the unit tests in example.test.yml show each
alert of the example estate firing when it should and not before."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.integration.realworld import require

HERE = Path(__file__).parent
TESTS = ("example.test.yml", "days.test.yml")


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require("promtool"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _alerts(folder: Path) -> set[str]:
    return {
        rule["alert"]
        for path in (folder / "rules").glob("*.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_config_and_rules_pass_promtool_lint(example_build: Path) -> None:
    folder = example_build / "prometheus"
    config = _promtool("check", "config", "--lint-fatal", "prometheus.yml", cwd=folder)
    assert config.returncode == 0, config.stdout + config.stderr
    rules = sorted(str(p.relative_to(folder)) for p in (folder / "rules").glob("*.yml"))
    assert rules == ["rules/ccmsctl.yml", "rules/thresholds.yml", "rules/voice.yml"]
    checked = _promtool("check", "rules", "--lint-fatal", *rules, cwd=folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_in_the_rule_tests(example_build: Path, tmp_path: Path) -> None:
    """promtool runs the unit tests, and each alert of the rules has one where it fires."""
    folder = tmp_path / "prometheus"
    shutil.copytree(example_build / "prometheus", folder)
    fired: set[str] = set()
    for name in TESTS:
        shutil.copy(HERE / name, folder)
        fired |= {
            case["alertname"]
            for test in yaml.safe_load((HERE / name).read_text())["tests"]
            for case in test.get("alert_rule_test", [])
            if case["exp_alerts"]
        }
    assert _alerts(folder) - fired == set(), "alerts without a test where they fire"
    result = _promtool("test", "rules", *TESTS, cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_a_broken_expectation_fails(example_build: Path, tmp_path: Path) -> None:
    """The rule tests can fail: the edge-down alert expected one scrape early is refused."""
    folder = tmp_path / "prometheus"
    shutil.copytree(example_build / "prometheus", folder)
    text = (HERE / "example.test.yml").read_text()
    edge_down = "\n    alertname: CcmsEdgeDown"
    early = text.replace(f"eval_time: 3m{edge_down}", f"eval_time: 2m{edge_down}", 1)
    assert early != text
    (folder / "example.test.yml").write_text(early)
    result = _promtool("test", "rules", "example.test.yml", cwd=folder)
    assert result.returncode != 0
    assert "CcmsEdgeDown" in result.stdout + result.stderr


def test_the_docs_say_what_each_built_in_alert_means(example_build: Path) -> None:
    """Every built-in alert has its row in the alerting guide's table (the estate's own
    thresholds are named by the estate)."""
    table = (HERE.parents[1] / "docs" / "guide" / "alerting.md").read_text()
    rows = {line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| Ccms")}
    assert {a for a in _alerts(example_build / "prometheus") if a.startswith("Ccms")} == rows
