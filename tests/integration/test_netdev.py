"""netmiko over real SSH to a fake device on loopback: the first push changes it, the second
sends nothing, a refused command stops that device naming it, an unreachable device is
reported within the timeout, and the password never appears in what ccmsctl reports."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ccmsctl.apply.netdev import Access, DevicePushError, connected, read_running
from ccmsctl.apply.netdev import push as push_intent
from ccmsctl.compile.estate import device_intent
from ccmsctl.compile.network.device import compile_network_device
from ccmsctl.compile.render import Renderer
from ccmsctl.lab.fakedevice.server import FakeDevice
from ccmsctl.load.estate import load_estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.secret import SecretRef
from ccmsctl.plan.network import device_change, device_remediation
from ccmsctl.plan.state import sha256
from ccmsctl.plan.target import PushResult
from ccmsctl.ssh.target import SshTarget
from tests.conftest import EXAMPLE, ROOT, example_devices

PASSWORD = "lab-switch-secret"
RUNNING = ROOT / "tests" / "golden" / "network" / "cisco_ios" / "running.cfg"


def push(
    device: NetworkDevice,
    intended: str,
    box: FakeDevice | None,
    *,
    address: str,
    port: int,
    timeout: float = 10,
    secrets_base: Path = Path(),
    planned: tuple[str, ...] | None = None,
) -> PushResult:
    """Plan and push the example's `device` (its model, as the tests change it) to
    `intended`, reached as an inventory's hosts reach it (its password from its secret
    reference, a vault's relative to `secrets_base`) but at `address`:`port`; the fake
    device `box`'s host key is the one known (None: no key is known). `planned`: the plan
    holds these commands instead, made from another running configuration."""
    intent = device_intent(load_estate(EXAMPLE).estate, device)
    known_hosts = Path(tempfile.mkdtemp(prefix="ccms-known-")) / "known_hosts"
    known_hosts.write_text(f"{box.known_hosts_line()}\n" if box is not None else "")
    target = SshTarget("inventory", {}, known_hosts.parent, secrets_base, known_hosts)
    access = replace(target.device_access(device.name, intent), address=address, port=port)
    access = replace(access, timeout=timeout)
    with connected(device.name, intent, access) as connection:
        running = read_running(connection, intent)
    change = device_change(device.name, intent, running, intended)
    if planned is not None:
        change = replace(change, commands=planned, running=sha256(b"another configuration"))
    return push_intent(device.name, intent, intended, change, access)


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def switch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[NetworkDevice, str]]:
    estate = load_estate(EXAMPLE).estate
    device = estate.index(NetworkDevice)["hk1-access-sw"]
    monkeypatch.setenv("HK_NETDEV_PASSWORD", PASSWORD)
    yield device, compile_network_device(estate, device, Renderer()).decode()


def fake(tmp_path: Path, port: int, reject: str | None = None) -> FakeDevice:
    state = tmp_path / "running.cfg"
    state.write_text(RUNNING.read_text())
    return FakeDevice(
        "127.3.1.1", port, "hk1-access-sw", "ccmsctl", PASSWORD, state, reject=reject
    ).start()


DEVICES = example_devices()


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_first_push_converges_and_second_sends_nothing(
    platform: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    estate = load_estate(EXAMPLE).estate
    device = estate.index(NetworkDevice)[DEVICES[platform]]
    intended = compile_network_device(estate, device, Renderer()).decode()
    monkeypatch.setenv(device.credentials.password.secret.split(":", 1)[1], PASSWORD)
    state = tmp_path / "running.cfg"
    running = (ROOT / "tests" / "golden" / "network" / platform / "running.cfg").read_text()
    state.write_text(running)
    port = free_port("127.3.1.1")
    box = FakeDevice(
        "127.3.1.1", port, device.name, "ccmsctl", PASSWORD, state, platform=platform
    ).start()
    try:
        first = push(device, intended, box, address="127.3.1.1", port=port)
        assert first.sent and first.saved
        commits = 2 if platform == "juniper_junos" else 1  # commit confirmed, then commit
        assert box.saved == commits
        left = device_remediation(device_intent(estate, device), box.running, intended)
        assert left.commands == ()
        assert running.splitlines()[0].strip() in box.running  # hostname: not ccmsctl's
        assert "description" in box.running or "set firewall family inet filter MGMT" in box.running
        sent_before = len(box.commands)
        second = push(device, intended, box, address="127.3.1.1", port=port)
        assert second.sent == () and not second.saved
        assert len(box.commands) == sent_before and box.saved == commits
    finally:
        box.stop()


def test_refused_command_stops_the_device_and_names_it(switch, tmp_path: Path) -> None:
    device, intended = switch
    port = free_port("127.3.1.1")
    box = fake(tmp_path, port, reject=r"^mls qos trust")
    try:
        with pytest.raises(DevicePushError) as refused:
            push(device, intended, box, address="127.3.1.1", port=port)
        message = str(refused.value)
        assert "hk1-access-sw refused 'mls qos trust dscp'" in message
        assert PASSWORD not in message
        assert box.saved == 0
        # what it had taken before the refusal is undone
        assert "vlan 210" in box.commands
        assert normalized(box.running) == normalized(RUNNING.read_text())
    finally:
        box.stop()


def test_unreachable_device_is_reported_not_hung_on(switch) -> None:
    device, intended = switch
    port = free_port("127.3.9.1")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(DevicePushError) as unreachable:
        push(device, intended, None, address="127.3.9.1", port=port, timeout=3)
    assert time.monotonic() - started < 30
    assert "hk1-access-sw (127.3.9.1" in str(unreachable.value)
    assert PASSWORD not in str(unreachable.value)


def test_missing_credentials_are_an_error_without_a_value(switch, monkeypatch) -> None:
    device, intended = switch
    monkeypatch.delenv("HK_NETDEV_PASSWORD")
    with pytest.raises(DevicePushError, match="HK_NETDEV_PASSWORD is not set"):
        push(device, intended, None, address="127.3.1.1", port=1)


def normalized(config: str) -> list[str]:
    return sorted(line.strip() for line in config.splitlines() if line.strip(" !"))


def junos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[NetworkDevice, str, FakeDevice, int, str]:
    estate = load_estate(EXAMPLE).estate
    device = estate.index(NetworkDevice)["hk1-wan-rtr"]
    intended = compile_network_device(estate, device, Renderer()).decode()
    monkeypatch.setenv("HK_NETDEV_PASSWORD", PASSWORD)
    running = (ROOT / "tests" / "golden" / "network" / "juniper_junos" / "running.cfg").read_text()
    state = tmp_path / "running.cfg"
    state.write_text(running)
    port = free_port("127.3.1.1")
    box = FakeDevice(
        "127.3.1.1",
        port,
        device.name,
        "ccmsctl",
        PASSWORD,
        state,
        platform="juniper_junos",
        **options,
    ).start()
    return device, intended, box, port, running


def test_junos_refused_line_discards_the_candidate(tmp_path, monkeypatch) -> None:
    device, intended, box, port, running = junos(
        tmp_path, monkeypatch, reject=r"^set class-of-service"
    )
    try:
        with pytest.raises(DevicePushError) as refused:
            push(device, intended, box, address="127.3.1.1", port=port)
        assert "hk1-wan-rtr refused 'set class-of-service" in str(refused.value)
        assert box.commands  # lines were taken into the candidate before the refusal
        assert box.running == running
        assert box.saved == 0
    finally:
        box.stop()


def test_junos_commit_is_confirmed_from_a_new_session(tmp_path, monkeypatch) -> None:
    # a "minute" of 0.6 s: the confirming session has 3 s, on a busy machine too
    device, intended, box, port, running = junos(tmp_path, monkeypatch, minute=0.6)
    try:
        result = push(device, intended, box, address="127.3.1.1", port=port)
        assert result.saved and box.saved == 2  # commit confirmed, then commit
        time.sleep(4)  # past the 5 "minutes" of the confirmed commit
        assert box.junos is not None and box.junos.rolled_back == 0
        assert box.running != running
        assert push(device, intended, box, address="127.3.1.1", port=port).sent == ()
    finally:
        box.stop()


def test_junos_commit_that_cuts_the_device_off_rolls_itself_back(tmp_path, monkeypatch) -> None:
    # the new filter on the management uplink locks ccmsctl out: the confirmation never comes
    device, intended, box, port, running = junos(
        tmp_path, monkeypatch, minute=0.2, lockout=r"^set interfaces ge-0/0/0 .*filter input"
    )
    try:
        with pytest.raises(DevicePushError) as cut_off:
            push(device, intended, box, address="127.3.1.1", port=port, timeout=3)
        message = str(cut_off.value)
        assert "hk1-wan-rtr (127.3.1.1" in message
        assert "not confirmed, so hk1-wan-rtr rolls back in 5 minutes" in message
        assert box.running != running
        deadline = time.monotonic() + 10
        while box.running != running and time.monotonic() < deadline:
            time.sleep(0.1)
        assert box.running == running
        assert box.junos is not None and box.junos.rolled_back == 1
    finally:
        box.stop()


@pytest.fixture
def vaulted(switch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[NetworkDevice, str]:
    """hk1-access-sw with its password in an Ansible Vault file, encrypted by ansible-vault."""
    device, intended = switch
    (tmp_path / "vault-password").write_text("correct horse battery staple\n")
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(f"hk_netdev: {PASSWORD}\n")
    encrypt = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(tmp_path / "vault-password"),
            str(secrets),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert encrypt.returncode == 0, encrypt.stderr
    assert PASSWORD not in secrets.read_text()
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(tmp_path / "vault-password"))
    monkeypatch.delenv("HK_NETDEV_PASSWORD")
    credentials = device.credentials.model_copy(
        update={"password": SecretRef(secret="vault:secrets.yml#hk_netdev")}
    )
    return device.model_copy(update={"credentials": credentials}), intended


def test_vault_secret_opens_the_device(vaulted, tmp_path: Path) -> None:
    device, intended = vaulted
    port = free_port("127.3.1.1")
    box = fake(tmp_path, port)
    try:
        result = push(device, intended, box, address="127.3.1.1", port=port, secrets_base=tmp_path)
        assert result.sent and result.saved
    finally:
        box.stop()


def test_vault_problems_are_named_without_the_value(
    vaulted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device, intended = vaulted
    secret = "vault:secrets.yml#hk_netdev"
    (tmp_path / "wrong").write_text("not the password\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(tmp_path / "wrong"))
    with pytest.raises(DevicePushError, match="not an Ansible Vault file this password opens"):
        push(device, intended, None, address="127.3.1.1", port=1, secrets_base=tmp_path)
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(tmp_path / "vault-password"))
    other = device.credentials.model_copy(
        update={"password": SecretRef(secret="vault:secrets.yml#sh_netdev")}
    )
    with pytest.raises(DevicePushError, match="the vault has no text value 'sh_netdev'"):
        push(
            device.model_copy(update={"credentials": other}),
            intended,
            None,
            address="127.3.1.1",
            port=1,
            secrets_base=tmp_path,
        )
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE")
    with pytest.raises(DevicePushError) as unset:
        push(device, intended, None, address="127.3.1.1", port=1, secrets_base=tmp_path)
    assert f"hk1-access-sw: {secret.replace('secrets.yml', str(tmp_path / 'secrets.yml'))}" in str(
        unset.value
    )
    assert "set ANSIBLE_VAULT_PASSWORD_FILE" in str(unset.value)
    assert PASSWORD not in str(unset.value)


def test_a_device_that_changed_since_the_plan_gets_nothing(switch, tmp_path: Path) -> None:
    device, intended = switch
    port = free_port("127.3.1.1")
    box = fake(tmp_path, port)
    try:
        with pytest.raises(DevicePushError, match="hk1-access-sw changed since it was planned"):
            push(device, intended, box, planned=("vlan 999",), address="127.3.1.1", port=port)
        assert box.saved == 0
        assert normalized(box.running) == normalized(RUNNING.read_text())
    finally:
        box.stop()


def test_a_device_whose_host_key_is_unknown_or_changed_is_refused(switch, tmp_path: Path) -> None:
    device, intended = switch
    port = free_port("127.3.1.1")
    box = fake(tmp_path, port)
    try:
        # a key no known_hosts line names: refused before logging in, nothing sent
        with pytest.raises(DevicePushError, match="host key is not in") as unknown:
            push(device, intended, None, address="127.3.1.1", port=port)
        assert "hk1-access-sw (127.3.1.1" in str(unknown.value)
        assert box.commands == [] and box.saved == 0
        # the key known at plan time; the device then comes back with another key
        trusted = box.known_hosts_line()
        box.stop()
        box = fake(tmp_path, port)
        assert box.known_hosts_line() != trusted
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(trusted + "\n")
        intent = device_intent(load_estate(EXAMPLE).estate, device)
        planned = device_change(device.name, intent, RUNNING.read_text(), intended)
        access = Access("127.3.1.1", port, PASSWORD, known_hosts)
        with pytest.raises(DevicePushError, match="is not the one in") as changed:
            push_intent(device.name, intent, intended, planned, access)
        assert PASSWORD not in str(changed.value)
        assert box.commands == [] and box.saved == 0
        assert normalized(box.running) == normalized(RUNNING.read_text())
    finally:
        box.stop()
