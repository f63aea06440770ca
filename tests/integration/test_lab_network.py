"""The lab's network devices in plan and apply, over real SSH to the lab's fake devices:
drift on a switch shows in plan as the commands that fix it, a saved plan goes stale when a
device changes, and a device that refuses a command is put back as it was while the other
devices of its wave converge and the next wave is not touched. Runs on the shared lab after
test_apply.py has applied the example estate."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from ccmsctl.compile.estate import compile_estate
from ccmsctl.lab.fakedevice.server import FakeDevice
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE, ccmsctl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(example_lab: Path) -> Path:
    return example_lab


def device_folder(workdir: Path, name: str) -> Path:
    return workdir / ".ccmsctl" / "lab" / "devices" / name


def drift(workdir: Path, name: str, line: str) -> str:
    """Remove the first running-config line that starts with `line` (indentation aside),
    as an engineer on the device's console would; returns the configuration before."""
    state = device_folder(workdir, name) / "running.cfg"
    before = state.read_text(encoding="utf-8")
    lines = before.splitlines()
    index = next(n for n, text in enumerate(lines) if text.strip().startswith(line))
    state.write_text("\n".join(lines[:index] + lines[index + 1 :]) + "\n", encoding="utf-8")
    return before


def test_device_drift_is_planned_as_the_commands_that_fix_it(lab: Path) -> None:
    drift(lab, "sh2-pbx-tor", "qos trust dscp")
    planned = ccmsctl("plan", str(EXAMPLE), "--detailed-exitcode", cwd=lab)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert planned.stdout.splitlines() == [
        "sh2-pbx-tor (arista_eos at 127.3.5.1:2022)",
        "  ~ voice config: 2 commands",
        "      interface Ethernet49/1",
        "        qos trust dscp",
        "Plan: 0 to add, 0 to change, 0 to delete; 1 network device to change.",
    ]
    messages = [
        json.loads(line)
        for line in ccmsctl("plan", str(EXAMPLE), "--json", cwd=lab).stdout.splitlines()
    ]
    assert [m for m in messages if m["type"] == "planned_device_change"] == [
        {
            "type": "planned_device_change",
            "device": "sh2-pbx-tor",
            "platform": "arista_eos",
            "commands": ["interface Ethernet49/1", "  qos trust dscp"],
        }
    ]
    assert messages[-1]["devices"] == 1


def test_saved_plan_is_stale_when_a_device_changed(lab: Path) -> None:
    plan_file = lab / "device.plan"
    assert ccmsctl("plan", str(EXAMPLE), "--out", str(plan_file), cwd=lab).returncode == 0
    before = drift(lab, "sh2-pbx-tor", "switchport phone vlan")
    stale = ccmsctl("apply", str(plan_file), cwd=lab)
    assert stale.returncode == 1
    assert "saved plan is stale: network device sh2-pbx-tor changed" in stale.stderr
    (device_folder(lab, "sh2-pbx-tor") / "running.cfg").write_text(before, encoding="utf-8")
    applied = ccmsctl("apply", str(plan_file), cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "  sh2-pbx-tor: voice config: 2 commands, saved" in applied.stdout.splitlines()
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."


def _stop_lab_device(workdir: Path, name: str, address: str, port: int) -> None:
    pid = int((device_folder(workdir, name) / "device.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((address, port)) != 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the lab's {name} still listens")


def test_refused_command_stops_that_device_only(lab: Path) -> None:
    # hk1-access-sw refuses `mls qos trust`: the lab's fake is replaced by one that does
    folder = device_folder(lab, "hk1-access-sw")
    _stop_lab_device(lab, "hk1-access-sw", "127.3.1.1", 2022)
    refusing = FakeDevice(
        "127.3.1.1",
        2022,
        "hk1-access-sw",
        "ccmsctl",
        (folder / "password").read_text().strip(),
        folder / "running.cfg",
        reject=r"^mls qos trust",
        host_key=folder / "host_key",  # the same device: the lab's known_hosts has its key
    ).start()
    try:
        drift(lab, "hk1-access-sw", "vlan 210")
        drift(lab, "hk1-access-sw", "mls qos trust dscp")
        drifted = (folder / "running.cfg").read_text()
        drift(lab, "sh2-pbx-tor", "qos trust dscp")  # same wave as hk1-access-sw
        drift(lab, "sh1-core-sw", "trust dscp")  # the next wave
        edited = lab / ".ccmsctl" / "lab" / "sh1-edge-1" / "etc/kamailio/address.list"
        edited.write_bytes(edited.read_bytes() + b"# by hand\n")  # the next wave's host too
        failed = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        refused = "apply failed on network device hk1-access-sw refused 'mls qos trust dscp'"
        assert f"error[E1305]: {refused}" in failed.stderr
        untouched = failed.stderr.splitlines()[-1]
        assert untouched == "not touched: sh1-edge-1, sh1-core-sw"
        assert "wave 2 (" not in failed.stdout
        assert edited.read_bytes().endswith(b"# by hand\n")
        assert "  sh2-pbx-tor: voice config: 2 commands, saved" in failed.stdout.splitlines()
        # the refusing device is as it was (its vlan 210 went in, and came out again)
        assert "vlan 210" in refusing.commands
        assert sorted((folder / "running.cfg").read_text().split()) == sorted(drifted.split())
        assert refusing.saved == 0
        planned = ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout
        assert "sh2-pbx-tor" not in planned
        assert "hk1-access-sw (cisco_ios" in planned and "sh1-core-sw (huawei_vrp" in planned
    finally:
        refusing.stop()
        restarted = ccmsctl("lab", "up", str(EXAMPLE), cwd=lab)  # the lab's own fake again
    assert "hk1-access-sw: fake cisco_ios device on 127.3.1.1:2022" in restarted.stdout
    converged = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=lab)
    assert converged.returncode == 0, converged.stdout + converged.stderr
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."


def test_unreachable_device_fails_the_plan_naming_it(lab: Path) -> None:
    _stop_lab_device(lab, "sh2-core-sw", "127.3.4.1", 2022)
    started = time.monotonic()
    planned = ccmsctl("plan", str(EXAMPLE), cwd=lab)
    assert time.monotonic() - started < 60
    assert planned.returncode == 1
    assert planned.stderr.startswith(
        "error[E1302]: cannot read network devices: sh2-core-sw (127.3.4.1"
    )
    assert "Traceback" not in planned.stderr
    assert ccmsctl("lab", "up", str(EXAMPLE), cwd=lab).returncode == 0
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."


def test_device_passwords_appear_nowhere(lab: Path) -> None:
    passwords = [
        (folder / "password").read_text().strip()
        for folder in (lab / ".ccmsctl" / "lab" / "devices").iterdir()
    ]
    drift(lab, "sh2-pbx-tor", "qos trust dscp")
    plan_file = lab / "secrets.plan"
    outputs = [
        ccmsctl("plan", str(EXAMPLE), "--json", cwd=lab).stdout,
        ccmsctl("plan", str(EXAMPLE), "--diff", "--out", str(plan_file), cwd=lab).stdout,
    ]
    applied = ccmsctl("apply", str(plan_file), cwd=lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    outputs += [applied.stdout, applied.stderr, plan_file.read_text()]
    outputs += [
        path.read_text(errors="replace")
        for path in (lab / ".ccmsctl" / "lab").rglob("*")
        if path.is_file() and path.name != "password" and path.stat().st_size < 5_000_000
    ]
    assert len(passwords) == len(compile_estate(load_estate(EXAMPLE).estate).device_intents)
    for password in passwords:
        assert all(password not in text for text in outputs)
