"""Metrics for node_exporter's textfile collector: one `.prom` file per kind of run
(`ccmsctl_plan.prom`, `ccmsctl_apply.prom`), each replaced atomically, so a scrape never
reads half a file; the last successful apply's time survives a failed one."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import write_to_textfile
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from ccmsctl.compile.monitoring import names as n
from ccmsctl.errors import UserError
from ccmsctl.metrics.runs import Families

PLAN_FILE = "ccmsctl_plan.prom"
APPLY_FILE = "ccmsctl_apply.prom"


class MetricsWriteError(UserError):
    """The metrics folder cannot be written."""

    code = "E1501"


def write_metrics(folder: Path, name: str, families: Iterable[Metric]) -> Path:
    """Write `families` to `folder`/`name` atomically (a temporary file, then a rename)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Families(families))
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), registry)
    except OSError as error:
        raise MetricsWriteError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def last_apply_success(folder: Path) -> float | None:
    """When an apply last succeeded, as the apply file in `folder` says (None: never)."""
    try:
        text = (folder / APPLY_FILE).read_text()
    except (FileNotFoundError, NotADirectoryError):
        return None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == n.APPLY_SUCCESS_TIMESTAMP:
                return float(sample.value)
    return None
