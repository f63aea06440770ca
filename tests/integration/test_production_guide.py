"""The production guide (docs/production.md), followed against real sshd hosts
(tests/integration/sshd.py): every shell command of its code blocks is run here, in order,
on an estate `ccmsctl init` made, whose four hosts are the fleet's. Where the guide speaks
of a server's address or port, or of your own files (~/.ssh/known_hosts, the vault's
password file), the fleet's are used; nothing else is changed. A guide command this test
does not know fails it, so the guide cannot say what no test ran."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, ccmsctl, git
from tests.integration.sshd import ASTERISK_STAND_IN, PORT, Fleet, start_fleet

pytestmark = pytest.mark.slow
GUIDE = ROOT / "docs" / "production.md"
HOSTS = ["a-edge-1", "a-pbx-1", "b-edge-1", "b-pbx-1"]  # the hosts `ccmsctl init` writes


def guide_commands() -> list[str]:
    """The shell commands of the guide's ```sh blocks, in order, comments taken off."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, Path]]:
    folder = tmp_path_factory.mktemp("guide")
    started = start_fleet(HOSTS, folder / "fleet", first=41)
    try:
        estate = folder / "estate"
        made = ccmsctl("init", str(estate), cwd=folder)
        assert made.returncode == 0, made.stdout + made.stderr
        text = (estate / "estate.yaml").read_text()
        for name, host in started.hosts.items():
            text = re.sub(
                rf"(name: {name}, roles: \[\w+\], address: )[0-9.]+", rf"\g<1>{host.address}", text
            )
        (estate / "estate.yaml").write_text(text)
        yield started, estate
    finally:
        for host in started.hosts.values():
            host.stop()


