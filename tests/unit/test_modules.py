"""The playbooks' own modules, run the way Ansible runs a WANT_JSON module: the module file
with one argument, a JSON file of its arguments; its answer is JSON on stdout."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ccmsctl import tooling

MODULES = tooling.playbooks() / "library"


def run_module(
    tmp_path: Path, module: str = "ccms_files", **arguments: Any
) -> tuple[int, dict[str, Any]]:
    args = tmp_path / "args.json"
    args.write_text(json.dumps(arguments), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(MODULES / f"{module}.py"), str(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return run.returncode, json.loads(run.stdout)


def staged(tmp_path: Path) -> tuple[Path, Path]:
    source, root = tmp_path / "staging", tmp_path / "root"
    (source / "etc/app").mkdir(parents=True)
    (source / "etc/app/main.conf").write_text("new\n", encoding="utf-8")
    (source / "etc/app/extra.conf").write_text("extra\n", encoding="utf-8")
    (root / "etc/app").mkdir(parents=True)
    (root / "etc/app/main.conf").write_text("old\n", encoding="utf-8")
    (root / "etc/app/stale.conf").write_text("stale\n", encoding="utf-8")
    return source, root


FILES = ["etc/app/main.conf", "etc/app/extra.conf"]


def test_installs_changed_files_with_modes_and_removes_stale_ones(tmp_path: Path) -> None:
    source, root = staged(tmp_path)
    status, result = run_module(
        tmp_path,
        root=str(root),
        source=str(source),
        files=FILES,
        remove=["etc/app/stale.conf", "etc/app/absent.conf"],
        modes={"etc/app/extra": "0600"},
    )
    assert status == 0
    assert result == {
        "changed": True,
        "installed": ["etc/app/extra.conf", "etc/app/main.conf"],
        "removed": ["etc/app/stale.conf"],
    }
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "new\n"
    assert (root / "etc/app/extra.conf").stat().st_mode & 0o777 == 0o600
    assert (root / "etc/app/main.conf").stat().st_mode & 0o777 == 0o644
    assert not (root / "etc/app/stale.conf").exists()

    status, again = run_module(tmp_path, root=str(root), source=str(source), files=FILES)
    assert (status, again) == (0, {"changed": False, "installed": [], "removed": []})


def test_arguments_and_files_can_come_on_stdin(tmp_path: Path) -> None:
    """As the action plugin runs it: `python3 -c SOURCE -`, the arguments' line, then the
    files in one tar."""
    source, root = staged(tmp_path)
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w") as tar:
        for path in FILES:
            tar.add(source / path, arcname=path, recursive=False)
    arguments = {"root": str(root), "archive": "-", "files": FILES, "modes": {"etc/": "0640"}}
    program = (MODULES / "ccms_files.py").read_text(encoding="utf-8")

    def sent(given: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        run = subprocess.run(
            [sys.executable, "-c", program, "-"],
            input=json.dumps(given).encode() + b"\n" + packed.getvalue(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        return run.returncode, json.loads(run.stdout)

    status, result = sent(arguments)
    assert (status, result["installed"]) == (0, ["etc/app/extra.conf", "etc/app/main.conf"])
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "new\n"
    assert (root / "etc/app/main.conf").stat().st_mode & 0o777 == 0o640
    status, result = sent({**arguments, "files": [*FILES, "etc/app/other.conf"]})
    assert (status, result["msg"]) == (1, "the sent archive lacks etc/app/other.conf")


def test_check_mode_reports_without_touching_anything(tmp_path: Path) -> None:
    source, root = staged(tmp_path)
    status, result = run_module(
        tmp_path,
        root=str(root),
        source=str(source),
        files=FILES,
        remove=["etc/app/stale.conf"],
        _ansible_check_mode=True,
    )
    assert status == 0
    assert result["changed"] is True
    assert result["installed"] == ["etc/app/extra.conf", "etc/app/main.conf"]
    assert result["removed"] == ["etc/app/stale.conf"]
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "old\n"
    assert not (root / "etc/app/extra.conf").exists()
    assert (root / "etc/app/stale.conf").exists()


def test_a_file_failing_its_check_leaves_the_old_one(tmp_path: Path) -> None:
    source, root = staged(tmp_path)
    status, result = run_module(
        tmp_path,
        root=str(root),
        source=str(source),
        files=FILES,
        validate={"etc/app/main.conf": "grep -q valid %s"},
    )
    assert status == 1
    assert result["failed"] is True
    assert result["msg"].startswith("etc/app/main.conf failed its check (grep -q valid %s)")
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "old\n"
    # files without a check go first; no temporary file is left behind
    assert sorted(p.name for p in (root / "etc/app").iterdir()) == [
        "extra.conf",
        "main.conf",
        "stale.conf",
    ]


def run_tasks(tmp_path: Path, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run `tasks` on this machine through ansible-playbook (the local connection), the
    action plugins and roles of the repository in use; each task's result, in order."""
    playbook = tmp_path / "play.yml"
    results = tmp_path / "results.json"
    collect = {
        "name": "collect",
        "ansible.builtin.copy": {
            "content": "{{ results | to_json }}",
            "dest": str(results),
        },
        "vars": {"results": [f"{{{{ task_{n} }}}}" for n in range(len(tasks))]},
    }
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {**task, "register": f"task_{n}", "ignore_errors": True} for n, task in enumerate(tasks)
        ]
        + [collect],
    }
    playbook.write_text(json.dumps([play]), encoding="utf-8")
    env = {
        **os.environ,
        "ANSIBLE_LIBRARY": str(MODULES),
        "ANSIBLE_ACTION_PLUGINS": str(tooling.playbooks() / "action_plugins"),
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-c", "local"]
    command += ["-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}"]
    run = subprocess.run(
        [*command, str(playbook)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert results.exists(), run.stdout + run.stderr
    found: list[dict[str, Any]] = json.loads(results.read_text(encoding="utf-8"))
    return found


def test_ccms_run_runs_one_command_and_reports_changed_by_its_output(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    ensure = ["started"]
    tasks: list[dict[str, Any]] = [
        {"ccms_run": {"argv": ["echo", "restarted"]}},
        {"ccms_run": {"argv": ["echo", "running"], "changed_if": ensure}},
        {"ccms_run": {"argv": ["sh", "-c", "echo one; echo started"], "changed_if": ensure}},
        {"ccms_run": {"argv": ["touch", str(marker)]}, "check_mode": True},
        {"ccms_run": {"argv": ["sh", "-c", "echo one; echo two >&2; exit 3"]}},
        {"ccms_run": {"argv": [str(tmp_path / "absent")]}},
        {"ccms_run": {"argv": "echo", "shell": True}},
        {"ccms_run": {"argv": []}},
    ]
    said, running, started, checked, failed, absent, unknown, empty = run_tasks(tmp_path, tasks)
    assert (said["changed"], said["stdout"]) == (True, "restarted")
    assert (running["changed"], running["stdout"]) == (False, "running")
    assert (started["changed"], started["stdout"]) == (True, "started")
    assert (checked["changed"], checked.get("skipped"), marker.exists()) == (False, True, False)
    assert failed["failed"] is True
    assert failed["msg"] == "sh -c 'echo one; echo two >&2; exit 3' failed: one | two"
    assert absent["failed"] is True and "no such file" in absent["msg"].lower()
    assert unknown["failed"] is True and "shell" in unknown["msg"]
    assert empty["failed"] is True and empty["msg"].startswith("argv must be a non-empty list")


def test_the_roles_package_script_installs_only_what_is_missing_or_off_its_pin(
    tmp_path: Path,
) -> None:
    """roles/packages' script, with dpkg-query and apt-get stand-ins on PATH (this test may
    not install packages on the machine): what it asks apt-get for, and what it answers."""
    variables = YAML(typ="safe").load((tooling.roles() / "packages/vars/main.yml").read_text())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    # installed here: kamailio 5.6.3-2; keepalived is not
    (bin_dir / "dpkg-query").write_text(
        '#!/bin/sh\nfor last; do :; done\n[ "$last" = kamailio ] || exit 1\n'
        "printf 'installed 5.6.3-2'\n"
    )
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    for program in bin_dir.iterdir():
        program.chmod(0o755)

    def script(*specs: str) -> tuple[str, list[str]]:
        calls.unlink(missing_ok=True)
        run = subprocess.run(
            ["sh", "-ec", variables["packages_install"], "sh", *specs],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
            check=True,
        )
        asked = calls.read_text().splitlines() if calls.exists() else []
        return run.stdout.strip(), asked

    assert script("kamailio=") == ("present", [])
    assert script("kamailio=5.6.3-2") == ("present", [])
    install = "-q -y install --no-install-recommends --allow-downgrades"
    assert script("kamailio=", "keepalived=") == ("installed", [f"{install} keepalived"])
    assert script("kamailio=5.6.4-1", "keepalived=1:2.2.7-1") == (
        "installed",
        [f"{install} kamailio=5.6.4-1 keepalived=1:2.2.7-1"],
    )


def test_bad_arguments_are_refused_by_name(tmp_path: Path) -> None:
    source, root = staged(tmp_path)
    cases = [
        ({"source": str(source)}, "missing required argument: root"),
        (
            {"root": str(root), "source": str(source), "files": "etc/app/main.conf"},
            "argument files must be a list, not str",
        ),
        (
            {"root": str(root), "source": str(source), "backup": True},
            "unsupported parameters: backup",
        ),
    ]
    for arguments, message in cases:
        status, result = run_module(tmp_path, **arguments)
        assert (status, result["failed"], result["msg"]) == (1, True, message)
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "old\n"
