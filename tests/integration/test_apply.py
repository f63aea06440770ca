"""plan and apply against the lab, with the real Kamailio, SIPp and Ansible: a first apply,
an idempotent second one, drift, stale plans, locks, a config that fails its check, and an
apply killed half-way. The tests share one lab and run in file order."""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccmsctl.apply.health import sip_status
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.metrics.textfile import APPLY_FILE, PLAN_FILE
from ccmsctl.plan.lock import locked
from ccmsctl.plan.state import RECORD
from tests.conftest import EXAMPLE, ccmsctl, wait_for_line
from tests.integration.realworld import invites, served_subject
from tests.unit.test_metrics import samples

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(example_lab: Path) -> Path:
    return example_lab


def root(workdir: Path, host: str) -> Path:
    return workdir / ".ccmsctl" / "lab" / host


def test_first_apply_installs_everything_and_a_call_goes_through(lab: Path) -> None:
    planned = ccmsctl("plan", str(EXAMPLE), "--detailed-exitcode", cwd=lab)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    # every compiled file and file of secrets is added; upkeep: each
    # edge's Kamailio and each PBX's Asterisk to start, each PBX's recording folders to make
    # (the lab runs no node_exporter)
    desired = compile_estate(load_estate(EXAMPLE).estate)
    added = sum(len(files) for files in desired.hosts.values())
    added += sum(len(files) for files in desired.secrets.values())
    asterisk = json.loads((lab / ".ccmsctl/lab/lab.json").read_text())["asterisk"]
    runs = {"kamailio", *(["asterisk"] if asterisk else [])}
    upkeep = sum(
        len([s for s in v.services if s in runs]) + len(v.recording_folders)
        for v in desired.host_vars.values()
    )
    assert planned.stdout.strip().endswith(
        f"Plan: {added} to add, 0 to change, 0 to delete; {upkeep} upkeep steps;"
        f" {len(desired.device_intents)} network devices to change."
    )
    assert planned.stdout.startswith("hk1-edge-1\n")
    assert "  * start kamailio\n" in planned.stdout
    assert "  * make /var/spool/asterisk/recording/" in planned.stdout
    assert "hk1-wan-rtr (juniper_junos at 127.3.2.1:2022)" in planned.stdout
    assert "      set vlans voice vlan-id 210" in planned.stdout
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    lines = applied.stdout.splitlines()
    order = [line for line in lines if line.endswith(": applying")]
    assert order == ["wave 1 (hk-1, sh-2): applying", "wave 2 (sh-1): applying"]
    # each site's devices go with its wave, after its hosts are healthy
    wave_2 = lines.index("wave 2 (sh-1): applying")
    pushed = {
        line.split(":")[0].strip(): n for n, line in enumerate(lines) if ": voice config: " in line
    }
    devices = sorted(compile_estate(load_estate(EXAMPLE).estate).device_intents)
    assert sorted(pushed) == devices  # every device of the example, each of its platforms
    assert {"sh2-pbx-tor", "sh2-rack-b-tor", "hk1-wan-rtr"} <= set(devices)
    assert pushed["sh1-core-sw"] > wave_2 > pushed["sh2-core-sw"]
    assert any(
        re.search(r"hk1-wan-rtr: voice config: \d+ commands, committed$", line) for line in lines
    )
    # files, recording folders, restarted Kamailios, and each PBX's Asterisk (re)loaded
    pbxs = 5 if asterisk else 0
    done = f"Ansible changed={20 + pbxs}, network devices changed={len(devices)}."
    assert lines[-1].endswith(done)
    call = ccmsctl("lab", "call", str(EXAMPLE), "+862161230005", cwd=lab)
    assert call.returncode == 0, call.stdout + call.stderr
    assert "from trunk ct-sh (127.1.1.1) via sh1-edge-1: answered by sh1-pbx-" in call.stdout
    if asterisk:  # the DID's IVR took the call, and the PBX wrote its record
        assert "  IVR path: choose-language\n" in call.stdout
        assert "DID +862161230005, trunk ct-sh" in call.stdout
    else:
        stand_ins = [root(lab, host) / "run" / "sipp.msg" for host in ("sh1-pbx-1", "sh1-pbx-2")]
        assert sum(len(invites(trace)) for trace in stand_ins) == 1
    unknown = ccmsctl("lab", "call", str(EXAMPLE), "+85230019999", cwd=lab)
    assert unknown.returncode == 1
    assert "in no NumberRange" in unknown.stderr


