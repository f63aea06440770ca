"""The generated alerts, fired by a real Prometheus (Debian's package) watching the lab:
an edge whose Kamailio stops goes pending, then firing; a file edited by hand on a host
shows as drift through `ccmsctl exporter` and its alert fires. Apply then puts the lab back
as it was. Runs on the session's lab (applied here if no test applied it before)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccmsctl.compile.monitoring.dashboard import compile_dashboard
from ccmsctl.compile.monitoring.names import CCMSCTL_EXPORTER
from ccmsctl.compile.monitoring.trigger import trigger_query
from ccmsctl.lab.prometheus import LISTEN, query
from ccmsctl.load.estate import load_estate
from ccmsctl.metrics.api import get
from ccmsctl.model.burstpool import BurstPool
from tests.conftest import EXAMPLE, ccmsctl
from tests.integration.realworld import require

pytestmark = pytest.mark.slow
URL = f"http://{LISTEN}"


def _root(lab: Path, host: str) -> Path:
    return lab / ".ccmsctl" / "lab" / host


@pytest.fixture(scope="module")
def watched(example_lab: Path) -> Iterator[Path]:
    """The applied lab with Prometheus watching it and the exporter serving its drift."""
    require("prometheus")
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=example_lab, timeout=600)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    up = ccmsctl("lab", "up", str(EXAMPLE), "--prometheus", cwd=example_lab)
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"prometheus: {URL}" in up.stdout
    exporter = subprocess.Popen(
        [sys.executable, "-m", "ccmsctl", "exporter", str(EXAMPLE), "--interval", "1"],
        cwd=example_lab,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield example_lab
    finally:
        os.killpg(exporter.pid, signal.SIGTERM)
        exporter.wait(timeout=20)


def _alerts(name: str) -> list[dict[str, Any]]:
    return [a for a in query(URL, "/api/v1/alerts")["alerts"] if a["labels"]["alertname"] == name]


def _until(what: str, check: Any, seconds: float = 60) -> Any:
    """Poll `check` (bounded) until it returns something true; that value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s: {what}")


def _state(name: str, host: str) -> str:
    return next((a["state"] for a in _alerts(name) if a["labels"].get("host") == host), "")


def test_prometheus_scrapes_every_edge_and_pbx(watched: Path) -> None:
    def healthy() -> set[str]:
        targets = query(URL, "/api/v1/targets")["activeTargets"]
        return {
            t["labels"]["host"]
            for t in targets
            if t["labels"]["job"] in ("ccms-edge", "ccms-pbx") and t["health"] == "up"
        }

    hosts = {
        p.name
        for p in (watched / ".ccmsctl/lab").iterdir()
        if "-edge-" in p.name or "-pbx-" in p.name
    }
    _until("every edge and PBX scraped", lambda: healthy() == hosts)

    def exporter_up() -> list[str]:
        found = query(URL, '/api/v1/query?query=up{job="ccmsctl"}')["result"]
        return [r["value"][1] for r in found]

    # The exporter starts beside Prometheus: its first scrape may come after the hosts'.
    _until(f"exporter at {CCMSCTL_EXPORTER} scraped", lambda: exporter_up() == ["1"])
    assert _alerts("CcmsEdgeDown") == []


def test_every_dashboard_and_trigger_query_is_promql_prometheus_runs(watched: Path) -> None:
    """The Grafana dashboard's queries and the burst pools' trigger queries, asked of the
    lab's Prometheus: each is accepted (a malformed one is refused by its API)."""
    estate = load_estate(EXAMPLE).estate
    dashboard = compile_dashboard(estate)
    panels = json.loads(next(iter(dashboard.values())))["panels"]
    queries = [t["expr"] for p in panels for t in p.get("targets", [])]
    queries += [trigger_query(estate, pool) for pool in estate.of(BurstPool)]
    assert len(queries) > 10
    for promql in queries:
        get(URL, "/api/v1/query", {"query": promql})  # raises on a query Prometheus refuses


def test_a_stopped_edge_goes_pending_then_firing(watched: Path) -> None:
    pid = int((_root(watched, "sh2-edge-1") / "run/kamailio/kamailio.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    _until("CcmsEdgeDown pending", lambda: _state("CcmsEdgeDown", "sh2-edge-1") == "pending")
    started = time.monotonic()
    _until("CcmsEdgeDown firing", lambda: _state("CcmsEdgeDown", "sh2-edge-1") == "firing")
    assert time.monotonic() - started > 2  # it waited its `for` (three missed scrapes)
    alert = next(a for a in _alerts("CcmsEdgeDown") if a["labels"]["host"] == "sh2-edge-1")
    assert alert["labels"]["site"] == "sh-2"
    assert alert["labels"]["severity"] == "page"
    assert alert["labels"]["twin_side"] == "standby"
    assert "runbook" in alert["annotations"]
    assert {a["labels"]["host"] for a in _alerts("CcmsEdgeDown")} == {"sh2-edge-1"}


def test_a_hand_edit_fires_the_drift_alert(watched: Path) -> None:
    edited = _root(watched, "hk1-edge-1") / "etc/kamailio/address.list"
    edited.write_text(edited.read_text() + "1 127.66.0.1 32 0 rogue\n")
    _until(
        "CcmsDriftDetected firing", lambda: _state("CcmsDriftDetected", "hk1-edge-1") == "firing"
    )
    drift = query(URL, '/api/v1/query?query=ccms_drift_files{host="hk1-edge-1"}')["result"]
    assert [r["value"][1] for r in drift] == ["1"]


def test_apply_puts_the_lab_back_and_the_alerts_resolve(watched: Path) -> None:
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=watched, timeout=600)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    _until(
        "alerts resolved", lambda: not _alerts("CcmsEdgeDown") and not _alerts("CcmsDriftDetected")
    )
