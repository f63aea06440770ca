"""Shared test helpers: the repository's paths, fixture estates and a fixed date."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
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


def example_devices() -> dict[str, str]:
    """Each network platform, with the first device of the example on it: every platform
    ccmsctl drives has one there."""
    from ccmsctl.model.netdevice import NetworkDevice  # noqa: PLC0415

    devices = sorted(load_estate(EXAMPLE).estate.of(NetworkDevice), key=lambda d: d.name)
    found: dict[str, str] = {}
    for device in devices:
        found.setdefault(device.platform, device.name)
    return dict(sorted(found.items()))


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


def findings_of(directory: Path, today: date = TODAY, env: str | None = None) -> list[Finding]:
    loaded = load_estate(directory, env)
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
# The order of the files that share the lab: the edge tests run their own processes on the
# lab's loopback addresses before the lab is up, the apply tests bring the shared lab up, and
# the infra checks read the lab they leave behind. A real-process file not named here runs
# after these, in its group.
ORDER = [
    "test_netdev.py",
    "test_edge.py",
    "test_asterisk.py",
    "test_gitops.py",  # a lab of its own on the loopback addresses the shared lab takes next
    "test_import_calls.py",  # a lab of its own too
    "test_import_samples.py",  # and one more
    "test_migrate.py",  # and one more
    "test_apply.py",
    "test_alerts.py",
    "test_lab_network.py",
    "test_lab_hosts.py",
    "test_report_target.py",
    "test_calls.py",
    "test_simulate_calls.py",
    "test_burst.py",
    "test_burst_trigger.py",
    "test_wheel.py",
    "test_ssh.py",
    "test_ssh_apply.py",
    "test_vrrp.py",
    "test_drill.py",
]


def _real_processes(item: pytest.Item) -> bool:
    return any(part in ("integration", "infra") for part in item.path.parts)


def pytest_itemcollected(item: pytest.Item) -> None:
    """With pytest-xdist (`-n 2 --dist loadgroup`, as tests/run runs them): the tests on the
    lab's loopback addresses run on one worker in file order (the shared lab, its
    addresses), the other real-process tests in order on one worker too, and the rest
    spread over both. (Marked as collected: pytest-xdist reads the groups before other
    hooks see the collected items.)"""
    if _real_processes(item):
        item.add_marker(pytest.mark.xdist_group("apart" if item.path.name in APART else "lab"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real-process tests last, their files in ORDER (a stable sort: tests keep their
    order within a file)."""

    def rank(item: pytest.Item) -> tuple[int, int]:
        if not _real_processes(item):
            return (0, 0)
        name = item.path.name
        return (1, ORDER.index(name) if name in ORDER else len(ORDER))

    items.sort(key=rank)


def pytest_configure(config: pytest.Config) -> None:
    """The tests' cache of parsed files is their own, made for the run and removed after it
    (ccmsctl's default is the user's cache folder), unless the environment names one."""
    if "CCMSCTL_CACHE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="ccmsctl-test-cache-")
        os.environ["CCMSCTL_CACHE"] = folder
        config.stash[_CACHE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("CCMSCTL_CACHE", None)


_CACHE = pytest.StashKey[str]()


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


def git(repo: Path, *args: str) -> None:
    """Run git in `repo` as a committer of the tests' own."""
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="session")
def example_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A lab of the example estate (up, not yet applied) for the whole session: its working
    folder. One lab at a time: every lab binds the same loopback addresses."""
    for program in ("kamailio", "sipp"):
        if shutil.which(program) is None and shutil.which(program, path="/usr/sbin") is None:
            pytest.skip(f"{program} is not installed")
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
    """Read the process's output until a line starting with `start`, for at most `timeout`
    seconds: every read waits only for what is left of it, so a silent process cannot hang
    the test. It reads a byte at a time, so what comes after that line is still there for
    the caller to read."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    line = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([descriptor], [], [], min(left, 1.0))
        if not ready:
            continue
        byte = os.read(descriptor, 1)
        if not byte:
            raise AssertionError(f"the process ended its output without printing {start!r}")
        if byte != b"\n":
            line += byte
            continue
        if line.decode(errors="replace").startswith(start):
            return
        line = b""
    raise AssertionError(f"the process did not print {start!r} within {timeout:g} s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Where CI requires the real components (CCMSCTL_REAL_COMPONENTS=required), a test that
    skips has failed: a missing Kamailio, Asterisk or root must not pass as a skip. Every
    skip in the suite goes through here, so no call site has to remember the rule."""
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and os.environ.get("CCMSCTL_REAL_COMPONENTS") == "required":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped where real components are required: {reason}"
