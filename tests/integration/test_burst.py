"""Cloud burst, for real in the lab: the example with each Shanghai PBX taking one call at a
time (its host's `channels`: the dialplan refuses one more, unanswered, with 503) and one
node of cn-east-burst scaled out. Six calls held at once to a Shanghai number: the owning
site's two PBXs answer two; the twin's two PBXs answer two more; the burst node (a
loopback host: the lab stands for the cloud provider) answers the overflow. Scaling back in
takes the node out of the edges' dispatcher sets.

Runs on the session's lab (tests/conftest.py) after the call tests, with Asterisk.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import EXAMPLE, ccmsctl
from tests.integration.realworld import require
from tests.integration.test_calls import apply, lab  # noqa: F401 (the fixture)

DID = "+862161230005"
CALLS = 6


def test_burst_nodes_answer_what_the_sites_cannot(lab: Path, tmp_path: Path) -> None:  # noqa: F811
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    sites = estate / "sites/shanghai.yaml"
    sites.write_text(sites.read_text().replace("channels: 400", "channels: 1"))
    scaled = ccmsctl("burst", "scale", "cn-east-burst", str(estate), "--nodes", "1", cwd=lab)
    assert scaled.returncode == 0, scaled.stdout + scaled.stderr
    up = ccmsctl("lab", "up", str(estate), cwd=lab)  # the provider makes the node
    assert up.returncode == 0 and "cn-east-burst-1" in up.stdout, up.stdout + up.stderr
    apply(lab, estate)

    state = json.loads((lab / ".ccmsctl/lab/lab.json").read_text())
    hosts, peers = state["addresses"]["hosts"], state["addresses"]["peers"]
    node = next(h["address"] for h in state["hosts"] if h["name"] == "cn-east-burst-1")
    trace = tmp_path / "calls.msg"
    done = subprocess.run(
        [
            require("sipp"),
            "-sf",
            str(Path(__file__).parents[2] / "ccmsctl/lab/sipp/drill_uac.xml"),
            "-i",
            peers["ct-sh"][0],
            "-p",
            "5060",
            "-s",
            DID,
            f"{hosts['sh1-edge-1']}:5060",
            "-r",
            "20",
            "-m",
            str(CALLS),
            "-l",
            str(CALLS),
            "-d",
            "6000",
            "-nostdin",
            "-trace_msg",
            "-message_file",
            str(trace),
            "-recv_timeout",
            "20000",
            "-timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    answered = [
        line.split("sip:", 1)[1].split(":", 1)[0]
        for block in trace.read_text().split("SIP/2.0 200 OK")[1:]
        for line in block.splitlines()[:15]
        if line.startswith("Contact:")
    ]
    pbxs = {hosts[name] for name in ("sh1-pbx-1", "sh1-pbx-2", "sh2-pbx-1", "sh2-pbx-2")}
    invites = [a for a in answered if a in pbxs | {node}]
    assert sorted(invites) == sorted([*pbxs, node, node]), answered

    # scaled back in, the edges no longer send it calls
    back = ccmsctl("burst", "scale", "cn-east-burst", str(estate), "--nodes", "0", cwd=lab)
    assert back.returncode == 0, back.stdout + back.stderr
    plan = ccmsctl("plan", str(estate), "--diff", cwd=lab)
    assert f"-11 sip:{node}:5060 0 5 duid=cn-east-burst-1" in plan.stdout, plan.stdout[-3000:]
