"""Prometheus rules from the estate: the built-in alerts a contact center needs (edges and
PBXs down, a carrier not answering, a trunk full, a queue missing its service level, a twin
pair failing over, applies failing or stale, drift, a failing compliance control, a TLS
certificate expiring, a recording disk filling) and the estate's own `Alerting` thresholds.

Every alert carries `severity`, `site` (from the series, or the sites of what it watches)
and a `runbook`: what is wrong and what to do. Waiting periods follow the scrape interval:
a target is down after three missed scrapes, not one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ccmsctl.compile.monitoring import names as n
from ccmsctl.compile.yamltext import Value
from ccmsctl.model.alerting import Alerting, Threshold
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import alert_name
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.types import shown as duration

DEFAULT_INTERVAL = timedelta(seconds=30)
SITE = "{{ $labels.site }}"
APPLY_MAX_AGE = timedelta(days=7)
CERT_WARNING = timedelta(days=14)


@dataclass(frozen=True)
class Rule:
    name: str  # the alert (CamelCase) or the recorded series
    expr: str
    wait: timedelta = timedelta(0)
    severity: str = "ticket"  # page, ticket, info
    site: str = SITE
    summary: str = ""
    runbook: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)  # besides severity, site
    record: bool = False  # a recording rule: `name` is the series it records

    def as_yaml(self, receiver: str | None) -> dict[str, Value]:
        """The rule as Prometheus reads it; an alert's `receiver` label routes it."""
        if self.record:
            return {"record": self.name, "expr": self.expr, "labels": dict(self.labels)}
        rule: dict[str, Value] = {"alert": self.name, "expr": self.expr}
        if self.wait:
            rule["for"] = duration(self.wait)
        rule["labels"] = {
            "severity": self.severity,
            "site": self.site,
            **self.labels,
            **({"receiver": receiver} if receiver else {}),
        }
        rule["annotations"] = {"summary": self.summary, "runbook": self.runbook}
        return rule


def scrape_interval(estate: Estate) -> timedelta:
    """The estate's scrape (and rule evaluation) interval: the shortest its `Alerting`
    documents ask for."""
    return min((a.scrape_interval for a in estate.of(Alerting)), default=DEFAULT_INTERVAL)


