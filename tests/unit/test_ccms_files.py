"""The role's ccms_files module, run the way Ansible runs a WANT_JSON module: the module
file with one argument, a JSON file of its arguments; its answer is JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ccmsctl.plan.provenance import REPOSITORY

MODULE = REPOSITORY / "roles" / "common" / "library" / "ccms_files.py"


def run_module(tmp_path: Path, **arguments: Any) -> tuple[int, dict[str, Any]]:
    args = tmp_path / "args.json"
    args.write_text(json.dumps(arguments), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(MODULE), str(args)],
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
    marker = tmp_path / "restarted"
    status, result = run_module(
        tmp_path,
        root=str(root),
        source=str(source),
        files=FILES,
        restarts=[{"prefix": "etc/app/", "argv": ["touch", str(marker)]}],
        _ansible_check_mode=True,
    )
    assert status == 0
    assert result["changed"] is True
    assert result["installed"] == ["etc/app/extra.conf", "etc/app/main.conf"]
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "old\n"
    assert not (root / "etc/app/extra.conf").exists()
    assert not marker.exists()


def test_a_file_failing_its_check_leaves_the_old_one_and_restarts_nothing(
    tmp_path: Path,
) -> None:
    source, root = staged(tmp_path)
    marker = tmp_path / "restarted"
    status, result = run_module(
        tmp_path,
        root=str(root),
        source=str(source),
        files=FILES,
        validate={"etc/app/main.conf": "grep -q valid %s"},
        restarts=[{"prefix": "etc/app/", "argv": ["touch", str(marker)]}],
    )
    assert status == 1
    assert result["failed"] is True
    assert result["msg"].startswith("etc/app/main.conf failed its check (grep -q valid %s)")
    assert (root / "etc/app/main.conf").read_text(encoding="utf-8") == "old\n"
    assert not marker.exists()
    assert sorted(p.name for p in (root / "etc/app").iterdir()) == [
        "extra.conf",
        "main.conf",
        "stale.conf",
    ]


def test_restart_runs_only_when_its_files_changed_and_ensure_otherwise(tmp_path: Path) -> None:
    source, root = staged(tmp_path)
    common = {
        "root": str(root),
        "source": str(source),
        "files": FILES,
        "restarts": [{"prefix": "etc/app/", "argv": ["echo", "restarted"]}],
        "ensure": [["echo", "started"]],
    }
    assert run_module(tmp_path, **common)[1]["changed"] is True
    # nothing to install: the ensure command runs, and "started" means it changed the host
    status, result = run_module(tmp_path, **common)
    assert (status, result["changed"], result["installed"]) == (0, True, [])
    status, result = run_module(tmp_path, **{**common, "ensure": [["echo", "running"]]})
    assert (status, result["changed"]) == (0, False)


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
