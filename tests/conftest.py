"""Shared test helpers: the repository's paths, fixture estates and a fixed date."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.output import write_build
from ccmsctl.errors import Finding
from ccmsctl.load.estate import load_estate
from ccmsctl.validate.run import validate_estate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "sites" / "example"
FIXTURES = ROOT / "tests" / "fixtures"
BASE = FIXTURES / "_base"
TODAY = date(2026, 11, 23)


def fixture_estate(name: str, into: Path) -> Path:
    """A broken estate: the base estate with the fixture's files laid over it (a fixture
    holding `.standalone` is an estate of its own)."""
    source = FIXTURES / name
    estate = into / "estate"
    if not (source / ".standalone").exists():
        shutil.copytree(BASE, estate)
    shutil.copytree(
        source, estate, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns("expected")
    )
    return estate


def findings_of(directory: Path, today: date = TODAY) -> list[Finding]:
    loaded = load_estate(directory)
    outcome = validate_estate(loaded.estate, loaded.sources, today=today, loaded=loaded.findings)
    return list(outcome.findings)


def brief(finding: Finding, directory: Path) -> str:
    """`file:line:col: severity[CODE]`, with the file relative to the estate."""
    file = Path(finding.span.file)
    shown = file.relative_to(directory).as_posix() if file.is_absolute() else file.as_posix()
    span = finding.span
    return f"{shown}:{span.line}:{span.col}: {finding.severity.value}[{finding.code}]"


# Tests with real processes of their own addresses: in network namespaces (VRRP, drills),
# on 127.9.x (the SSH hosts), on a free port (a fake device, a Prometheus of their own).
APART = {
    "test_vrrp.py",
    "test_drill.py",
    "test_ssh.py",
    "test_ssh_apply.py",
    "test_netdev.py",
    "test_burst_trigger.py",
}


def pytest_itemcollected(item: pytest.Item) -> None:
    """With pytest-xdist (`-n 2 --dist loadgroup`, as tests/run runs them): the tests on the
    lab's loopback addresses run on one worker in file order (the shared lab, its
    addresses), the other real-process tests in order on one worker too, and the rest
    spread over both. (Marked as collected: pytest-xdist reads the groups before other
    hooks see the collected items.)"""
    if not any(part in ("integration", "infra") for part in item.path.parts):
        return
    item.add_marker(pytest.mark.xdist_group("apart" if item.path.name in APART else "lab"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite tests/golden from the compiler"
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example estate compiled for production into a build folder."""
    out = tmp_path_factory.mktemp("example") / "build"
    write_build(compile_estate(load_estate(EXAMPLE).estate), out)
    return out


def ccmsctl(
    *args: str, cwd: Path, timeout: float = 300, answer: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would, in `cwd`; `answer`: what the user types."""
    return subprocess.run(
        [sys.executable, "-m", "ccmsctl", *args],
        cwd=cwd,
        input=answer,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def example_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A lab of the example estate (up, not yet applied) for the whole session: its working
    folder. One lab at a time: every lab binds the same loopback addresses."""
    for program in ("kamailio", "sipp"):
        if shutil.which(program) is None and shutil.which(program, path="/usr/sbin") is None:
            message = f"{program} is not installed"
            if os.environ.get("CCMSCTL_REAL_COMPONENTS") == "required":
                pytest.fail(message)
            pytest.skip(message)
    workdir = tmp_path_factory.mktemp("lab")
    up = ccmsctl("lab", "up", str(EXAMPLE), cwd=workdir)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        yield workdir
    finally:
        down = ccmsctl("lab", "down", str(EXAMPLE), cwd=workdir)
        assert down.returncode == 0, down.stdout + down.stderr


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def wait_for_line(process: subprocess.Popen[Any], start: str, timeout: float = 120) -> None:
    """Read the process's output until a line starting with `start` (bounded)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        text = line.decode() if isinstance(line, bytes) else line
        if text.startswith(start):
            return
        if not text and process.poll() is not None:
            break
    raise AssertionError(f"the apply never printed {start!r}")
