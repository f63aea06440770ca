"""ccmsctl's own metrics: the textfile collector's files and the exporter's /metrics, read
back with prometheus_client's parser as Prometheus would read them."""

from __future__ import annotations

import socket
import threading
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from ccmsctl.cli.metrics import Recorder, write_run
from ccmsctl.metrics.exporter import Check, serve
from ccmsctl.metrics.runs import ApplyRun, Headroom, PlanRun, apply_metrics, plan_metrics
from ccmsctl.metrics.textfile import APPLY_FILE, PLAN_FILE, last_apply_success, write_metrics

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_plan_file_holds_the_run_and_drift_per_host(tmp_path: Path) -> None:
    run = PlanRun(1_700_000_000.0, 2.5, True, 3, {"sh1-edge-1": 2, "sh1-pbx-1": 0})
    path = write_metrics(tmp_path, PLAN_FILE, plan_metrics(run))
    found = samples(path.read_text())
    assert found[("ccms_plan_success", ())] == 1
    assert found[("ccms_plan_duration_seconds", ())] == 2.5
    assert found[("ccms_plan_changes", ())] == 3
    assert found[("ccms_plan_last_run_timestamp_seconds", ())] == 1_700_000_000
    assert found[("ccms_drift_files", (("host", "sh1-edge-1"),))] == 2
    assert found[("ccms_drift_files", (("host", "sh1-pbx-1"),))] == 0
    assert [p.name for p in tmp_path.iterdir()] == [PLAN_FILE]  # no temporary file left


def test_a_failed_plan_says_so_and_claims_no_drift(tmp_path: Path) -> None:
    path = write_metrics(tmp_path, PLAN_FILE, plan_metrics(PlanRun(5.0, 1.0, False)))
    found = samples(path.read_text())
    assert found[("ccms_plan_success", ())] == 0
    assert not [name for name, _ in found if name.startswith("ccms_drift")]


def test_a_failed_apply_keeps_the_time_of_the_last_good_one(tmp_path: Path) -> None:
    write_metrics(tmp_path, APPLY_FILE, apply_metrics(ApplyRun(100.0, 9.0, True, 4, 100.0)))
    assert last_apply_success(tmp_path) == 100
    later = last_apply_success(tmp_path)
    write_metrics(tmp_path, APPLY_FILE, apply_metrics(ApplyRun(200.0, 3.0, False, 0, later)))
    found = samples((tmp_path / APPLY_FILE).read_text())
    assert found[("ccms_apply_success", ())] == 0
    assert found[("ccms_apply_last_success_timestamp_seconds", ())] == 100
    assert found[("ccms_apply_last_run_timestamp_seconds", ())] == 200
    assert last_apply_success(tmp_path / "none") is None


def test_a_plan_that_raised_is_recorded_as_failed_and_a_declined_apply_not_at_all(
    tmp_path: Path,
) -> None:
    write_run(tmp_path, "plan", Recorder(), 10.0, 0.5)
    assert samples((tmp_path / PLAN_FILE).read_text())[("ccms_plan_success", ())] == 0
    write_run(tmp_path, "apply", Recorder(controls={"CC-RET-1": True}), 11.0, 0.5)
    found = samples((tmp_path / APPLY_FILE).read_text())
    assert found[("ccms_apply_success", ())] == 0
    assert found[("ccms_compliance_control_failing", (("control", "CC-RET-1"),))] == 1
    assert ("ccms_apply_last_success_timestamp_seconds", ()) not in found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_exporter_serves_each_check_and_stops(tmp_path: Path) -> None:
    """A real HTTP server on loopback: the first check at start, the next one after the
    interval, and the server gone once stopped."""
    rounds: list[int] = []

    def check() -> Check:
        rounds.append(len(rounds))
        drift = PlanRun(float(len(rounds)), 0.1, True, 0, {"hk1-edge-1": len(rounds) - 1})
        return Check(drift, {"CC-PCI-1": False}, [Headroom("trunk", "ct-sh", 0.25)])

    port, stop = _free_port(), threading.Event()
    server = threading.Thread(target=serve, args=(f"127.0.0.1:{port}", check, 0.2, stop))
    server.start()
    try:
        found: Samples = {}
        for _ in range(50):  # bounded: 5 s
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    found = samples(r.read().decode())
            except OSError:
                found = {}
            if found.get(("ccms_drift_files", (("host", "hk1-edge-1"),)), 0) >= 1:
                break
            stop.wait(0.1)
        assert found[("ccms_drift_files", (("host", "hk1-edge-1"),))] >= 1
        assert found[("ccms_drift_check_success", ())] == 1
        assert found[("ccms_compliance_control_failing", (("control", "CC-PCI-1"),))] == 0
        assert (
            found[("ccms_capacity_headroom_ratio", (("kind", "trunk"), ("name", "ct-sh")))] == 0.25
        )
    finally:
        stop.set()
        server.join(timeout=10)
    assert not server.is_alive()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
