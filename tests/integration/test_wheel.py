"""ccmsctl as a user installs it: the wheel is built from the repository, installed into a
fresh virtual environment outside the checkout, and runs validate, compile, report, init and
the lab job (plan, apply, a call, plan again) on a copy of the example estate with the
templates, roles, playbooks and SIPp scenarios it carries itself.

The environment gets ccmsctl from the wheel alone (`pip install --no-deps --no-index`); its
dependencies (pydantic, ansible-core, ...) are the test environment's, reached through a path
file, so that the test needs no package index. The lab job runs in the session's lab (one
lab at a time: they share the loopback addresses), so this module runs after the lab's own
tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.slow
SOURCES = ("ccmsctl", "templates", "roles", "playbooks", "schemas")
FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`command` in `cwd`; ansible-playbook comes from the test environment's PATH, as the
    dependencies do."""
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin folder of a fresh venv holding ccmsctl from its wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for folder in SOURCES:
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "share")
        )
    for name in FILES:
        shutil.copy(ROOT / name, source / name)
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        work / "dist",
        source,
        cwd=work,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (work / "dist").glob("ccmsctl-*.whl")
    venv = work / "venv"
    made = run(sys.executable, "-m", "venv", venv, cwd=work)
    assert made.returncode == 0, made.stderr
    added = run(venv / "bin" / "pip", "install", "--no-deps", "--no-index", wheel, cwd=work)
    assert added.returncode == 0, added.stdout + added.stderr
    site = run(
        venv / "bin" / "python",
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        cwd=work,
    )
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    yield venv / "bin"


def test_the_wheel_carries_everything_ccmsctl_reads(installed: Path, tmp_path: Path) -> None:
    where = run(
        installed / "python",
        "-c",
        "import ccmsctl, ccmsctl.tooling as t; print(ccmsctl.__file__); print(t.root())",
        cwd=tmp_path,
    )
    module, share = where.stdout.split()
    assert not Path(module).is_relative_to(ROOT)
    assert Path(share) == Path(module).parent / "share"
    for folder in ("templates", "roles", "playbooks", "schemas"):
        shipped = sorted(
            p.relative_to(Path(share) / folder).as_posix()
            for p in (Path(share) / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
        tracked = sorted(
            p.relative_to(ROOT / folder).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
        assert shipped == tracked, folder
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    validated = run(installed / "ccmsctl", "validate", estate, cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    compiled = run(
        installed / "ccmsctl", "compile", estate, "--out", tmp_path / "build", cwd=tmp_path
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert (tmp_path / "build" / "sh1-edge-1" / "etc" / "kamailio" / "kamailio.cfg").is_file()
    golden = ROOT / "tests" / "golden" / "example" / "sh1-pbx-1" / "etc" / "asterisk"
    built = tmp_path / "build" / "sh1-pbx-1" / "etc" / "asterisk"
    assert (built / "extensions.conf").read_bytes() == (golden / "extensions.conf").read_bytes()
    reported = run(
        installed / "ccmsctl", "report", estate, "--out", tmp_path / "report.html", cwd=tmp_path
    )
    assert reported.returncode == 0, reported.stdout + reported.stderr
    assert '<svg id="data-flow-map"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    started = run(installed / "ccmsctl", "init", tmp_path / "new", cwd=tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    fresh = run(installed / "ccmsctl", "validate", tmp_path / "new", "--strict", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr


def test_the_lab_job_runs_from_the_wheel(
    installed: Path, example_lab: Path, tmp_path: Path
) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    lab = ("--lab-dir", example_lab / ".ccmsctl" / "lab")
    applied = run(installed / "ccmsctl", "apply", estate, "--auto-approve", *lab, cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete." in applied.stdout
    called = run(installed / "ccmsctl", "lab", "call", estate, "+862161230005", *lab, cwd=tmp_path)
    assert called.returncode == 0, called.stdout + called.stderr
    assert "answered by" in called.stdout
    again = run(installed / "ccmsctl", "plan", estate, *lab, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.rstrip().endswith("No changes.")
