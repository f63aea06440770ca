"""`ccmsctl init`'s CI files: valid against GitHub's and GitLab's own schemas
(check-jsonschema's built-in copies of them), and their deploy and drift jobs' commands
run as the CI runs them (bash -e for GitHub, each script line for GitLab) against the lab:
a merge to staging is planned, the plan kept and applied, the servers' records name the
commit and who merged; the drift job passes, then fails once a server is edited by hand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import ccmsctl, git

pytestmark = pytest.mark.slow
WORKFLOWS = ".github/workflows"


def _init(tmp_path: Path) -> Path:
    repo = tmp_path / "e"
    done = ccmsctl("init", str(repo), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return repo


def test_the_ci_files_init_writes_pass_the_official_schemas(tmp_path: Path) -> None:
    repo = _init(tmp_path)
    checks = [
        ("vendor.github-workflows", sorted((repo / WORKFLOWS).glob("*.yml"))),
        ("vendor.gitlab-ci", [repo / ".gitlab-ci.yml"]),
    ]
    for schema, files in checks:
        assert files
        command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
        done = subprocess.run(
            [*command, *map(str, files)], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _github_steps(repo: Path, workflow: str, job: str) -> list[str]:
    """The job's shell steps that run ccmsctl (installing it is this checkout's business)."""
    document: Any = YAML(typ="safe").load((repo / WORKFLOWS / workflow).read_text())
    steps = document["jobs"][job]["steps"]
    return [
        s["run"] for s in steps if "run" in s and "ccmsctl " in s["run"] and "pipx" not in s["run"]
    ]


def _gitlab_lines(repo: Path, job: str) -> list[str]:
    document: Any = YAML(typ="safe").load((repo / ".gitlab-ci.yml").read_text())
    before = [line for line in document[".ccmsctl"]["before_script"] if "pipx" not in line]
    return [*before, *document[job]["script"]]


def _run(script: str, repo: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def short() -> Iterator[Path]:
    """A folder with a short path: the lab's control sockets live under it, and a Unix
    socket's path holds 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="ccms-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_deploy_and_drift_jobs_run_against_the_lab(short: Path, tmp_path: Path) -> None:
    repo = _init(short)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a new estate")
    git(repo, "checkout", "-q", "-b", "staging")  # a merge to staging deploys staging
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    runner = tmp_path / "runner"
    runner.mkdir()
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CCMSCTL_ENV": "staging",  # what the workflow's env and rules set
        "CCMSCTL_TARGET": "lab",  # the CI's servers: here, the lab
        "CCMSCTL_OPERATOR": "merger",
        "VAULT_PASSWORD": "not used by the lab",
        "ANSIBLE_VAULT_PASSWORD": "not used by the lab",
        "ANSIBLE_VAULT_PASSWORD_FILE": str(runner / "vault-password"),
        "CI_BUILDS_DIR": str(runner),
    }
    up = ccmsctl("lab", "up", ".", "--env", "staging", cwd=repo)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        for job in ("plan", "apply"):
            for script in _github_steps(repo, "ccmsctl-deploy.yml", job):
                done = _run(script, repo, environment)
                assert done.returncode == 0, (job, script, done.stdout + done.stderr)
        assert "Apply complete." in done.stdout
        lab = json.loads((repo / ".ccmsctl" / "lab" / "lab.json").read_text())
        roots = {host["name"]: Path(host["root"]) for host in lab["hosts"]}
        record = json.loads((roots["a-pbx-1"] / "var/lib/ccmsctl/record.json").read_text())
        assert (record["commit"], record["applied_by"]) == (head, "merger")

        (drift,) = _github_steps(repo, "ccmsctl-drift.yml", "drift")
        done = _run(drift, repo, environment)
        assert done.returncode == 0, done.stdout + done.stderr
        edited = roots["a-pbx-1"] / "etc/asterisk/extensions.conf"
        edited.write_text(edited.read_text() + "; by hand\n")
        done = _run(drift, repo, environment)
        assert done.returncode == 2, done.stdout + done.stderr
        metrics = (repo / "ccmsctl-metrics").glob("*.prom")
        assert any('host="a-pbx-1"' in path.read_text() for path in metrics)

        for job in ("ccmsctl-plan", "ccmsctl-apply"):  # GitLab's: it puts the edit back
            for line in _gitlab_lines(repo, job):
                done = _run(line, repo, environment)
                assert done.returncode == 0, (job, line, done.stdout + done.stderr)
        assert edited.read_text().endswith("; by hand\n") is False
        assert _run(drift, repo, environment).returncode == 0
    finally:
        ccmsctl("lab", "down", ".", cwd=repo)
