"""What Prometheus needs to watch the estate: `prometheus/prometheus.yml` (scrape jobs,
rule files), `targets/*.json` (file_sd: every edge, PBX, burst node, node_exporter, TLS
listener and network device, labelled host, site, twin_side and role), `rules/*.yml`, and
`alertmanager-route.yml`, the route to paste into Alertmanager's configuration.

Paths inside are relative to prometheus.yml, so the folder can be copied anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ccmsctl.compile.header import header
from ccmsctl.compile.monitoring import names as n
from ccmsctl.compile.monitoring.dashboard import compile_dashboard
from ccmsctl.compile.monitoring.rules import (
    Rule,
    ccmsctl_rules,
    queue_recordings,
    scrape_interval,
    threshold_rules,
    trunk_recordings,
    voice_rules,
)
from ccmsctl.compile.yamltext import Value, dump
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.site import Host, Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.types import shown as duration

FOLDER = "prometheus"


@dataclass(frozen=True)
class Watched:
    """A host as Prometheus labels it."""

    host: str
    address: str
    site: str
    twin_side: str  # primary, standby (active-standby), secondary (active-active), none
    role: str  # edge, pbx, burst (a burst pool's node: a PBX)

    def labels(self) -> dict[str, str]:
        return {
            "host": self.host,
            "site": self.site,
            "twin_side": self.twin_side,
            "role": self.role,
        }


def twin_side(estate: Estate, site: str) -> str:
    pair, _ = estate.twin_of(site)
    return pair.side_of(site) if pair is not None else "none"


def watched_hosts(estate: Estate, burst: Sequence[tuple[str, Host]]) -> list[Watched]:
    """Every host of every site by role, and each running burst node (`burst`: the site it
    serves first, and the node as a host)."""
    found = [
        Watched(host.name, str(host.address), site.name, twin_side(estate, site.name), role)
        for site in sorted(estate.of(Site), key=lambda s: s.name)
        for host in sorted(site.hosts, key=lambda h: h.name)
        for role in sorted(host.roles)
    ]
    found += [
        Watched(host.name, str(host.address), site, twin_side(estate, site), "burst")
        for site, host in burst
    ]
    return found


def _targets(groups: list[tuple[str, dict[str, str]]]) -> bytes:
    entries = [{"targets": [target], "labels": labels} for target, labels in groups]
    return (json.dumps(entries, indent=2, sort_keys=True) + "\n").encode()


def compile_targets(estate: Estate, burst: Sequence[tuple[str, Host]]) -> dict[str, bytes]:
    hosts = watched_hosts(estate, burst)
    edges = [w for w in hosts if w.role == "edge"]
    pbxs = [w for w in hosts if w.role in ("pbx", "burst")]
    nodes = {w.host: w for w in hosts}  # one node_exporter per host, whatever its roles
    tls_sites = {site.name for site in estate.of(Site) if site.tls is not None}
    devices = sorted(estate.of(NetworkDevice), key=lambda d: d.name)
    return {
        f"{FOLDER}/targets/edge.json": _targets(
            [(f"{w.address}:{n.EDGE_METRICS_PORT}", w.labels()) for w in edges]
        ),
        f"{FOLDER}/targets/pbx.json": _targets(
            [(f"{w.address}:{n.PBX_METRICS_PORT}", w.labels()) for w in pbxs]
        ),
        f"{FOLDER}/targets/node.json": _targets(
            [
                (f"{w.address}:{n.NODE_METRICS_PORT}", w.labels() | {"role": w.role})
                for w in sorted(nodes.values(), key=lambda w: w.host)
            ]
        ),
        f"{FOLDER}/targets/tls.json": _targets(
            [(f"{w.address}:5061", w.labels()) for w in edges if w.site in tls_sites]
        ),
        f"{FOLDER}/targets/device.json": _targets(
            [
                (
                    str(d.management),
                    {
                        "host": d.name,
                        "site": d.site,
                        "twin_side": twin_side(estate, d.site),
                        "role": "device",
                        "platform": d.platform,
                    },
                )
                for d in devices
            ]
        ),
    }


def _probe_job(job: str, module: str, exporter: str, interval: str) -> dict[str, Value]:
    """A job whose targets an exporter beside Prometheus probes (blackbox, snmp)."""
    return {
        "job_name": job,
        "scrape_interval": interval,
        "metrics_path": "/probe" if job == n.TLS_JOB else "/snmp",
        "params": {"module": [module]},
        "file_sd_configs": [{"files": [f"targets/{job.removeprefix('ccms-')}.json"]}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def compile_config(estate: Estate) -> bytes:
    interval = duration(scrape_interval(estate))
    info = estate.of(EstateInfo)
    jobs: list[Value] = [
        {
            "job_name": job,
            "scrape_interval": interval,
            "file_sd_configs": [{"files": [f"targets/{job.removeprefix('ccms-')}.json"]}],
        }
        for job in (n.EDGE_JOB, n.PBX_JOB, n.NODE_JOB)
    ]
    jobs += [
        _probe_job(n.TLS_JOB, "tls_connect", n.BLACKBOX_EXPORTER, interval),
        _probe_job(n.DEVICE_JOB, "if_mib", n.SNMP_EXPORTER, interval),
        {
            "job_name": n.CCMSCTL_JOB,
            "scrape_interval": interval,
            "honor_labels": True,
            "static_configs": [{"targets": [n.CCMSCTL_EXPORTER]}],
        },
    ]
    config: dict[str, Value] = {
        "global": {
            "scrape_interval": interval,
            "evaluation_interval": interval,
            "external_labels": {"estate": info[0].name if info else "estate"},
        },
        "rule_files": ["rules/*.yml"],
        "scrape_configs": jobs,
    }
    sources = ["Estate", *(f"Alerting/{a.name}" for a in estate.of(Alerting))]
    intro = (
        f"# {header(sources)}\n#\n"
        "# Scrapes the estate's edges, PBXs, hosts, TLS listeners and network devices (the\n"
        "# targets/ files, which compile rewrites as hosts come and go) and evaluates rules/.\n"
        "# Add your Alertmanager under `alerting:` and merge alertmanager-route.yml into it.\n"
    )
    return (intro + dump(config)).encode()


def _rules_file(comment: str, groups: Sequence[tuple[str, list[Rule], str | None]]) -> bytes:
    body: dict[str, Value] = {
        "groups": [
            {"name": name, "rules": [rule.as_yaml(receiver) for rule in rules]}
            for name, rules, receiver in groups
            if rules
        ]
    }
    return (comment + dump(body)).encode()


def compile_rules(estate: Estate) -> dict[str, bytes]:
    alerting = sorted(estate.of(Alerting), key=lambda a: a.name)
    receiver = alerting[0].receiver if alerting else None
    sources = [
        *(f"Trunk/{t.name}" for t in estate.of(Trunk)),
        *(f"SkillGroup/{g.name}" for g in estate.of(SkillGroup)),
        *(f"Alerting/{a.name}" for a in alerting),
    ]
    comment = f"# {header(sources)}\n"
    files = {
        f"{FOLDER}/rules/voice.yml": _rules_file(
            comment,
            [
                ("ccms-trunk-utilisation", trunk_recordings(estate), None),
                ("ccms-queue-service-level", queue_recordings(estate), None),
                ("ccms-voice", voice_rules(estate), receiver),
            ],
        ),
        f"{FOLDER}/rules/ccmsctl.yml": _rules_file(
            comment, [("ccms-ccmsctl", ccmsctl_rules(estate), receiver)]
        ),
    }
    thresholds = [
        (f"ccms-thresholds-{a.name}", rules, a.receiver) for a, rules in threshold_rules(estate)
    ]
    if any(rules for _, rules, _ in thresholds):
        files[f"{FOLDER}/rules/thresholds.yml"] = _rules_file(comment, thresholds)
    return files


def compile_route(estate: Estate) -> bytes:
    """The Alertmanager route: each receiver gets the alerts labelled with it, grouped by
    alert and site; pages repeat hourly, tickets every 12 hours."""
    receivers = sorted({a.receiver for a in estate.of(Alerting)})
    routes: list[Value] = [
        {
            "matchers": [f'receiver="{receiver}"'],
            "receiver": receiver,
            "group_by": ["alertname", "site"],
            "routes": [
                {"matchers": ['severity="page"'], "receiver": receiver, "repeat_interval": "1h"}
            ],
            "repeat_interval": "12h",
        }
        for receiver in receivers
    ]
    comment = (
        f"# {header(f'Alerting/{a.name}' for a in estate.of(Alerting))}\n"
        "#\n# Merge under your Alertmanager configuration's `route.routes`; the receivers\n"
        "# themselves (pager keys, addresses) stay in Alertmanager's own configuration.\n"
    )
    return (comment + dump({"routes": routes})).encode()


def compile_monitoring(estate: Estate, burst: Sequence[tuple[str, Host]]) -> dict[str, bytes]:
    """Every file of the prometheus/ folder, and the Grafana dashboard."""
    files = compile_targets(estate, burst) | compile_rules(estate)
    files[f"{FOLDER}/prometheus.yml"] = compile_config(estate)
    files |= compile_dashboard(estate)
    if estate.of(Alerting):
        files[f"{FOLDER}/alertmanager-route.yml"] = compile_route(estate)
    return dict(sorted(files.items()))
