"""Each queue's calls on a PBX, counted from Asterisk's queue_log for Prometheus: a script
run every minute by cron that writes, for node_exporter's textfile collector, how many calls
left each queue in the last 15 minutes answered within the skill group's service level,
answered later, or lost (abandoned, timed out, queue empty). The rules add them up over the
PBXs into each group's service level (ccms_queue_service_level_ratio).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ccmsctl.compile.header import header
from ccmsctl.compile.monitoring import names
from ccmsctl.compile.render import Renderer
from ccmsctl.model.skillgroup import SkillGroup

SCRIPT = "usr/local/lib/ccmsctl/queue-stats"
JOB = "etc/cron.d/ccmsctl-queue-stats"
WINDOW_SECONDS = 900
QUEUE_LOG = "var/log/asterisk/queue_log"  # Asterisk's default, in its log folder


@dataclass(frozen=True)
class QueueTarget:
    name: str
    within: int  # seconds: answered this soon counts as in time


def compile_queue_stats(
    groups: Iterable[SkillGroup], renderer: Renderer, *, root: str = ""
) -> dict[str, bytes]:
    """The script and its cron job for the queues of `groups` on a PBX under `root`."""
    queues = [
        QueueTarget(g.name, int(g.service_level.within.total_seconds()))
        for g in sorted(groups, key=lambda g: g.name)
    ]
    if not queues:
        return {}
    context = {
        "header": header(f"SkillGroup/{q.name}" for q in queues),
        "queues": queues,
        "window": WINDOW_SECONDS,
        "queue_log": f"{root}/{QUEUE_LOG}",
        "textfile": f"{root}/{names.TEXTFILE_DIR}",
        "metric": names.QUEUE_CALLS,
        "waited": names.QUEUE_WAITED,
        "script": f"{root}/{SCRIPT}",
    }
    return {
        SCRIPT: renderer.render("cron/queue-stats.sh.j2", context),
        JOB: renderer.render("cron/queue-stats.j2", context),
    }
