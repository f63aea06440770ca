"""plan against real hosts over SSH (`--target INVENTORY`): four real sshd servers stand for
the base estate's hosts (tests/integration/sshd.py); ccmsctl reads each host's record and
files with OpenSSH's client, host keys checked."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.secrets import render_secret_files
from ccmsctl.plan.state import RECORD, Record, sha256
from tests.conftest import BASE, ccmsctl
from tests.integration.sshd import PORT, Fleet, keygen, start_fleet

pytestmark = pytest.mark.slow
HOSTS = ["a-edge", "a-pbx", "b-edge", "b-pbx"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    for program in ("sshd", "ssh", "unshare"):
        if shutil.which(program) is None and shutil.which(program, path="/usr/sbin") is None:
            pytest.fail(f"{program} is not installed (bootstrap installs openssh-server)")
    started = start_fleet(HOSTS, tmp_path_factory.mktemp("fleet"))
    os.environ["CCMS_PHONE_1001"] = "phone-password-1001"  # the base estate's agent's phone
    try:
        yield started
    finally:
        os.environ.pop("CCMS_PHONE_1001", None)
        for host in started.hosts.values():
            host.stop()


def plan(fleet: Fleet, inventory: Path | None = None, *options: str) -> tuple[int, str, str]:
    target = str(inventory or fleet.inventory)
    done = ccmsctl("plan", str(BASE), "--target", target, *options, cwd=fleet.key.parent)
    return done.returncode, done.stdout, done.stderr


def section(out: str, host: str) -> list[str]:
    """The plan's lines for `host`."""
    lines = out.splitlines()
    start = lines.index(host) + 1
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith(" ")), len(lines))
    return lines[start:end]


def test_plan_reads_every_host_over_ssh(fleet: Fleet) -> None:
    code, out, err = plan(fleet, None, "--detailed-exitcode")
    assert code == 2, out + err
    desired = compile_estate(load_estate(BASE).estate)
    for host, files in desired.hosts.items():
        assert f"\n{host}\n" in f"\n{out}"
        for path in files:
            # Debian's kamailio package put its own kamailio.cfg on every host
            symbol = "~" if path == "etc/kamailio/kamailio.cfg" else "+"
            assert f"  {symbol} {path}\n" in out, path
    assert "Traceback" not in err


def test_a_host_as_recorded_has_no_changes_and_a_hand_edit_is_drift(fleet: Fleet) -> None:
    desired = compile_estate(load_estate(BASE).estate)
    secrets = render_secret_files(desired.secrets, lambda _: os.environ["CCMS_PHONE_1001"])
    files = {**desired.hosts["a-pbx"], **secrets["a-pbx"]}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    digests = {path: sha256(content) for path, content in files.items()}
    record = Record("test", now, digests, tuple(secrets["a-pbx"]))
    for path, content in files.items():
        fleet.put("a-pbx", "/" + path, content)
    fleet.put("a-pbx", "/" + RECORD, record.to_json().encode())
    code, out, err = plan(fleet)
    assert code == 0, out + err
    # no file to change: only what the roles keep besides files, which nobody installed
    assert section(out, "a-pbx") == [
        "  * install asterisk",
        "  * start asterisk",
        "  * start prometheus-node-exporter",
        *(f"  * make {folder}" for folder in desired.host_vars["a-pbx"].recording_folders),
    ]
    edited = files["etc/asterisk/pjsip.conf"] + b"; added by hand\n"
    fleet.put("a-pbx", "/etc/asterisk/pjsip.conf", edited)
    code, out, err = plan(fleet)
    assert code == 0, out + err
    assert "a-pbx\n  ~ etc/asterisk/pjsip.conf (drift)\n" in out


def test_a_host_with_another_host_key_is_refused_and_named(fleet: Fleet, tmp_path: Path) -> None:
    impostor = tmp_path / "impostor"
    keygen(impostor)
    kind, key = impostor.with_suffix(".pub").read_text().split()[:2]
    lines = fleet.known_hosts.read_text().splitlines()
    address = fleet.hosts["b-edge"].address
    changed = [
        f"[{address}]:{PORT} {kind} {key}" if line.startswith(f"[{address}]:") else line
        for line in lines
    ]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(changed) + "\n")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        fleet.inventory.read_text().replace(str(fleet.known_hosts), str(known_hosts))
    )
    code, out, err = plan(fleet, inventory)
    assert code == 1, out + err
    assert f"b-edge ({address}:{PORT})" in err
    assert "Host key verification failed" in err
    before = {name: fleet.read(name, "/etc/kamailio/kamailio.cfg") for name in HOSTS}
    applied = ccmsctl(
        "apply", str(BASE), "--target", str(inventory), "--auto-approve", cwd=fleet.key.parent
    )
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert f"b-edge ({address}:{PORT})" in applied.stderr
    assert "Host key verification failed" in applied.stderr
    assert {name: fleet.read(name, "/etc/kamailio/kamailio.cfg") for name in HOSTS} == before


