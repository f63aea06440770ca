"""The playbooks' own modules, run the way Ansible runs a WANT_JSON module: the module file
with one argument, a JSON file of its arguments; its answer is JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def test_ccms_run_reports_changed_by_its_output(tmp_path: Path) -> None:
    assert run_module(tmp_path, "ccms_run", argv=["echo", "restarted"]) == (
        0,
        {"changed": True, "stdout": "restarted"},
    )
    ensure = ["started"]
    assert run_module(tmp_path, "ccms_run", argv=["echo", "running"], changed_if=ensure) == (
        0,
        {"changed": False, "stdout": "running"},
    )
    assert run_module(tmp_path, "ccms_run", argv=["echo", "started"], changed_if=ensure)[1][
        "changed"
    ]
    marker = tmp_path / "ran"
    status, result = run_module(
        tmp_path, "ccms_run", argv=["touch", str(marker)], _ansible_check_mode=True
    )
    assert (status, result["changed"], marker.exists()) == (0, False, False)


def test_ccms_run_fails_with_the_command_and_its_last_output(tmp_path: Path) -> None:
    status, result = run_module(
        tmp_path, "ccms_run", argv=["sh", "-c", "echo one; echo two >&2; exit 3"]
    )
    assert (status, result["failed"]) == (1, True)
    assert result["msg"] == "sh -c echo one; echo two >&2; exit 3 failed: one | two"
    status, result = run_module(tmp_path, "ccms_run", argv=[str(tmp_path / "absent")])
    assert (status, result["failed"]) == (1, True)
    assert "No such file" in result["msg"]
    status, result = run_module(tmp_path, "ccms_run", argv="echo", shell=True)
    assert (status, result["msg"]) == (1, "unsupported parameters: shell")


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
