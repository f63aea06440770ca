"""`ccmsctl burst scale --prometheus`: the pool's trigger read from a real Prometheus (Debian's
package) scraping a metric served on loopback: no step before Prometheus has seen the whole
`for`, one node more once the busiest trunk stayed above the trigger that long, one fewer
once it stayed below half of it. The estate's YAML is what changes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from ccmsctl.metrics.api import ApiError, get
from tests.conftest import EXAMPLE, ccmsctl
from tests.integration.realworld import require

ADDRESS = "127.5.0.2"


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[str, Gauge]]:
    """A trunk utilisation gauge served on loopback, scraped every second by a Prometheus of
    the test's own; (its URL, the gauge)."""
    program = require("prometheus")
    registry = CollectorRegistry()
    gauge = Gauge("ccms_trunk_channel_utilisation", "test", ["trunk"], registry=registry)
    gauge.labels("ct-sh").set(0.95)
    gauge.labels("cu-sh").set(0.5)
    gauge.labels("hkt-hk").set(1.0)  # a trunk of another site: not the pool's
    exporter_port, port = _free_port("127.0.0.1"), _free_port(ADDRESS)
    server, thread = start_http_server(exporter_port, "127.0.0.1", registry)
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: ccms\n    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n"
    )
    process = subprocess.Popen(
        [
            program,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address={ADDRESS}:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{ADDRESS}:{port}"
    try:
        for _ in range(100):  # bounded: 20 s
            try:
                if get(url, "/api/v1/query", {"query": "up"})["result"]:
                    break
            except ApiError:
                pass
            time.sleep(0.2)
        yield url, gauge
    finally:
        process.terminate()
        process.wait(timeout=20)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _nodes(estate: Path) -> str:
    head = (estate / "cloud/burst.yaml").read_text().split("---", 1)[0]
    return next((line for line in head.splitlines() if line.startswith("nodes:")), "nodes: min")


def test_the_trigger_is_read_from_prometheus(watched: tuple[str, Gauge], tmp_path: Path) -> None:
    url, gauge = watched
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    burst = estate / "cloud/burst.yaml"
    burst.write_text(burst.read_text().replace("  for: 5m\n", "  for: 3s\n", 1))

    early = ccmsctl(
        "burst", "scale", "cn-east-burst", str(estate), "--prometheus", url, cwd=tmp_path
    )
    assert early.returncode == 0, early.stdout + early.stderr
    assert "has not seen the whole 3s yet: no step" in early.stdout
    assert _nodes(estate) == "nodes: min"

    time.sleep(4.5)  # the busiest trunk of sh-1 and sh-2 (ct-sh, 0.95) stays above 0.8
    out = ccmsctl("burst", "scale", "cn-east-burst", str(estate), "--prometheus", url, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (
        "cn-east-burst: channel_utilisation over 3s: 0.95 to 0.95 (trigger above 0.8)" in out.stdout
    )
    assert "cn-east-burst: 0 -> 1 node(s)" in out.stdout
    assert _nodes(estate) == "nodes: 1"

    gauge.labels("ct-sh").set(0.3)
    gauge.labels("cu-sh").set(0.2)
    time.sleep(4.5)  # now below half of the trigger for the whole window
    back = ccmsctl(
        "burst", "scale", "cn-east-burst", str(estate), "--prometheus", url, cwd=tmp_path
    )
    assert back.returncode == 0, back.stdout + back.stderr
    assert "cn-east-burst: 1 -> 0 node(s)" in back.stdout
    assert _nodes(estate) == "nodes: 0"


def test_an_unreachable_prometheus_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://{ADDRESS}:{_free_port(ADDRESS)}"
    out = ccmsctl(
        "burst", "scale", "cn-east-burst", str(EXAMPLE), "--prometheus", url, cwd=tmp_path
    )
    assert out.returncode == 1
    assert out.stderr.startswith(f"error[E1503]: {url}/api/v1/query")
    assert "Traceback" not in out.stderr