def test_second_apply_changes_nothing(lab: Path) -> None:
    planned = ccmsctl("plan", str(EXAMPLE), "--detailed-exitcode", cwd=lab)
    assert planned.returncode == 0
    assert planned.stdout.strip() == "No changes."
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", "--metrics-dir", "m", cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.strip().endswith(
        "No changes. Ansible changed=0, network devices changed=0."
    )
    recorded = samples((lab / "m" / APPLY_FILE).read_text())
    assert recorded[("ccms_apply_success", ())] == 1
    assert recorded[("ccms_apply_hosts_changed", ())] == 0
    assert recorded[("ccms_apply_last_success_timestamp_seconds", ())] > time.time() - 600
    assert "wave 1" not in applied.stdout  # nothing to run: no host is touched


def test_apply_asks_first_and_checks_again_what_it_planned(lab: Path) -> None:
    edited = root(lab, "hk1-edge-1") / "etc/kamailio/address.list"
    compiled = edited.read_bytes()
    edited.write_bytes(compiled + b"# by hand\n")
    declined = ccmsctl("apply", str(EXAMPLE), cwd=lab, answer="n\n")
    assert declined.returncode == 1
    assert "hk1-edge-1\n  ~ etc/kamailio/address.list (drift)\n" in declined.stdout
    assert "Apply cancelled." in declined.stdout
    assert edited.read_bytes() == compiled + b"# by hand\n"
    # the lock is held while it asks: an apply meanwhile is refused, naming it
    command = [sys.executable, "-m", "ccmsctl", "apply", str(EXAMPLE)]
    asking = subprocess.Popen(
        command, cwd=lab, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        shown = read_until(asking, b"Apply these changes?")
        other = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
        assert other.returncode == 1, other.stdout + other.stderr
        assert "held by" in other.stderr and "for apply" in other.stderr
        out, err = asking.communicate(b"y\n", timeout=300)
    finally:
        if asking.poll() is None:
            asking.kill()
            asking.wait(timeout=30)
    assert asking.returncode == 0, shown + out.decode() + err.decode()
    assert "Apply complete. Plan: 0 to add, 1 to change, 0 to delete." in out.decode()
    assert edited.read_bytes() == compiled


def read_until(process: subprocess.Popen[bytes], text: bytes, timeout: float = 120) -> str:
    """What `process` printed up to and including `text` (bounded)."""
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"never printed {text!r}: {seen[-500:]!r}"
        ready, _, _ = select.select([process.stdout], [], [], left)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, f"ended before printing {text!r}: {seen[-500:]!r}"
            seen += chunk
    return seen.decode()


def test_a_stopped_kamailio_is_upkeep_that_apply_restores(lab: Path) -> None:
    pid_file = root(lab, "sh2-edge-1") / "run/kamailio/kamailio.pid"
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):  # bounded: 10 s
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    planned = ccmsctl("plan", str(EXAMPLE), "--detailed-exitcode", cwd=lab)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert planned.stdout == (
        "sh2-edge-1\n  * start kamailio\nPlan: 0 to add, 0 to change, 0 to delete; 1 upkeep step.\n"
    )
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "  sh2-edge-1: Run Kamailio: started" in applied.stdout
    assert "wave 2" not in applied.stdout  # only the host with upkeep ran
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."


