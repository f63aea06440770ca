"""`ccmsctl exporter`'s metrics: each round's drift, compliance and capacity headroom held
as one set of metric families (a scrape reads one round whole), served on /metrics over
prometheus_client's HTTP server until stopped. How a round is checked is the caller's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from ccmsctl.compile.monitoring import names as n
from ccmsctl.errors import UserError
from ccmsctl.metrics.runs import (
    Headroom,
    PlanRun,
    control_metrics,
    drift_metrics,
    headroom_metrics,
)


class ListenError(UserError):
    """The exporter cannot listen where it was asked to."""

    code = "E1502"


def listen_address(listen: str) -> tuple[str, int]:
    """ADDRESS:PORT (or :PORT, on 127.0.0.1) as an address and a port."""
    address, _, port = listen.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ListenError(f"--listen {listen!r}: give ADDRESS:PORT, e.g. 127.0.0.1:9464")
    return address or "127.0.0.1", int(port)


@dataclass(frozen=True)
class Check:
    """One round of the exporter: drift (its `success` false when the hosts could not be
    read), compliance and headroom."""

    drift: PlanRun
    controls: dict[str, bool]
    headroom: list[Headroom]


class Exported(Collector):
    """The exporter's latest round, replaced whole by each check (a scrape reads one)."""

    def __init__(self) -> None:
        self._families: tuple[Metric, ...] = ()

    def update(self, check: Check) -> None:
        families = [
            *drift_metrics(check.drift),
            GaugeMetricFamily(
                n.DRIFT_CHECK_SUCCESS,
                "1 if the exporter's last check read every host.",
                value=check.drift.success,
            ),
            GaugeMetricFamily(
                n.DRIFT_CHECK_DURATION, "How long the last check took.", value=check.drift.duration
            ),
            *control_metrics(check.controls),
            *headroom_metrics(check.headroom),
        ]
        self._families = tuple(families)

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def serve(
    listen: str,
    check: Callable[[], Check],
    interval: float,
    stop: threading.Event,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """Serve /metrics on `listen` (ADDRESS:PORT), running `check` now and every `interval`
    seconds until `stop` is set; `say` hears where."""
    address, port = listen_address(listen)
    collector = Exported()
    collector.update(check())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    try:
        server, thread = start_http_server(port, address, registry)
    except OSError as error:
        raise ListenError(f"cannot listen on {listen}: {error.strerror or error}") from None
    say(f"Serving metrics on http://{address}:{port}/metrics")
    try:
        while not stop.wait(interval):
            collector.update(check())
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
