"""ccmsctl's own metrics: what a plan, an apply and a drift check found, as Prometheus
metric families (the `ccms_` names the generated rules read), written for node_exporter's
textfile collector after each run and served by `ccmsctl exporter`.

Plain values in, metric families out: nothing here reads hosts or the estate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ccmsctl.compile.monitoring import names as n


@dataclass(frozen=True)
class PlanRun:
    """A plan or drift check: when it ended, how long it took, whether it could read every
    host, what it would change, and per host how many deployed files drifted."""

    finished: float
    duration: float
    success: bool
    changes: int = 0
    drift: Mapping[str, int] = field(default_factory=dict)  # host -> drifted files


@dataclass(frozen=True)
class ApplyRun:
    finished: float
    duration: float
    success: bool
    hosts_changed: int
    last_success: float | None  # the last apply that succeeded (this one, or before)


@dataclass(frozen=True)
class Headroom:
    """Spare capacity of one trunk, site or skill group: what it has over what its
    forecast needs, less one (0.2: 20% to spare; below 0: short)."""

    kind: str  # trunk, site, skill_group
    name: str
    ratio: float


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def plan_metrics(run: PlanRun) -> list[Metric]:
    return [
        _gauge(n.PLAN_TIMESTAMP, "When the last plan ended.", run.finished),
        _gauge(n.PLAN_SUCCESS, "1 if the last plan read every host, 0 if it failed.", run.success),
        _gauge(n.PLAN_DURATION, "How long the last plan took.", run.duration),
        _gauge(n.PLAN_CHANGES, "Files and devices the last plan would change.", run.changes),
        *drift_metrics(run),
    ]


def drift_metrics(run: PlanRun) -> list[Metric]:
    """Drift per host, from a plan or the exporter's check; nothing when the check failed
    (an unread host has no known drift, and the alert must not clear for it)."""
    if not run.success:
        return []
    drift = GaugeMetricFamily(
        n.DRIFT_FILES, "Deployed files that differ from what ccmsctl applied.", labels=["host"]
    )
    for host, files in sorted(run.drift.items()):
        drift.add_metric([host], files)
    return [drift, _gauge(n.DRIFT_TIMESTAMP, "When drift was last checked.", run.finished)]


def apply_metrics(run: ApplyRun) -> list[Metric]:
    found: list[Metric] = [
        _gauge(n.APPLY_TIMESTAMP, "When the last apply ended.", run.finished),
        _gauge(n.APPLY_SUCCESS, "1 if the last apply succeeded, 0 if it failed.", run.success),
        _gauge(n.APPLY_DURATION, "How long the last apply took.", run.duration),
        _gauge(n.APPLY_HOSTS_CHANGED, "Hosts the last apply changed.", run.hosts_changed),
    ]
    if run.last_success is not None:
        found.append(
            _gauge(n.APPLY_SUCCESS_TIMESTAMP, "When an apply last succeeded.", run.last_success)
        )
    return found


def control_metrics(controls: Mapping[str, bool]) -> list[Metric]:
    """`controls`: control id -> failing."""
    family = GaugeMetricFamily(
        n.CONTROL_FAILING, "1 while a compliance control fails.", labels=["control"]
    )
    for control, failing in sorted(controls.items()):
        family.add_metric([control], failing)
    return [family]


def headroom_metrics(headroom: Iterable[Headroom]) -> list[Metric]:
    family = GaugeMetricFamily(
        n.HEADROOM,
        "Capacity over what the forecast needs, less one (below 0: short).",
        labels=["kind", "name"],
    )
    for item in sorted(headroom, key=lambda h: (h.kind, h.name)):
        family.add_metric([item.kind, item.name], item.ratio)
    return [family]


class Families(Collector):
    """A fixed list of metric families, as a registry collects them."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = tuple(families)

    def collect(self) -> Iterator[Metric]:
        yield from self._families