def test_secrets_reach_only_their_hosts_and_no_plan_or_log(lab: Path) -> None:
    """The lab's own values stand for the estate's references: the HKT trunk's password
    reaches hk-1's PBX only, each agent's phone password the PBXs of its site and its twin,
    the TLS certificate and key hk-1's edge, which serves them."""
    folder = lab / ".ccmsctl" / "lab"
    values = json.loads((folder / "secrets.json").read_text())
    password = values["env:HKT_SIP_PASSWORD"]
    secrets_file = root(lab, "hk1-pbx-1") / "etc/asterisk/pjsip_secrets.conf"
    assert f"[trunk-hkt-hk-auth](+)\npassword={password}\n" in secrets_file.read_text()
    assert secrets_file.stat().st_mode & 0o777 == 0o640
    shanghai = (root(lab, "sh1-pbx-1") / "etc/asterisk/pjsip_secrets.conf").read_text()
    assert "trunk-hkt-hk-auth" not in shanghai and password not in shanghai
    phone = values["vault:secrets/phones.yml#1001"]  # agent wei.zhang of sh-1
    assert f"[1001-auth](+)\npassword={phone}\n" in shanghai
    assert phone not in secrets_file.read_text()
    key = root(lab, "hk1-edge-1") / "etc/kamailio/tls/server.key"
    assert key.stat().st_mode & 0o777 == 0o640
    assert not (root(lab, "sh1-edge-1") / "etc/kamailio/tls").exists()
    address = json.loads((folder / "lab.json").read_text())["addresses"]["hosts"]["hk1-edge-1"]
    assert served_subject(address) == "CN = ccmsctl lab"
    # drift in a secret file is found by its bytes and shown without them
    secrets_file.write_text(secrets_file.read_text() + "password=rogue\n")
    plan_file = lab / "secret.plan"
    planned = ccmsctl("plan", str(EXAMPLE), "--diff", "--out", str(plan_file), cwd=lab)
    assert planned.stdout.splitlines()[:3] == [
        "hk1-pbx-1",
        "  ~ etc/asterisk/pjsip_secrets.conf (drift) (sensitive value)",
        "    (sensitive value)",
    ]
    assert "rogue" not in planned.stdout and password not in planned.stdout
    for value in (password, "rogue"):
        assert value.encode() not in plan_file.read_bytes()
        assert base64.b64encode(value.encode())[:12] not in plan_file.read_bytes()
    applied = ccmsctl("apply", str(plan_file), cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "rogue" not in secrets_file.read_text()
    # nothing the apply leaves behind holds the value: no staged copy, no Ansible log
    left = [p for p in (folder / "runs").rglob("*") if p.is_file()]
    assert left and not [p for p in left if password.encode() in p.read_bytes()]
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."


def test_hand_edit_shows_as_drift_and_json(lab: Path) -> None:
    edited = root(lab, "sh2-edge-1") / "etc/kamailio/address.list"
    edited.write_text(edited.read_text() + "1 127.66.0.1 32 0 rogue\n")
    planned = ccmsctl("plan", str(EXAMPLE), "--diff", "--metrics-dir", "m", cwd=lab)
    assert "  ~ etc/kamailio/address.list (drift)" in planned.stdout
    drift = samples((lab / "m" / PLAN_FILE).read_text())
    assert drift[("ccms_drift_files", (("host", "sh2-edge-1"),))] == 1
    assert drift[("ccms_drift_files", (("host", "sh1-edge-1"),))] == 0
    assert drift[("ccms_plan_changes", ())] == 1
    assert "-1 127.66.0.1 32 0 rogue" in planned.stdout
    assert planned.stdout.strip().endswith("Plan: 0 to add, 1 to change, 0 to delete.")
    lines = [
        json.loads(line)
        for line in ccmsctl("plan", str(EXAMPLE), "--json", cwd=lab).stdout.splitlines()
    ]
    assert lines[0]["type"] == "version"
    assert [
        (m["host"], m["action"], m["reason"]) for m in lines if m["type"] == "planned_change"
    ] == [("sh2-edge-1", "change", "drift")]
    assert lines[-1] == {
        "type": "change_summary",
        "add": 0,
        "change": 1,
        "delete": 0,
        "upkeep": 0,
        "devices": 0,
        "message": "Plan: 0 to add, 1 to change, 0 to delete.",
    }


def test_saved_plan_is_private_and_refused_when_stale(lab: Path) -> None:
    plan_file = lab / "drift.plan"
    assert ccmsctl("plan", str(EXAMPLE), "--out", str(plan_file), cwd=lab).returncode == 0
    assert plan_file.stat().st_mode & 0o777 == 0o600
    edited = root(lab, "sh1-edge-2") / "etc/kamailio/dispatcher.list"
    original = edited.read_bytes()
    edited.write_bytes(original + b"# touched\n")
    stale = ccmsctl("apply", str(plan_file), cwd=lab)
    assert stale.returncode == 1
    assert "saved plan is stale: host sh1-edge-2" in stale.stderr
    edited.write_bytes(original)
    # sh2-edge-1's hand-edited address list (the test before), loaded by hand: it admits
    # the rogue address
    edge = root(lab, "sh2-edge-1")
    address = json.loads((lab / ".ccmsctl/lab/lab.json").read_text())["addresses"]["hosts"]
    control = ["kamcmd", "-s", f"unix:{edge}/run/kamailio/kamailio_ctl"]
    subprocess.run([*control, "permissions.addressReload"], check=True, timeout=30)
    probe = ("127.66.0.1", address["sh2-edge-1"], "OPTIONS", f"sip:{address['sh2-edge-1']}")
    assert sip_status(*probe) == 200
    edges = ["hk1-edge-1", "sh1-edge-1", "sh1-edge-2", "sh2-edge-1", "sh2-edge-2"]
    before = {edge: kamailio_pid(lab, edge) for edge in edges}
    fresh = ccmsctl("apply", str(plan_file), cwd=lab)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."
    # the plan put back sh2-edge-1's address list: its running Kamailio read it again (a
    # data file: no restart), and no other was touched
    restarts = [line.strip() for line in fresh.stdout.splitlines() if "Kamailio" in line]
    assert restarts == ["sh2-edge-1: Run Kamailio: reloaded"]
    after = {edge: kamailio_pid(lab, edge) for edge in edges}
    assert after == before
    assert sip_status(*probe) == 403


def kamailio_pid(workdir: Path, host: str) -> int:
    return int((root(workdir, host) / "run/kamailio/kamailio.pid").read_text(encoding="utf-8"))


def test_second_apply_is_refused_naming_the_lock_holder(lab: Path) -> None:
    with locked(lab / ".ccmsctl" / "lab", "apply", "test") as holder:
        refused = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert refused.returncode == 1
    assert f"lock {holder.id} held by {holder.who}" in refused.stderr
    assert f"ccmsctl force-unlock {holder.id}" in refused.stderr


def test_config_failing_its_check_is_rolled_back_and_the_twin_untouched(lab: Path) -> None:
    plan_file = lab / "broken.plan"
    edge = root(lab, "sh2-edge-1") / "etc/kamailio/dispatcher.list"
    edge.write_bytes(edge.read_bytes() + b"# drift to make sh2-edge-1 part of the plan\n")
    twin = root(lab, "sh1-edge-1") / "etc/kamailio/dispatcher.list"
    twin.write_bytes(twin.read_bytes() + b"# drift to make sh1-edge-1 part of the plan\n")
    assert ccmsctl("plan", str(EXAMPLE), "--out", str(plan_file), cwd=lab).returncode == 0
    saved = json.loads(plan_file.read_text())
    plan = saved["plan"]["plan"]
    config = plan["desired"]["hosts"]["sh2-edge-1"]["etc/kamailio/kamailio.cfg"]
    broken = base64.urlsafe_b64decode(config).replace(b"ds_select_dst(", b"ds_select_dest(")
    encoded = base64.urlsafe_b64encode(broken).decode()
    plan["desired"]["hosts"]["sh2-edge-1"]["etc/kamailio/kamailio.cfg"] = encoded
    plan["changes"].append(
        {
            "host": "sh2-edge-1",
            "path": "etc/kamailio/kamailio.cfg",
            "action": "change",
            "reason": "update",
            "before": None,
            "after": encoded,
            "sensitive": False,
        }
    )
    plan_file.write_text(json.dumps(saved))
    before_sh1 = (root(lab, "sh1-edge-1") / RECORD).read_bytes()
    before_sh2 = (root(lab, "sh2-edge-1") / RECORD).read_bytes()
    failed = ccmsctl("apply", str(plan_file), cwd=lab)
    assert failed.returncode == 1
    assert "apply failed on sh2-edge-1" in failed.stderr
    assert "kamailio.cfg" in failed.stderr
    assert "not touched: sh1-edge-1" in failed.stderr
    assert (root(lab, "sh1-edge-1") / RECORD).read_bytes() == before_sh1
    assert (root(lab, "sh2-edge-1") / RECORD).read_bytes() == before_sh2
    assert (
        b"ds_select_dest("
        not in (root(lab, "sh2-edge-1") / "etc/kamailio/kamailio.cfg").read_bytes()
    )
    assert edge.read_bytes().endswith(b"# drift to make sh2-edge-1 part of the plan\n")
    assert twin.read_bytes().endswith(b"# drift to make sh1-edge-1 part of the plan\n")
    repaired = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr


# An Asterisk built without libsrtp: the lab's own (REAL), its modules read from a folder
# (MODULES) that has every one of them but res_srtp.so. Its CLI consoles pass through.
WITHOUT_SRTP = """#!/bin/bash
set -euo pipefail
args=("$@")
conf=
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    -r | -rx | -R | -V) exec REAL "$@" ;;
    -C) conf=$((i + 1)) ;;
  esac
done
copy="MODULES.d/$(echo "${args[conf]}" | md5sum | cut -c1-12).conf"
mkdir -p MODULES.d
sed '/^\\[directories\\]/a astmoddir = MODULES' "${args[conf]}" >"$copy"
args[conf]=$copy
exec REAL "${args[@]}"
"""


def stop_asterisk(program: str, host_root: Path) -> None:
    config = host_root / "etc/asterisk/asterisk.conf"
    command = [program, "-C", str(config), "-rx", "core stop now"]
    subprocess.run(command, capture_output=True, timeout=30, check=False)
    pid_file = host_root / "run/asterisk/asterisk.pid"
    deadline = time.monotonic() + 15
    while pid_file.is_file() and time.monotonic() < deadline:
        try:
            os.kill(int(pid_file.read_text()), 0)
        except (ProcessLookupError, ValueError):
            return
        time.sleep(0.1)


def test_a_pbx_change_asterisk_cannot_load_is_rolled_back_and_the_twin_untouched(
    lab: Path, tmp_path: Path
) -> None:
    """sh-2's PBXs run a real Asterisk built without libsrtp; SRTP toward China Telecom
    needs res_srtp, so the asterisk role's check fails the first wave (sh-2, the standby
    side), which is rolled back, and sh-1 is not touched."""
    kept_file = lab / ".ccmsctl/lab/lab.json"
    kept = json.loads(kept_file.read_text())
    real = kept["asterisk"]
    if not real:
        pytest.skip("the lab runs SIPp PBX stand-ins (no Asterisk installed)")
    installed = Path(real).parent.parent / "lib/asterisk/modules"
    assert (installed / "res_srtp.so").is_file()
    modules = tmp_path / "modules"
    modules.mkdir()
    for module in installed.iterdir():
        if module.name != "res_srtp.so":
            (modules / module.name).symlink_to(module)
    without = tmp_path / "asterisk"
    without.write_text(WITHOUT_SRTP.replace("REAL", real).replace("MODULES", str(modules)))
    without.chmod(0o755)
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    trunks = estate / "carriers/trunks.yaml"
    trunks.write_text(trunks.read_text().replace("channels: 240\n", "channels: 240\nsrtp: true\n"))
    standby, primary = ("sh2-pbx-1", "sh2-pbx-2"), ("sh1-pbx-1", "sh1-pbx-2", "sh1-edge-1")
    records = {host: (root(lab, host) / RECORD).read_bytes() for host in standby + primary}
    compiled = (root(lab, "sh2-pbx-1") / "etc/asterisk/modules.conf").read_bytes()
    kept_file.write_text(json.dumps({**kept, "asterisk": str(without)}))
    try:
        for host in standby:  # started again by the apply, as this Asterisk
            stop_asterisk(real, root(lab, host))
        failed = ccmsctl("apply", str(estate), "--auto-approve", cwd=lab)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert re.search(r"apply failed on sh2-pbx-\d: Check Asterisk: ", failed.stderr)
        assert "res_srtp.so: Unable to load module res_srtp.so" in failed.stderr
        assert "not touched: " in failed.stderr and "sh1-pbx-1" in failed.stderr
        for host, record in records.items():
            assert (root(lab, host) / RECORD).read_bytes() == record, host
        assert (root(lab, "sh2-pbx-1") / "etc/asterisk/modules.conf").read_bytes() == compiled
    finally:
        kept_file.write_text(json.dumps(kept))
        for host in standby:
            stop_asterisk(real, root(lab, host))
            # what that Asterisk logged of the module it lacks is this test's doing, not the
            # estate's: out of the log the lab's later tests read for errors
            log = root(lab, host) / "var/log/asterisk/messages.log"
            if log.is_file():
                lines = log.read_text(errors="replace").splitlines(keepends=True)
                log.write_text("".join(line for line in lines if "res_srtp" not in line))
    repaired = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    planned = ccmsctl("plan", str(EXAMPLE), "--detailed-exitcode", cwd=lab)
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_apply_killed_half_way_converges_on_rerun(lab: Path) -> None:
    drift = b"99:1:0:1:10:0\n"
    edges = ("sh1-edge-1", "sh1-edge-2", "sh2-edge-1", "sh2-edge-2", "hk1-edge-1")
    for host in edges:
        did = root(lab, host) / "etc/kamailio/db/did"
        did.write_bytes(did.read_bytes() + drift)
    process = subprocess.Popen(
        [sys.executable, "-m", "ccmsctl", "apply", str(EXAMPLE), "--auto-approve"],
        cwd=lab,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_line(process, "wave 1 (")
    time.sleep(0.3)  # into the wave's Ansible run
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the apply ended before it was killed"
    # half-applied: the run was cut inside its first wave, so the later waves' edges still
    # hold the drift, and the killed apply's lock is still held
    dids = {h: (root(lab, h) / "etc/kamailio/db/did").read_bytes() for h in edges}
    assert any(did.endswith(drift) for did in dids.values()), "the kill interrupted nothing"
    lock = json.loads((lab / ".ccmsctl/lab/lock.json").read_text())
    assert lock["operation"] == "apply", lock
    held = ccmsctl("apply", str(EXAMPLE), "--auto-approve", "--lock-timeout", "0", cwd=lab)
    assert held.returncode == 1 and lock["id"] in held.stderr, held.stdout + held.stderr
    assert ccmsctl("force-unlock", lock["id"], cwd=lab).returncode == 0
    rerun = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."
    assert not any(
        (root(lab, h) / "etc/kamailio/db/did").read_bytes().endswith(drift) for h in edges
    )


def test_ctrl_c_rolls_back_the_wave_and_releases_the_lock(lab: Path) -> None:
    edited = root(lab, "hk1-edge-1") / "etc/kamailio/dispatcher.list"
    edited.write_bytes(edited.read_bytes() + b"# interrupted\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "ccmsctl", "apply", str(EXAMPLE), "--auto-approve"],
        cwd=lab,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(process, "wave 1 (")
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 1, errors
    assert "Cancelling" in errors
    assert "rolled back: hk1-edge-1" in errors
    assert not (lab / ".ccmsctl/lab/lock.json").exists()
    assert edited.read_bytes().endswith(b"# interrupted\n")  # the wave was put back
    assert ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab).returncode == 0


def test_a_host_the_lab_has_no_address_for_is_named(lab: Path, tmp_path: Path) -> None:
    grown = tmp_path / "estate"
    shutil.copytree(EXAMPLE, grown)
    site = grown / "sites" / "hongkong.yaml"
    text = site.read_text()
    extra = "  - name: hk1-pbx-2\n    roles: [pbx]\n    address: 10.30.2.22\n"
    site.write_text(text.replace("  - name: hk1-pbx-1\n", extra + "  - name: hk1-pbx-1\n"))
    planned = ccmsctl("plan", str(grown), cwd=lab)
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "the lab has no address for host hk1-pbx-2" in planned.stderr
    assert "Traceback" not in planned.stderr
    kept = json.loads((lab / ".ccmsctl" / "lab" / "lab.json").read_text())
    addresses = kept["addresses"]["hosts"]
    assert "hk1-pbx-2" not in addresses and addresses["hk1-pbx-1"].startswith("127.0.")