def test_a_host_missing_from_the_inventory_is_named(fleet: Fleet, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    kept = [line for line in fleet.inventory.read_text().splitlines() if "b-pbx" not in line]
    inventory.write_text("\n".join(kept) + "\n")
    code, out, err = plan(fleet, inventory)
    assert code == 1, out + err
    assert "has no entry for b-pbx" in err


def test_become_reads_through_sudo_and_a_user_without_it_is_named(
    fleet: Fleet, tmp_path: Path
) -> None:
    # an account with no password, not a locked one: sshd lets a key in
    user = "id ccms-operator || useradd -M -d / -s /bin/sh -N -p '*' ccms-operator"
    made = fleet.ssh("a-edge", user)
    assert made.returncode == 0, made.stderr
    inventory = tmp_path / "inventory.yml"
    address = fleet.hosts["a-edge"].address
    inventory.write_text(
        fleet.inventory.read_text().replace(
            "a-edge: {",
            "a-edge: {ansible_user: ccms-operator, ansible_become: true, ",
        )
    )
    code, out, err = plan(fleet, inventory)
    assert code == 1, out + err
    assert f"a-edge ({address}:{PORT}): sudo" in err
    assert "b-edge" not in err
    # apply reads the same way first: refused with the same error, no host touched
    command = ("apply", str(BASE), "--target", str(inventory), "--auto-approve")
    applied = ccmsctl(*command, cwd=fleet.key.parent)
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert f"a-edge ({address}:{PORT}): sudo" in applied.stderr
    assert "Traceback" not in applied.stderr
    assert fleet.read("b-edge", "/var/lib/ccmsctl/record.json") is None
    rule = b"ccms-operator ALL=(root) NOPASSWD: ALL\n"
    fleet.put("a-edge", "/etc/sudoers.d/ccms-operator", rule)
    code, out, err = plan(fleet, inventory)
    assert code == 0, out + err
    assert "a-edge\n  + etc/kamailio/address.list\n" in out


def test_an_unreachable_host_is_an_error_naming_it(fleet: Fleet) -> None:
    fleet.hosts["b-pbx"].stop()
    code, out, err = plan(fleet)
    assert code == 1, out + err
    assert f"b-pbx (127.9.0.4:{PORT})" in err and "Connection refused" in err
    assert "Plan:" not in out


@contextlib.contextmanager
def blackhole() -> Iterator[tuple[str, str]]:
    """A network namespace where one address swallows every packet sent to it, as a host
    behind a firewall that drops (not refuses) does: (namespace, address). The address is a
    documentation one (198.51.100.2) and exists only inside the namespace: its packets go to
    a neighbour entry that no interface answers, so they are dropped without a reply."""
    if os.geteuid() != 0:
        pytest.skip("a network namespace needs root")
    name = f"ccms-drop-{os.getpid()}"
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "-n", name, "link", "set", "lo", "up"],
        ["ip", "-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["ip", "-n", name, "addr", "add", "198.51.100.1/24", "dev", "v0"],
        ["ip", "-n", name, "link", "set", "v0", "up"],
        ["ip", "-n", name, "link", "set", "v1", "up"],
        [
            "ip",
            "-n",
            name,
            "neigh",
            "add",
            "198.51.100.2",
            "lladdr",
            "02:00:00:00:00:02",
            "dev",
            "v0",
            "nud",
            "permanent",
        ],
    ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True, timeout=30)
        yield name, "198.51.100.2"
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30, check=False)


def test_a_host_that_drops_packets_fails_plan_and_apply_within_the_timeout(
    fleet: Fleet, tmp_path: Path
) -> None:
    inventory = tmp_path / "inventory.yml"
    address = fleet.hosts["b-pbx"].address
    records = {name: fleet.read(name, "/var/lib/ccmsctl/record.json") for name in HOSTS}
    with blackhole() as (namespace, dropped):
        inventory.write_text(fleet.inventory.read_text().replace(address, dropped))
        saved = tmp_path / "plan.json"
        for command in (
            ["plan", str(BASE), "--target", str(inventory), "--out", str(saved)],
            ["apply", str(BASE), "--target", str(inventory), "--auto-approve"],
        ):
            started = time.monotonic()
            done = subprocess.run(
                ["ip", "netns", "exec", namespace, sys.executable, "-m", "ccmsctl", *command],
                cwd=fleet.key.parent,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            took = time.monotonic() - started
            assert done.returncode == 1, done.stdout + done.stderr
            assert f"b-pbx ({dropped}:{PORT})" in done.stderr
            assert "timed out" in done.stderr
            assert "Traceback" not in done.stderr
            assert took < 40, f"{command[0]} took {took:.0f} s (ssh's ConnectTimeout is 10 s)"
        assert not saved.exists()
    # nothing was written on any host
    assert {name: fleet.read(name, "/var/lib/ccmsctl/record.json") for name in HOSTS} == records
