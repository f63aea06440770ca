"""apply to real hosts over SSH (`--target INVENTORY`): the base estate with its hosts on the
addresses of four real sshd servers (tests/integration/sshd.py), Ansible's ssh connection,
the production code path (root "/", systemctl, the files sent over SSH), the real Kamailio
answering the health gate, and pytest-testinfra checking the hosts over the same SSH."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import testinfra
from ansible.parsing.vault import VaultLib, VaultSecret

from ccmsctl.apply.health import answers_options
from ccmsctl.lab.fakedevice.seed import seed_config
from ccmsctl.lab.fakedevice.server import known_hosts_line, load_host_key
from ccmsctl.plan.state import RECORD
from ccmsctl.ssh.lock import LOCK_DIR
from tests.conftest import BASE, ccmsctl, wait_for_line
from tests.integration.realworld import served_subject
from tests.integration.sshd import ASTERISK_STAND_IN, PORT, Fleet, start_fleet

pytestmark = pytest.mark.slow
COMMANDS = "/var/lib/ccmsctl-test-services/asterisk-commands"  # what the stand-in was asked
HOSTS = {"a-edge": "10.1.0.1", "a-pbx": "10.1.0.2", "b-edge": "10.2.0.1", "b-pbx": "10.2.0.2"}


TRUNK_PASSWORD = "trunk;Pass-0123"
PHONE_PASSWORD = "phone-Pass-8910"
SECURE_TRUNK = """---
kind: Trunk
name: secure
carrier: Secure Telecom
sites: [site-a]
transport: tls
peers: [{address: 203.0.113.9, port: 5061}]
channels: 30
auth: {username: lotus, password: {secret: env:CCMS_TEST_TRUNK_PASSWORD}}
"""
SITE_TLS = """tls:
  certificate: {secret: vault:secrets/tls.yml#certificate}
  private_key: {secret: vault:secrets/tls.yml#private_key}
"""


DEVICE_PASSWORD = "device-Pass-4567"
DEVICE_ADDRESS = "127.9.1.1"
SWITCH = f"""---
kind: NetworkDevice
name: b-sw
site: site-b
platform: arista_eos
management: {DEVICE_ADDRESS}
port: 2022
credentials: {{username: ccmsctl, password: {{secret: env:CCMS_TEST_DEVICE_PASSWORD}}}}
voice_vlan: {{id: 120, name: voice, subnet: 10.2.0.0/16}}
access_ports: [Ethernet1, Ethernet2]
uplinks: [Ethernet48]
"""


@contextmanager
def switch(folder: Path) -> Iterator[Path]:
    """A fake Arista switch at the device's own address, as the estate names it (not a lab
    device: its password is the one the estate's env: reference resolves to); its running
    configuration's file. Its host key is in `folder`/known_hosts, which the inventory names
    (ccmsctl_device_known_hosts)."""
    folder.mkdir()
    password, state = folder / "password", folder / "running.cfg"
    key = load_host_key(folder / "host_key")
    (folder / "known_hosts").write_text(known_hosts_line(DEVICE_ADDRESS, 2022, key) + "\n")
    password.write_text(DEVICE_PASSWORD + "\n")
    state.write_text(seed_config("arista_eos", "b-sw", ("Ethernet1", "Ethernet2", "Ethernet48")))
    command = [sys.executable, "-m", "ccmsctl.lab.fakedevice", "--address", DEVICE_ADDRESS]
    command += ["--port", "2022", "--platform", "arista_eos", "--hostname", "b-sw"]
    command += ["--username", "ccmsctl", "--password-file", str(password), "--state", str(state)]
    command += ["--host-key", str(folder / "host_key")]
    device = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_line(device, "b-sw: arista_eos on", timeout=30)
        yield state
    finally:
        device.terminate()
        try:
            device.wait(timeout=10)
        except subprocess.TimeoutExpired:
            device.kill()
            device.wait(timeout=10)


def _with_secrets(estate: Path, folder: Path) -> dict[str, str]:
    """A TLS trunk with a password for site-a, and site-a's certificate in an Ansible Vault
    beside the estate: the environment the commands then need."""
    (estate / "voice.yaml").write_text((estate / "voice.yaml").read_text() + SECURE_TRUNK + SWITCH)
    sites = (estate / "sites.yaml").read_text()
    site_a = "hosts:\n  - {name: a-edge"
    (estate / "sites.yaml").write_text(sites.replace(site_a, SITE_TLS + site_a, 1))
    key, certificate = folder / "tls.key", folder / "tls.pem"
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"]
    command += ["ec_paramgen_curve:prime256v1", "-nodes", "-days", "30"]
    command += ["-subj", "/CN=site-a.cc.fixture.example", "-keyout", str(key)]
    subprocess.run(
        [*command, "-out", str(certificate)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    content = json.dumps({"certificate": certificate.read_text(), "private_key": key.read_text()})
    password = folder / "vault-password"
    password.write_text("vault password for the test\n")
    vault = VaultLib([("default", VaultSecret(b"vault password for the test"))])
    (estate / "secrets").mkdir()
    (estate / "secrets" / "tls.yml").write_bytes(vault.encrypt(content))
    return {
        "CCMS_TEST_TRUNK_PASSWORD": TRUNK_PASSWORD,
        "CCMS_TEST_DEVICE_PASSWORD": DEVICE_PASSWORD,
        "CCMS_PHONE_1001": PHONE_PASSWORD,  # the base estate's agent's phone
        "ANSIBLE_VAULT_PASSWORD_FILE": str(password),
    }


def operator(fleet: Fleet) -> None:
    """An account on a-pbx for ccmsctl to log in as, with sudo to root."""
    user = "useradd -M -d / -s /bin/sh -N -p '*' ccms-operator"
    assert fleet.ssh("a-pbx", user).returncode == 0
    fleet.put("a-pbx", "/etc/sudoers.d/ccms-operator", b"ccms-operator ALL=(root) NOPASSWD: ALL\n")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, Path, Path]]:
    """The fleet, and the base estate (with a TLS trunk and a switch) on its addresses."""
    folder = tmp_path_factory.mktemp("ssh-apply")
    started = start_fleet(list(HOSTS), folder / "fleet", first=11)
    estate = folder / "estate"
    shutil.copytree(BASE, estate)
    sites = (estate / "sites.yaml").read_text()
    for name, address in HOSTS.items():
        sites = sites.replace(f"address: {address}}}", f"address: {started.hosts[name].address}}}")
    (estate / "sites.yaml").write_text(sites)
    environment = _with_secrets(estate, folder)
    inventory = started.inventory.read_text()
    pin = f'    ccms_package_versions: {{asterisk: "{ASTERISK_STAND_IN}"}}\n'
    pin += f"    ccmsctl_device_known_hosts: {folder / 'b-sw' / 'known_hosts'}\n"
    inventory = inventory.replace("  vars:\n", "  vars:\n" + pin, 1)
    # a-pbx is reached as a user of its own who becomes root through sudo, as many estates'
    # hosts are: its whole apply (apt, the files and their owners, Asterisk) goes through it
    operator(started)
    become = "a-pbx: {ansible_user: ccms-operator, ansible_become: true, "
    started.inventory.write_text(inventory.replace("a-pbx: {", become, 1))
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        with switch(folder / "b-sw") as running:
            yield started, estate, running
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for host in started.hosts.values():
            host.stop()


def run(fleet: Fleet, *args: str) -> tuple[int, str, str]:
    done = ccmsctl(*args, cwd=fleet.key.parent)
    return done.returncode, done.stdout, done.stderr


def infra(fleet: Fleet, name: str) -> testinfra.host.Host:
    options = f"-o UserKnownHostsFile={fleet.known_hosts} -o IdentitiesOnly=yes"
    return testinfra.get_host(
        f"ssh://root@{fleet.hosts[name].address}:{PORT}",
        ssh_identity_file=str(fleet.key),
        ssh_extra_args=options,
        controlpersist=0,  # no master connection outliving the test's host
    )


def _node_metrics(address: str) -> str:
    """What the host's node_exporter serves on port 9100 (waited for, bounded: the service
    manager starts it in the background)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(f"http://{address}:9100/metrics", timeout=5) as reply:
                return str(reply.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_apply_installs_over_ssh_and_the_edges_answer(fleet: tuple[Fleet, Path, Path]) -> None:
    hosts, estate, running = fleet
    inventory = str(hosts.inventory)
    code, out, err = run(hosts, "apply", str(estate), "--target", inventory, "--auto-approve")
    assert code == 0, out + err
    assert "wave 1 (site-b): applying" in out and "wave 2 (site-a): applying" in out
    assert "wave 1: healthy" in out and "wave 2: healthy" in out
    assert "Apply complete." in out
    for edge in ("a-edge", "b-edge"):
        assert answers_options(hosts.hosts[edge].address, wait=5)
    pbx = infra(hosts, "a-pbx")
    pjsip = pbx.file("/etc/asterisk/pjsip.conf")
    assert pjsip.exists and pjsip.mode == 0o640 and pjsip.user == "root"
    assert pbx.file("/var/lib/ccmsctl/record.json").contains('"commit"')
    # its files came in the install's own command (on stdin): no copy of them was left in
    # a folder of Ansible's, the connecting user's (/, ccms-operator's home) or root's
    left = pbx.run("find /.ansible /root/.ansible -type f 2>/dev/null")
    assert left.stdout == ""
    assert pbx.file("/etc/cron.d/ccmsctl-retention").contains("root find /var/spool/asterisk")
    folder = pbx.file("/var/spool/asterisk/recording/rec")
    assert folder.is_directory and folder.user == "asterisk" and folder.mode == 0o750
    # the PBX's software came from apt at the version the inventory pins, before its files
    asterisk = pbx.package("asterisk")
    assert asterisk.is_installed and asterisk.version == ASTERISK_STAND_IN
    # through sudo: a-pbx is reached as ccms-operator
    assert "a-pbx: Install the roles' packages: installed" in out
    assert pbx.file("/etc/asterisk/pjsip.conf").user == "root"
    # Kamailio was there already: the plan had no install step for the edge, and apply
    # asked apt nothing there
    assert "a-pbx\n" in out and "  * install asterisk 22.0.0-1\n" in out
    assert "a-edge: Install the roles' packages" not in out
    # the Asterisk the package started bound its own transports: the first apply restarts it
    assert "a-pbx: Run Asterisk: restarted" in out
    assert pbx.file(COMMANDS).contains("module show")  # and the health gate's check ran
    edge = infra(hosts, "b-edge")
    assert edge.file("/etc/kamailio/kamailio.cfg").contains("ccmsctl")
    # node_exporter runs on every host (the plan found it stopped), reading the textfile
    # folder the hosts' scripts write to: a-pbx's queue statistics, run as its cron would
    # after a call answered in 5 s
    assert "  * start prometheus-node-exporter\n" in out
    answered = "$(date +%s)|1.1|service|PJSIP/1001|CONNECT|5|1.2|3"
    stats = pbx.run(
        f'mkdir -p /var/log/asterisk && echo "{answered}" >> /var/log/asterisk/queue_log'
        " && /bin/sh /usr/local/lib/ccmsctl/queue-stats"
    )
    assert stats.rc == 0, stats.stderr
    for name, host in hosts.hosts.items():
        metrics = _node_metrics(host.address)
        assert "node_filesystem_avail_bytes{" in metrics, name
        in_time = 'ccms_queue_calls{outcome="in_time",queue="service"} 1' in metrics
        assert in_time == (name == "a-pbx"), name
    assert edge.run("kamailio -c -f /etc/kamailio/kamailio.cfg").rc == 0
    # secrets: the trunk's password on site-a's PBX, the agent's phone password on the PBXs,
    # site-a's certificate on its edge, each readable by its service's group only, and on no
    # other host
    secrets = pbx.file("/etc/asterisk/pjsip_secrets.conf")
    assert (secrets.user, secrets.group, secrets.mode) == ("root", "asterisk", 0o640)
    assert "password=trunk\\;Pass-0123\n" in secrets.content_string  # ; escaped for Asterisk
    assert f"[1001-auth](+)\npassword={PHONE_PASSWORD}\n" in secrets.content_string
    key = infra(hosts, "a-edge").file("/etc/kamailio/tls/server.key")
    assert (key.user, key.group, key.mode) == ("root", "kamailio", 0o640)
    assert pbx.file("/var/lib/ccmsctl/record.json").mode == 0o600
    other = infra(hosts, "b-pbx").file("/etc/asterisk/pjsip_secrets.conf")
    assert "trunk-secure-auth" not in other.content_string
    assert not edge.file("/etc/kamailio/tls").exists
    assert served_subject(hosts.hosts["a-edge"].address) == "CN = site-a.cc.fixture.example"
    # the switch, reached at the estate's own address with the env: reference's password
    assert "b-sw: voice config:" in out and "saved" in out
    config = running.read_text()
    assert "vlan 120\n  name voice" in config and "switchport phone vlan 120" in config
    for secret in (TRUNK_PASSWORD, DEVICE_PASSWORD, PHONE_PASSWORD):
        assert secret not in out + err
    runs = [p for p in (hosts.key.parent / ".ccmsctl" / "runs").rglob("*") if p.is_file()]
    assert runs and not [p for p in runs if TRUNK_PASSWORD.encode() in p.read_bytes()]


def test_a_second_apply_changes_nothing(fleet: tuple[Fleet, Path, Path]) -> None:
    hosts, estate, _ = fleet
    inventory = str(hosts.inventory)
    code, out, err = run(hosts, "apply", str(estate), "--target", inventory, "--auto-approve")
    assert code == 0, out + err
    assert "Apply complete. No changes. Ansible changed=0, network devices changed=0." in out
    code, out, err = run(hosts, "plan", str(estate), "--target", inventory)
    assert code == 0, out + err
    assert out.rstrip().endswith("No changes.")


def test_a_pbx_change_asterisk_cannot_load_stops_at_the_first_wave_and_is_rolled_back(
    fleet: tuple[Fleet, Path, Path],
) -> None:
    """SRTP toward the carrier needs res_srtp, which these hosts' Asterisk lacks (built
    without libsrtp): the asterisk role's check fails site-b's PBX, its wave is rolled back
    and site-a is not touched."""
    hosts, estate, _ = fleet
    voice = estate / "voice.yaml"
    before = voice.read_text()
    records = {name: hosts.read(name, RECORD) for name in HOSTS}
    modules = {name: hosts.read(name, "/etc/asterisk/modules.conf") for name in ("a-pbx", "b-pbx")}
    commands = hosts.read("a-pbx", COMMANDS)
    for name in ("a-pbx", "b-pbx"):
        hosts.put(name, "/etc/ccmsctl-test-asterisk-lacks", b"res_srtp.so\n")
    voice.write_text(before.replace("channels: 60\n", "channels: 60\nsrtp: true\n", 1))
    try:
        inventory = str(hosts.inventory)
        code, out, err = run(hosts, "apply", str(estate), "--target", inventory, "--auto-approve")
        assert code == 1, out + err
        assert "apply failed on b-pbx" in err
        assert "Check Asterisk" in err and "res_srtp.so: Unable to load module res_srtp.so" in err
        assert "rolled back: b-pbx\nnot touched: a-pbx\n" in err
        assert "wave 2 (site-a): applying" not in out
        for name in HOSTS:
            assert hosts.read(name, RECORD) == records[name], name
        for name, content in modules.items():
            assert hosts.read(name, "/etc/asterisk/modules.conf") == content, name
        assert hosts.read("a-pbx", COMMANDS) == commands  # its Asterisk not even asked
    finally:
        voice.write_text(before)
        for name in ("a-pbx", "b-pbx"):
            assert hosts.ssh(name, "rm -f /etc/ccmsctl-test-asterisk-lacks").returncode == 0
    code, out, err = run(hosts, "plan", str(estate), "--target", inventory)
    assert code == 0, out + err
    assert out.rstrip().endswith("No changes.")


def test_a_pbx_given_a_new_address_restarts_its_asterisk(fleet: tuple[Fleet, Path, Path]) -> None:
    """Asterisk binds PJSIP's transports only as it starts: a PBX whose address changes gets
    a new pjsip_transports.conf, and the asterisk role restarts Asterisk (a reload would
    keep the old bind); a change elsewhere in its files only reloads it."""
    hosts, estate, _ = fleet
    inventory = str(hosts.inventory)
    sites = estate / "sites.yaml"
    before = sites.read_text()
    moved = before.replace("address: 10.1.0.2, channels", "address: 10.1.0.9, channels")
    assert moved != before
    asked = len(hosts.read("a-pbx", COMMANDS) or b"")
    sites.write_text(moved)
    try:
        code, out, err = run(hosts, "apply", str(estate), "--target", inventory, "--auto-approve")
        assert code == 0, out + err
        assert "a-pbx: Run Asterisk: restarted" in out
        since = (hosts.read("a-pbx", COMMANDS) or b"")[asked:]
        assert since.startswith(b"started\n") and b"core reload" not in since
        transports = hosts.read("a-pbx", "/etc/asterisk/pjsip_transports.conf") or b""
        assert b"bind = 10.1.0.9:5060" in transports
    finally:
        sites.write_text(before)
    code, out, err = run(hosts, "apply", str(estate), "--target", inventory, "--auto-approve")
    assert code == 0, out + err
    assert "a-pbx: Run Asterisk: restarted" in out
    code, out, err = run(hosts, "plan", str(estate), "--target", inventory)
    assert out.rstrip().endswith("No changes."), out + err


def test_a_saved_plan_puts_a_hand_edit_back_and_is_stale_after_another(
    fleet: tuple[Fleet, Path, Path],
) -> None:
    hosts, estate, _ = fleet
    inventory = str(hosts.inventory)
    queues = hosts.read("b-pbx", "/etc/asterisk/queues.conf")
    assert queues is not None
    hosts.put("b-pbx", "/etc/asterisk/queues.conf", queues + b"; by hand\n")
    # a data file of Kamailio's, edited by hand too: put back, it is read again over
    # Kamailio's control socket, with no restart
    dispatcher = hosts.read("b-edge", "/etc/kamailio/dispatcher.list")
    assert dispatcher is not None
    hosts.put("b-edge", "/etc/kamailio/dispatcher.list", dispatcher + b"# by hand\n")
    pid = hosts.read("b-edge", "/var/lib/ccmsctl-test-services/kamailio.pid")
    saved = hosts.key.parent / "fix.plan"
    code, out, err = run(hosts, "plan", str(estate), "--target", inventory, "--out", str(saved))
    assert code == 0, out + err
    assert "b-pbx\n  ~ etc/asterisk/queues.conf (drift)\n" in out
    hosts.put("b-pbx", "/etc/asterisk/queues.conf", queues + b"; by hand, again\n")
    code, out, err = run(hosts, "apply", str(saved))
    assert code == 1
    assert "saved plan is stale: host b-pbx changed since it was planned" in err
    code, out, err = run(hosts, "plan", str(estate), "--target", inventory, "--out", str(saved))
    assert code == 0, out + err
    code, out, err = run(hosts, "apply", str(saved))
    assert code == 0, out + err
    assert hosts.read("b-pbx", "/etc/asterisk/queues.conf") == queues
    assert hosts.read("b-edge", "/etc/kamailio/dispatcher.list") == dispatcher
    assert "b-edge: Run Kamailio: reloaded" in out
    assert pid and hosts.read("b-edge", "/var/lib/ccmsctl-test-services/kamailio.pid") == pid


# Takes the team's lock on every host of the inventory (argv 1) with a lease of argv 2
# seconds, says "held", and keeps it (until the test kills it, as an operator's apply dies)
HOLDER = """
import sys, time
from pathlib import Path
from ccmsctl.ssh import lock
from ccmsctl.ssh.inventory import read_inventory
from ccmsctl.ssh.target import ssh_command
lock.LEASE = int(sys.argv[2])
hosts = read_inventory(Path(sys.argv[1])).hosts
with lock.hosts_locked(hosts, ssh_command, "apply", "test", timeout=30):
    print("held", flush=True)
    time.sleep(600)
"""


@contextmanager
def dead_holder(hosts: Fleet, lease: int) -> Iterator[str]:
    """An apply that took the lock on every host, then was killed: its lock id."""
    command = [sys.executable, "-c", HOLDER, str(hosts.inventory), str(lease)]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_line(holder, "held", timeout=60)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    record = hosts.read("a-edge", f"{LOCK_DIR}/holder.json")
    assert record is not None
    yield json.loads(record)["id"]


def _apply(
    hosts: Fleet,
    estate: Path,
    *args: str,
    cwd: Path | None = None,
    home: Path | None = None,
    operator: str = "",
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ccmsctl", "apply", str(estate), "--target"]
    command += [str(hosts.inventory), "--auto-approve", *args]
    environment = {**os.environ, **({"HOME": str(home)} if home else {})}
    if operator:
        environment["CCMSCTL_OPERATOR"] = operator
    return subprocess.run(
        command,
        cwd=cwd or hosts.key.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_two_operators_applying_at_once_never_interleave(
    fleet: tuple[Fleet, Path, Path], tmp_path: Path
) -> None:
    """A second operator (another machine: its own home, folder and checkout) applies while
    the first one's apply holds the lock (it waits for its operator's answer): the lock on
    the hosts stops it, naming the first; the first then applies, whole."""
    hosts, estate, _ = fleet
    path = "/etc/asterisk/queues.conf"
    content = hosts.read("b-pbx", path)
    assert content is not None
    hosts.put("b-pbx", path, content + b"# by hand\n")  # the first apply has a change to ask about
    other = tmp_path / "second-operator"
    other.mkdir()
    shutil.copytree(estate, other / "estate")
    command = [sys.executable, "-m", "ccmsctl", "apply", str(estate)]
    command += ["--target", str(hosts.inventory)]  # it asks before it applies
    first = subprocess.Popen(
        command,
        cwd=hosts.key.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(first, "Plan: ")
        refused = _apply(hosts, other / "estate", "--lock-timeout", "0", cwd=other, home=other)
        out, err = first.communicate("y\n", timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=30)
    assert first.returncode == 0, out + err
    assert refused.returncode == 1, refused.stdout
    assert "error[E1205]: lock " in refused.stderr
    assert f"held by {getpass.getuser()}@" in refused.stderr and "for apply" in refused.stderr
    assert hosts.read("b-pbx", path) == content  # the first apply's work, whole
    for name in hosts.hosts:  # and no lock left behind
        assert hosts.read(name, f"{LOCK_DIR}/holder.json") is None


def test_a_dead_holders_lease_runs_out_and_force_unlock_breaks_its_lock(
    fleet: tuple[Fleet, Path, Path],
) -> None:
    hosts, estate, _ = fleet
    with dead_holder(hosts, lease=3) as lock_id:
        refused = _apply(hosts, estate, "--lock-timeout", "0")
        assert refused.returncode == 1 and f"lock {lock_id} held by" in refused.stderr
        time.sleep(4)  # its lease runs out: the next apply takes the lock over
        done = _apply(hosts, estate)
        assert done.returncode == 0, done.stdout + done.stderr
    with dead_holder(hosts, lease=600) as lock_id:
        refused = _apply(hosts, estate, "--lock-timeout", "0")
        assert refused.returncode == 1 and f"lock {lock_id} held by" in refused.stderr
        unlock = ["force-unlock", "--target", str(hosts.inventory)]
        wrong = ccmsctl(*unlock[:1], "not-the-id", *unlock[1:], cwd=hosts.key.parent)
        assert wrong.returncode == 1 and f"the hosts hold lock {lock_id}" in wrong.stderr
        broken = ccmsctl(*unlock[:1], lock_id, *unlock[1:], cwd=hosts.key.parent)
        assert broken.returncode == 0, broken.stdout + broken.stderr
        assert f"Removed lock {lock_id}" in broken.stdout
        done = _apply(hosts, estate)
        assert done.returncode == 0, done.stdout + done.stderr


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def _record(hosts: Fleet, name: str) -> dict[str, str]:
    content = hosts.read(name, f"/{RECORD}")
    assert content is not None
    return dict(json.loads(content))


def test_an_apply_from_a_checkout_behind_the_hosts_is_refused_unless_the_step_back_is_meant(
    fleet: tuple[Fleet, Path, Path], tmp_path: Path
) -> None:
    """alice applies a change; bob's checkout is behind it: his apply is refused, naming
    the host, her commit and her; with --allow-rollback it steps back, and the record says
    so; a revert committed on top is a normal forward apply."""
    hosts, estate, _ = fleet
    repo = tmp_path / "repo"
    shutil.copytree(estate, repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    commit = ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m"]
    _git(repo, *commit, "the estate")
    older = _git(repo, "rev-parse", "HEAD")
    people = repo / "people.yaml"
    people.write_text(people.read_text().replace("max_wait: 120s", "max_wait: 90s", 1))
    _git(repo, *commit[:4], "commit", "-q", "-a", "-m", "a shorter wait")
    newer = _git(repo, "rev-parse", "HEAD")
    done = _apply(hosts, repo, operator="alice")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _record(hosts, "a-pbx")["commit"] == newer
    assert _record(hosts, "a-pbx")["applied_by"] == "alice"

    _git(repo, "checkout", "-q", older)  # bob's checkout, behind alice's apply
    refused = _apply(hosts, repo, operator="bob")
    assert refused.returncode == 1, refused.stdout
    assert "error[E1209]" in refused.stderr
    assert f"a-pbx runs {newer[:12]}, applied by alice at " in refused.stderr
    assert f"this checkout ({older[:12]}) does not contain it" in refused.stderr
    assert "--allow-rollback" in refused.stderr
    assert _record(hosts, "a-pbx")["commit"] == newer  # nothing was applied

    allowed = _apply(hosts, repo, "--allow-rollback", operator="bob")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    record = _record(hosts, "a-pbx")
    assert (record["commit"], record["applied_by"]) == (older, "bob")
    assert record["stepped_back_from"] == newer

    _git(repo, "checkout", "-q", "main")
    _git(repo, *commit[:4], "revert", "--no-edit", "HEAD")  # the step back, committed
    forward = _apply(hosts, repo, operator="bob")
    assert forward.returncode == 0, forward.stdout + forward.stderr
    assert "E1209" not in forward.stderr


def apply_meanwhile(
    hosts: Fleet, estate: Path, line: str, meanwhile: Callable[[], None]
) -> tuple[int, str, str]:
    """Apply the estate, and do `meanwhile` once the apply printed `line`."""
    command = [sys.executable, "-m", "ccmsctl", "apply", str(estate)]
    command += ["--target", str(hosts.inventory), "--auto-approve"]
    apply = subprocess.Popen(
        command, cwd=hosts.key.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_line(apply, line)
        meanwhile()
        out, err = apply.communicate(timeout=300)
    finally:
        if apply.poll() is None:
            apply.kill()
            apply.wait(timeout=30)
    return apply.returncode, out, err


def test_a_host_lost_mid_apply_rolls_its_wave_back(fleet: tuple[Fleet, Path, Path]) -> None:
    hosts, estate, _ = fleet
    drifted = {}
    for host, path in (
        ("b-pbx", "/etc/asterisk/queues.conf"),
        ("a-edge", "/etc/kamailio/dispatcher.list"),
        ("a-pbx", "/etc/asterisk/pjsip.conf"),
    ):
        content = hosts.read(host, path)
        assert content is not None
        drifted[host] = (path, content, content + b"# by hand\n")
        hosts.put(host, path, drifted[host][2])
    code, out, err = apply_meanwhile(
        hosts,
        estate,
        "wave 1: healthy",
        hosts.hosts["a-pbx"].stop,  # gone before wave 2
    )
    assert code == 1, out + err
    assert "error[E1305]: apply failed on a-pbx" in err
    assert "rolled back: a-edge, a-pbx" in err
    path, compiled, by_hand = drifted["a-edge"]
    assert hosts.read("a-edge", path) == by_hand  # its wave's previous files are back
    path, compiled, by_hand = drifted["b-pbx"]
    assert hosts.read("b-pbx", path) == compiled  # the wave before stays applied
    assert answers_options(hosts.hosts["a-edge"].address, wait=5)


def test_a_host_key_that_changes_mid_apply_is_refused_by_ansible_too(
    fleet: tuple[Fleet, Path, Path],
) -> None:
    """The plan's read checks host keys; so does every connection Ansible makes afterwards
    (ansible-runner would switch that off): a host whose key changes between the read and
    its wave is not written to."""
    hosts, estate, _ = fleet
    for name in ("a-pbx", "a-edge"):  # back, as new machines: every file of theirs to add
        hosts.hosts[name].stop()
        hosts.hosts[name].start(hosts.key)
    operator(hosts)
    edge = hosts.hosts["a-edge"]
    queues = hosts.read("b-pbx", "/etc/asterisk/queues.conf")
    assert queues is not None
    hosts.put("b-pbx", "/etc/asterisk/queues.conf", queues + b"; by hand\n")  # a wave before

    def new_host_key() -> None:  # a-edge comes back with another key before wave 2
        edge.stop()
        edge.host_key.unlink()
        edge.host_key.with_suffix(".pub").unlink()
        edge.start(hosts.key)

    code, out, err = apply_meanwhile(hosts, estate, "wave 1 (site-b): applying", new_host_key)
    assert code == 1, out + err
    assert "error[E1305]: apply failed on a-edge" in err
    assert "Host key verification failed" in out + err
    assert edge.process is not None  # its files, as its own namespace sees them:
    assert not Path(f"/proc/{edge.process.pid}/root/var/lib/ccmsctl/record.json").exists()
    assert Path(f"/proc/{edge.process.pid}/root/etc/hostname").exists()  # the view works
