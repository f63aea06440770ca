"""The Grafana dashboard compiled for the example estate: a dashboard Grafana imports (its
panels on the 24-column grid without overlap, unique ids, a Prometheus data source chosen
at import), one service-level panel per skill group at the group's own target, and every
query reading a metric the estate's scrape jobs or rules produce."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ccmsctl.compile.monitoring import names
from ccmsctl.load.estate import load_estate
from ccmsctl.model.skillgroup import SkillGroup
from tests.conftest import EXAMPLE

KNOWN = {value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)}
KNOWN |= {"up"}


def _dashboard(example_build: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((example_build / "grafana/lotus-care.json").read_text())
    return data


def test_dashboard_is_laid_out_on_the_grid(example_build: Path) -> None:
    dashboard = _dashboard(example_build)
    panels = dashboard["panels"]
    assert isinstance(panels, list)
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24
        area = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not area & cells, f"panel {panel['title']} overlaps another"
        cells |= area
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"]
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]  # type: ignore[index]


def test_each_skill_group_has_its_service_level_panel(example_build: Path) -> None:
    groups = load_estate(EXAMPLE).estate.of(SkillGroup)
    panels = {p["title"]: p for p in _dashboard(example_build)["panels"]}  # type: ignore[attr-defined]
    for group in groups:
        panel = panels[f"Service level: {group.name}"]
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[-1]["value"] == group.service_level.percent / 100
        assert f'queue="{group.name}"' in panel["targets"][0]["expr"]


def test_every_query_reads_a_known_metric(example_build: Path) -> None:
    for panel in _dashboard(example_build)["panels"]:  # type: ignore[attr-defined]
        for target in panel.get("targets", []):
            metrics = set(re.findall(r"\b([a-z_]+_[a-z_]+|up)\b(?![(a-z_])", target["expr"]))
            metrics -= {"by", "site", "trunk", "host", "queue", "control", "job"}
            assert metrics and metrics <= KNOWN, (panel["title"], metrics - KNOWN)
