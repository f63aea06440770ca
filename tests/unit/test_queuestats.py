"""The PBX's queue-stats job, run for real (sh and awk) on a queue_log as Asterisk writes it:
calls of the last 15 minutes counted by queue and outcome against each skill group's
service level, older ones and other queues left out, the file for node_exporter replaced
whole."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ccmsctl.artifacts import Placement
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.monitoring.names import TEXTFILE_DIR
from ccmsctl.compile.queuestats import JOB, QUEUE_LOG, SCRIPT
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE
from tests.unit.test_metrics import samples


def test_queue_stats_counts_each_outcome_against_the_groups_target(tmp_path: Path) -> None:
    artifacts = compile_estate(
        load_estate(EXAMPLE).estate, placement=Placement(roots={"sh1-pbx-1": str(tmp_path)})
    )
    files = artifacts.hosts["sh1-pbx-1"]
    assert f"* * * * * root /bin/sh {tmp_path}/{SCRIPT}" in files[JOB].decode()
    now = int(time.time())
    log = tmp_path / QUEUE_LOG
    log.parent.mkdir(parents=True)
    log.write_text(
        "".join(
            f"{when}|{call}|{queue}|{agent}|{event}|{data}\n"
            for when, call, queue, agent, event, data in [
                (now - 60, "c1", "sales-zh", "NONE", "ENTERQUEUE", "|+8613800000001|1"),
                (now - 50, "c1", "sales-zh", "PJSIP/1001", "CONNECT", "12|c1|3"),  # in time
                (now - 40, "c2", "sales-zh", "PJSIP/1001", "CONNECT", "25|c2|4"),  # late (20 s)
                (now - 30, "c3", "sales-zh", "NONE", "ABANDON", "1|1|8"),
                (now - 20, "c4", "claims-zh", "NONE", "EXITWITHTIMEOUT", "1|1|300"),
                (now - 10, "c5", "claims-zh", "PJSIP/1002", "CONNECT", "25|c5|2"),  # in time (30 s)
                (now - 2000, "c0", "sales-zh", "NONE", "ABANDON", "1|1|5"),  # too old
                (now - 5, "c6", "not-ours", "NONE", "ABANDON", "1|1|5"),
            ]
        )
    )
    script = tmp_path / SCRIPT
    script.parent.mkdir(parents=True)
    script.write_bytes(files[SCRIPT])
    done = subprocess.run(
        ["/bin/sh", str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / TEXTFILE_DIR / "ccms_queues.prom"
    found = samples(written.read_text())

    def calls(queue: str, outcome: str) -> float:
        return found[("ccms_queue_calls", (("outcome", outcome), ("queue", queue)))]

    assert (calls("sales-zh", "in_time"), calls("sales-zh", "late"), calls("sales-zh", "lost")) == (
        1,
        1,
        1,
    )
    assert (calls("claims-zh", "in_time"), calls("claims-zh", "lost")) == (1, 1)
    assert calls("billing-zh", "lost") == 0
    waited = {
        dict(labels)["queue"]: v
        for (name, labels), v in found.items()
        if name == "ccms_queue_waited_seconds"
    }
    assert waited["sales-zh"] == 12 + 25 + 8 and waited["claims-zh"] == 300 + 25
    assert not [labels for _, labels in found if ("queue", "not-ours") in labels]
    assert [p.name for p in written.parent.iterdir()] == ["ccms_queues.prom"]
