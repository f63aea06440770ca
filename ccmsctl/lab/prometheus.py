"""The lab's Prometheus: Debian's `prometheus` run on loopback with the estate's generated
configuration, targets and rules (compiled on the lab's addresses), so an alert can be
watched going pending, then firing, against the lab's real Kamailio and Asterisk.

The lab scrapes and evaluates every 2 seconds instead of the estate's interval, so that
what takes minutes in production shows in seconds; the rules' waits follow (an edge is down
after three missed scrapes: 6 s). The process is the lab's: `lab down` stops it.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ccmsctl.compile.estate import burst_hosts
from ccmsctl.compile.monitoring.prometheus import FOLDER, compile_monitoring
from ccmsctl.errors import UserError
from ccmsctl.lab.processes import stop_all
from ccmsctl.metrics.api import ApiError, get
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.base import Document
from ccmsctl.model.kinds import Estate
from ccmsctl.waiting import first

LISTEN = "127.5.0.1:9090"  # the lab's Prometheus (loopback, apart from the hosts' 127.0-4)
INTERVAL = timedelta(seconds=2)
PID_FILE = "prometheus.pid"
STARTUP_SECONDS = 30


class PrometheusError(UserError):
    """The lab's Prometheus cannot be started or asked."""

    code = "E1404"


def lab_watched(estate: Estate) -> Estate:
    """`estate` (on the lab's addresses) scraped and evaluated every 2 seconds."""
    alerting = estate.of(Alerting)
    if not alerting:
        return estate
    documents: dict[str, tuple[Document, ...]] = dict(estate.documents)
    documents["Alerting"] = tuple(
        a.model_copy(update={"scrape_interval": INTERVAL}) for a in alerting
    )
    return replace(estate, documents=documents)


def write_config(folder: Path, estate: Estate) -> Path:
    """Write the generated prometheus/ files for `estate` (on the lab's addresses) under
    `folder`; the path of prometheus.yml."""
    watched = lab_watched(estate)
    burst = [(site.name, host) for _, site, host in burst_hosts(watched)]
    for path, data in compile_monitoring(watched, burst).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder / FOLDER / "prometheus.yml"


def start_prometheus(folder: Path, estate: Estate) -> str:
    """Start Prometheus with the estate's files under `folder`, wait (bounded) until it is
    ready; its URL. A Prometheus the lab already runs is restarted on the new files."""
    program = shutil.which("prometheus") or shutil.which("prometheus", path="/usr/bin:/usr/sbin")
    if program is None:
        raise PrometheusError("prometheus is not installed (Debian package prometheus)")
    config = write_config(folder, estate)
    base = config.parent
    pid_file = base / PID_FILE
    stop_prometheus(pid_file)
    with (base / "prometheus.log").open("ab") as log:
        process = subprocess.Popen(
            [
                program,
                f"--config.file={config}",
                f"--storage.tsdb.path={base / 'data'}",
                f"--web.listen-address={LISTEN}",
                "--storage.tsdb.retention.time=1d",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
    url = f"http://{LISTEN}"

    def ready() -> str | None:
        if process.poll() is not None:
            raise PrometheusError(f"prometheus exited; see {base / 'prometheus.log'}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as reply:  # noqa: S310 (http://LISTEN)
                return url if reply.status == 200 else None
        except (urllib.error.URLError, OSError):
            return None

    if first(ready, STARTUP_SECONDS, 0.2) is None:
        raise PrometheusError(f"prometheus is not ready after {STARTUP_SECONDS} s")
    return url


def stop_prometheus(pid_file: Path) -> bool:
    """Stop the lab's Prometheus if it runs (bounded); whether it did."""
    return bool(stop_all([pid_file]))


def query(url: str, path: str) -> Any:
    """Prometheus's HTTP API: the `data` of GET `path` (e.g. /api/v1/alerts)."""
    try:
        return get(url, path)
    except ApiError as error:
        raise PrometheusError(str(error)) from None
