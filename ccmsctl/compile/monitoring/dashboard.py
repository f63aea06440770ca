"""A Grafana dashboard for the estate (`grafana/<estate>.json`, import it in Grafana):
sites (edges and PBXs answering, calls up), trunks (channels in use against each limit,
carrier peers down), queues (each skill group's service level against its own target) and
ccmsctl (applies, drift, failing controls). Every query reads the metrics the generated
prometheus.yml scrapes; the data source is chosen at import."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ccmsctl.compile.monitoring import names as n
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.skillgroup import SkillGroup

FOLDER = "grafana"
WIDTH = 24  # Grafana's grid
SOURCE = {"type": "prometheus", "uid": "${datasource}"}


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    threshold: float | None = None  # drawn as a line: a limit or a target
    width: int = 12


def _rows(estate: Estate) -> list[tuple[str, list[Panel]]]:
    groups = sorted(estate.of(SkillGroup), key=lambda g: g.name)
    return [
        (
            "Sites",
            [
                Panel(
                    "Edges answering", ((f'sum by (site) (up{{job="{n.EDGE_JOB}"}})', "{{site}}"),)
                ),
                Panel(
                    "PBXs answering", ((f'sum by (site) (up{{job="{n.PBX_JOB}"}})', "{{site}}"),)
                ),
                Panel("Calls up on the PBXs", ((f"sum by (site) ({n.PBX_CHANNELS})", "{{site}}"),)),
                Panel("Edges holding a VIP", ((f"sum by (site) ({n.VRRP_MASTER})", "{{site}}"),)),
                Panel(
                    "Destinations the edges find down (PBXs, burst nodes, carriers)",
                    ((f"count by (site) ({n.DESTINATION_UP} == 0)", "{{site}}"),),
                    width=24,
                ),
            ],
        ),
        (
            "Trunks",
            [
                Panel(
                    "Trunk channels in use",
                    ((n.TRUNK_UTILISATION, "{{trunk}}"),),
                    unit="percentunit",
                    threshold=1.0,
                ),
                Panel(
                    "Carrier peers down",
                    ((f"count by (trunk) ({n.TRUNK_PEER_UP} == 0)", "{{trunk}}"),),
                ),
            ],
        ),
        (
            "Queues",
            [
                Panel(
                    f"Service level: {group.name}",
                    ((f'{n.QUEUE_SERVICE_LEVEL}{{queue="{group.name}"}}', "{{site}}"),),
                    unit="percentunit",
                    threshold=group.service_level.percent / 100,
                    width=8,
                )
                for group in groups
            ],
        ),
        (
            "ccmsctl",
            [
                Panel("Last apply succeeded", ((n.APPLY_SUCCESS, "apply"),), kind="stat", width=6),
                Panel(
                    "Since the last good apply",
                    ((f"time() - {n.APPLY_SUCCESS_TIMESTAMP}", "age"),),
                    unit="s",
                    kind="stat",
                    width=6,
                ),
                Panel("Drifted files per host", ((f"{n.DRIFT_FILES} > 0", "{{host}}"),), width=6),
                Panel(
                    "Failing compliance controls",
                    ((f"{n.CONTROL_FAILING} == 1", "{{control}}"),),
                    kind="stat",
                    width=6,
                ),
            ],
        ),
    ]


def _panel(panel: Panel, pid: int, x: int, y: int) -> dict[str, object]:
    defaults: dict[str, object] = {"unit": panel.unit}
    if panel.threshold is not None:
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [
                {"color": "green", "value": None},
                {"color": "red", "value": panel.threshold},
            ],
        }
        defaults["custom"] = {"thresholdsStyle": {"mode": "line"}}
    return {
        "id": pid,
        "type": panel.kind,
        "title": panel.title,
        "datasource": SOURCE,
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": 8},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": SOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(panel.queries)
        ],
    }


def _layout(rows: Sequence[tuple[str, list[Panel]]]) -> list[dict[str, object]]:
    """Rows one under the other; panels left to right, wrapping at Grafana's 24 columns."""
    found: list[dict[str, object]] = []
    y, pid = 0, 1
    for title, panels in rows:
        found.append(
            {
                "id": pid,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"x": 0, "y": y, "w": WIDTH, "h": 1},
                "panels": [],
            }
        )
        pid, y, x = pid + 1, y + 1, 0
        for panel in panels:
            if x + panel.width > WIDTH:
                x, y = 0, y + 8
            found.append(_panel(panel, pid, x, y))
            pid, x = pid + 1, x + panel.width
        y += 8
    return found


def compile_dashboard(estate: Estate) -> dict[str, bytes]:
    info = estate.of(EstateInfo)
    name = info[0].name if info else "estate"
    dashboard = {
        "title": f"Contact center: {name}",
        "uid": f"ccms-{name}"[:40],
        "tags": ["ccmsctl"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                }
            ]
        },
        "annotations": {"list": []},
        "panels": _layout(_rows(estate)),
    }
    text = json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {f"{FOLDER}/{name}.json": text.encode()}