class Operator:
    """Runs the guide's commands as the operator it speaks to would, on the fleet."""

    def __init__(self, fleet: Fleet, estate: Path) -> None:
        self.fleet = fleet
        self.estate = estate
        self.known_hosts = estate.parent / "known_hosts"  # the operator's ~/.ssh/known_hosts
        self.environment = dict(os.environ) | {
            "GIT_AUTHOR_NAME": "ci",
            "GIT_AUTHOR_EMAIL": "ci@example.com",
            "GIT_COMMITTER_NAME": "ci",
            "GIT_COMMITTER_EMAIL": "ci@example.com",
            "GIT_EDITOR": "true",  # `git revert` keeps its message
        }
        self.outputs: list[tuple[str, int, str]] = []

    def run(self, command: str) -> tuple[int, str]:
        words = shlex.split(command)
        if words[0] == "ccmsctl":
            done = subprocess.run(
                [sys.executable, "-m", "ccmsctl", *words[1:]],
                cwd=self.estate,
                env=self.environment,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            out = done.stdout + done.stderr
            code = done.returncode
        elif words[0] in ("useradd", "echo"):  # on each server, as root
            results = [self.fleet.ssh(name, command) for name in self.fleet.hosts]
            code = max(r.returncode for r in results)
            out = "".join(r.stderr.decode() for r in results)
        elif words[0] == "ssh-keyscan":  # each host, at its address and port
            code, out = self._keyscan(command)
        elif words[0] == "export":
            name, _, value = words[1].partition("=")
            value = str(self.estate.parent / "vault-password") if value.startswith("~") else value
            Path(value).write_text("the vault password of the guide's test\n")
            self.environment[name] = value
            code, out = 0, ""
        elif words[0] in ("cp", "ansible-vault", "git"):
            tools = Path(sys.executable).parent  # the virtual environment's ansible-vault
            program = [str(tools / words[0])] if words[0] == "ansible-vault" else [words[0]]
            done = subprocess.run(
                [*program, *words[1:]],
                cwd=self.estate,
                env=self.environment,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            code, out = done.returncode, done.stdout + done.stderr
        else:
            pytest.fail(f"the guide's command {command!r} is one this test does not run")
        self.outputs.append((command, code, out))
        return code, out

    def _keyscan(self, command: str) -> tuple[int, str]:
        words = shlex.split(command.partition(">>")[0])
        out = ""
        for host in self.fleet.hosts.values():
            at = [*words[:-1], host.address]
            at[at.index("-p") + 1] = str(PORT)
            done = subprocess.run(at, capture_output=True, text=True, timeout=30, check=False)
            # the fingerprint compared with the server's own key, as the guide says
            expected = host.known_hosts_line().split()[1:]
            scanned = [line.split()[1:] for line in done.stdout.splitlines() if line.strip()]
            assert expected in scanned, (host.name, done.stdout, done.stderr)
            with self.known_hosts.open("a") as stream:
                stream.write(done.stdout)
            out += done.stderr
        return 0, out


def _inventory(fleet: Fleet, operator: Operator) -> Path:
    """The guide's inventory, for the fleet: user deploy through sudo, the pins."""
    options = f"-o UserKnownHostsFile={operator.known_hosts} -o IdentitiesOnly=yes"
    inventory = operator.estate.parent / "inventory.yml"  # beside the estate
    inventory.write_text(
        "all:\n  vars:\n    ansible_user: deploy\n    ansible_become: true\n"
        f"    ansible_ssh_private_key_file: {fleet.key}\n"
        f'    ansible_ssh_common_args: "{options}"\n'
        f'    ccms_package_versions: {{asterisk: "{ASTERISK_STAND_IN}"}}\n  hosts:\n'
        + "".join(
            f"    {h.name}: {{ansible_host: {h.address}, ansible_port: {PORT}}}\n"
            for h in fleet.hosts.values()
        )
    )
    return inventory


def test_the_production_guide_runs_from_the_first_plan_to_a_rollback(
    fleet: tuple[Fleet, Path],
) -> None:
    hosts, estate = fleet
    operator = Operator(hosts, estate)
    commands = guide_commands()
    revert = commands.index("git revert HEAD")
    for command in commands[:revert]:
        if command.startswith("ccmsctl plan") and not (estate.parent / "inventory.yml").exists():
            _inventory(hosts, operator)
        if command == "ansible-vault encrypt secrets/phones.yml":
            # "with long random values", as the guide's example shows
            (estate / "secrets/phones.yml").write_text(f'"1001": {os.urandom(16).hex()}\n')
        code, out = operator.run(command)
        if command == "ccmsctl secrets ." and not (estate / "secrets/phones.yml").exists():
            assert code == 1 and "does not resolve" in out, out  # before the vault is made
            continue
        assert code == 0, (command, out)
        if command.startswith("ccmsctl plan . --target") and "--out" not in command:
            planned = [c for c, _, _ in operator.outputs if c.startswith("ccmsctl apply")]
            assert ("No changes." in out) == bool(planned), out
    assert (estate / "first.plan").is_file()
    first = next(o for c, _, o in operator.outputs if c.startswith("ccmsctl apply first.plan"))
    assert "Apply complete." in first, first
    # a change, applied, to revert as the guide says
    git(estate, "init", "-q")
    git(estate, "add", "-A")
    git(estate, "commit", "-qm", "the estate")
    voice = estate / "voice.yaml"
    voice.write_text(voice.read_text().replace('close: "18:00"', 'close: "19:00"', 1))
    git(estate, "commit", "-qam", "open an hour longer")
    code, out = operator.run("ccmsctl apply . --target ../inventory.yml --auto-approve")
    assert code == 0, out
    for command in commands[revert:]:
        code, out = operator.run(command)
        assert code == 0, (command, out)
        if command == "ccmsctl plan . --target ../inventory.yml":
            assert "~ etc/asterisk/extensions.conf" in out, out  # the change, backwards
    code, out = operator.run("ccmsctl plan . --target ../inventory.yml")
    assert code == 0 and "No changes." in out, out
