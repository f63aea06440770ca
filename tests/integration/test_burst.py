"""Cloud burst, for real in the lab: the example with each Shanghai PBX taking one call at a
time (its host's `channels`: the dialplan refuses one more, unanswered, with 503) and one
node of cn-east-burst scaled out. Six calls held at once to a Shanghai number: the owning
site's two PBXs answer two; the twin's two PBXs answer two more; the burst node (a
loopback host: the lab stands for the cloud provider) answers the overflow. Scaled back in
while its two calls are up: the edges drop it, apply waits for its calls to end, then stops
it and removes its files; every call ends normally.

Runs on the session's lab (tests/conftest.py) after the call tests, with Asterisk.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from tests.conftest import EXAMPLE, ccmsctl
from tests.integration.realworld import require
from tests.integration.test_calls import apply, lab  # noqa: F401 (the fixture)

DID = "+862161230005"
CALLS = 6
HOLD_MS = 20000  # long enough to be up on the node while apply scales it in


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
    node = next(h for h in state["hosts"] if h["name"] == "cn-east-burst-1")
    trace = tmp_path / "calls.msg"
    callers = subprocess.Popen(
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
            str(HOLD_MS),
            "-nostdin",
            "-trace_msg",
            "-message_file",
            str(trace),
            "-recv_timeout",
            "30000",
            "-timeout",
            "90",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while len(answered(trace)) < CALLS and time.monotonic() < deadline:
            time.sleep(0.2)
        pbxs = {hosts[name] for name in ("sh1-pbx-1", "sh1-pbx-2", "sh2-pbx-1", "sh2-pbx-2")}
        assert sorted(answered(trace)) == sorted([*pbxs, node["address"], node["address"]])

        # scaled in while two calls are up on the node: the edges stop sending it calls,
        # then apply waits for its calls to end before it stops it and removes its files
        back = ccmsctl("burst", "scale", "cn-east-burst", str(estate), "--nodes", "0", cwd=lab)
        assert back.returncode == 0, back.stdout + back.stderr
        plan = ccmsctl("plan", str(estate), "--diff", cwd=lab)
        assert "1 host(s) to drain and retire" in plan.stdout, plan.stdout[-3000:]
        retired = ccmsctl("apply", str(estate), "--auto-approve", cwd=lab)
        # the node still had both calls when the drain began, and let them end
        drained = "cn-east-burst-1: drained (2 calls ended first), files removed"
        assert drained in retired.stdout, retired.stdout
        assert callers.wait(timeout=60) == 0  # every call, the node's too, ended normally
    finally:
        if callers.poll() is None:
            callers.kill()
            callers.wait(timeout=10)
    assert not (Path(node["root"]) / "etc/asterisk/asterisk.conf").exists()
    again = ccmsctl("plan", str(estate), cwd=lab)
    assert "No changes." in again.stdout, again.stdout[-2000:]


def answered(trace: Path) -> list[str]:
    """The address in the Contact of each 200 answering an INVITE, as SIPp traced them."""
    if not trace.exists():
        return []
    found = []
    for block in trace.read_text(errors="replace").split("SIP/2.0 200 OK")[1:]:
        head = [line.strip() for line in block.splitlines()[:20]]
        cseq = next((line for line in head if line.startswith("CSeq:")), "")
        contact = next((line for line in head if line.startswith("Contact:")), "")
        if cseq.endswith("INVITE") and "sip:" in contact:
            found.append(contact.split("sip:", 1)[1].split(":", 1)[0].split(">", 1)[0])
    return found