def voice_rules(estate: Estate) -> list[Rule]:
    """Edges, PBXs, trunks, queues, failover, certificates and recording disks."""
    down = 3 * scrape_interval(estate)
    return [
        Rule(
            "CcmsEdgeDown",
            f'up{{job="{n.EDGE_JOB}"}} == 0',
            down,
            "page",
            summary="Edge {{ $labels.host }} of site {{ $labels.site }} does not answer",
            runbook="Kamailio on the edge is down or unreachable. VRRP moves the VIP to the "
            "site's other edge: check that it holds it (ip addr), then look at the edge: "
            "systemctl status kamailio, journalctl -u kamailio, kamailio -c on its config.",
        ),
        Rule(
            "CcmsPbxDown",
            f'up{{job="{n.PBX_JOB}"}} == 0',
            down,
            "page",
            summary="PBX {{ $labels.host }} of site {{ $labels.site }} does not answer",
            runbook="Asterisk on the PBX is down or unreachable. The edges send its calls to "
            "the site's other PBXs and then the twin site's: check their channels, then "
            "systemctl status asterisk and /var/log/asterisk/messages on the PBX.",
        ),
        Rule(
            "CcmsTrunkOptionsFailing",
            f"{n.TRUNK_PEER_UP} == 0",
            down,
            "page",
            summary="Carrier peer {{ $labels.peer }} of trunk {{ $labels.trunk }} does not "
            "answer OPTIONS from edge {{ $labels.host }}",
            runbook="The edge stopped sending calls to this peer. Check the route to it from "
            "the edge (sipsak or sngrep on the edge), the carrier's status page, and whether "
            "the trunk's other peers carry the calls; open a ticket with the carrier.",
        ),
        *(_trunk_full(trunk, down) for trunk in sorted(estate.of(Trunk), key=lambda t: t.name)),
        *(
            _queue_service_level(group, 30 * scrape_interval(estate))
            for group in sorted(estate.of(SkillGroup), key=lambda g: g.name)
        ),
        Rule(
            "CcmsFailover",
            f"time() - {n.VRRP_CHANGE} < 900",
            severity="ticket",
            summary="The VIP of site {{ $labels.site }} moved ({{ $labels.host }} changed "
            "VRRP state)",
            runbook="An edge lost or took the site's VIP in the last 15 minutes. Find why the "
            "other edge let it go (CcmsEdgeDown, its Kamailio check, the link), and fail back "
            "only once it is healthy.",
        ),
        Rule(
            "CcmsTlsCertificateExpiring",
            f"{n.CERT_EXPIRY} - time() < {int(CERT_WARNING.total_seconds())}",
            down,
            "ticket",
            summary="The TLS certificate of edge {{ $labels.instance }} expires within "
            f"{CERT_WARNING.days} days",
            runbook="Renew the site's certificate, put it where its Site's tls.certificate "
            "reference points (vault or environment), and run ccmsctl apply: the plan shows "
            "the certificate as a changed (sensitive value).",
        ),
        Rule(
            "CcmsRecordingDiskFilling",
            f'predict_linear({n.DISK_AVAILABLE}{{job="{n.NODE_JOB}",role="pbx",'
            'fstype!~"tmpfs|ramfs|overlay|squashfs"}[6h], 86400) < 0',
            timedelta(minutes=30),
            "page",
            summary="A disk of PBX {{ $labels.host }} fills up within a day, before the "
            "nightly purge frees space",
            runbook="Recordings are written faster than the retention purge removes them. "
            "Check the recording folders (du -sh /var/spool/asterisk/monitor/*), legal holds "
            "that stop the purge, and the recording classes' keep; add disk before it fills.",
        ),
    ]


def _trunk_full(trunk: Trunk, wait: timedelta) -> Rule:
    return Rule(
        "CcmsTrunkFull",
        f'{n.TRUNK_UTILISATION}{{trunk="{trunk.name}"}} >= 1',
        wait,
        "page",
        ",".join(trunk.sites),
        labels={"trunk": trunk.name},
        summary=f"Trunk {trunk.name} uses all its {trunk.channels} channels",
        runbook="The carrier refuses calls beyond the trunk's channels. Check for a call "
        "flood (the edges' pike bans), then ask the carrier for channels or move numbers to "
        "another trunk; raise the Trunk's channels once the carrier did.",
    )


def _queue_service_level(group: SkillGroup, wait: timedelta) -> Rule:
    target = group.service_level.percent / 100
    within = int(group.service_level.within.total_seconds())
    return Rule(
        "CcmsQueueServiceLevelLow",
        f'{n.QUEUE_SERVICE_LEVEL}{{queue="{group.name}"}} < {target:g}',
        wait,
        "ticket",
        ",".join(group.sites),
        labels={"queue": group.name},
        summary=f"Skill group {group.name} answers fewer than {group.service_level.percent}% "
        f"of its calls within {within} s",
        runbook="Too few agents for the calls: compare staffed agents with ccmsctl capacity, "
        "check the group's overflow and whether the twin site's agents are logged in.",
    )


def trunk_recordings(estate: Estate) -> list[Rule]:
    """Per trunk, its channels in use over its limit, summed over every edge it reaches;
    the edges of a VIP share their dialogs and each reports them all (`dialogs`: the VIP),
    so they count once."""
    return [
        Rule(
            n.TRUNK_UTILISATION,
            f'sum(max by (dialogs) ({n.TRUNK_CALLS}{{trunk="{trunk.name}"}})) / {trunk.channels}',
            labels={"trunk": trunk.name, "site": ",".join(trunk.sites)},
            record=True,
        )
        for trunk in sorted(estate.of(Trunk), key=lambda t: t.name)
    ]


def queue_recordings(estate: Estate) -> list[Rule]:
    """Per skill group, its service level over every PBX that queues its calls: calls
    answered in time over calls that left the queue (answered or lost), last 15 minutes;
    no value while none did."""
    return [
        Rule(
            n.QUEUE_SERVICE_LEVEL,
            f'sum({n.QUEUE_CALLS}{{queue="{group.name}",outcome="in_time"}}) / '
            f'sum({n.QUEUE_CALLS}{{queue="{group.name}"}}) > -1',
            labels={"queue": group.name, "site": ",".join(group.sites)},
            record=True,
        )
        for group in sorted(estate.of(SkillGroup), key=lambda g: g.name)
    ]


def ccmsctl_rules(estate: Estate) -> list[Rule]:
    """Applies, drift and compliance, from ccmsctl's own metrics."""
    interval = scrape_interval(estate)
    return [
        Rule(
            "CcmsApplyFailed",
            f"{n.APPLY_SUCCESS} == 0",
            severity="ticket",
            site="all",
            summary="The last ccmsctl apply failed",
            runbook="Read the apply's output (the host it failed on, what was rolled back). "
            "Fix the cause, then plan and apply again; the twin site was not touched.",
        ),
        Rule(
            "CcmsApplyTooOld",
            f"time() - {n.APPLY_SUCCESS_TIMESTAMP} > {int(APPLY_MAX_AGE.total_seconds())}",
            severity="info",
            site="all",
            summary=f"No ccmsctl apply succeeded in {APPLY_MAX_AGE.days} days",
            runbook="The estate's main branch may not be what runs: run ccmsctl plan; if it "
            "shows changes, apply them or find what blocks the pipeline.",
        ),
        Rule(
            "CcmsDriftDetected",
            f"{n.DRIFT_FILES} > 0",
            2 * interval,
            "ticket",
            summary="{{ $value }} deployed file(s) on {{ $labels.host }} differ from what "
            "ccmsctl applied",
            runbook="Someone changed a generated file by hand. Run ccmsctl plan --diff to see "
            "it; put the change in the estate (and review it) or apply to put it back.",
        ),
        Rule(
            "CcmsComplianceControlFailing",
            f"{n.CONTROL_FAILING} == 1",
            severity="ticket",
            site="all",
            summary="Compliance control {{ $labels.control }} fails",
            runbook="Run ccmsctl report to see the control's evidence and findings; fix the "
            "estate or record a reviewed Waiver.",
        ),
    ]


def threshold_rules(estate: Estate) -> list[tuple[Alerting, list[Rule]]]:
    """The `Alerting` documents' own thresholds, each an alert named after it."""
    return [
        (alerting, [_threshold(alerting, t) for t in alerting.thresholds])
        for alerting in sorted(estate.of(Alerting), key=lambda a: a.name)
    ]


def _threshold(alerting: Alerting, threshold: Threshold) -> Rule:
    tests: Sequence[str] = [
        *([f"{threshold.metric} > {threshold.above:g}"] if threshold.above is not None else []),
        *([f"{threshold.metric} < {threshold.below:g}"] if threshold.below is not None else []),
    ]
    name = alert_name(threshold.name)
    bound = " or ".join(
        [
            *([f"above {threshold.above:g}"] if threshold.above is not None else []),
            *([f"below {threshold.below:g}"] if threshold.below is not None else []),
        ]
    )
    return Rule(
        name,
        " or ".join(tests),
        threshold.for_,
        threshold.severity,
        summary=f"{threshold.metric} is {bound} ({{{{ $value }}}})",
        runbook=threshold.runbook
        or f"Threshold {threshold.name} of Alerting/{alerting.name}: no runbook given.",
    )
