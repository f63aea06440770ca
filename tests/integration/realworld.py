"""Real programs for the integration tests: a lab compile on loopback, Kamailio, SIPp.

Every process started here is stopped by its context manager; every wait is bounded.
Only loopback addresses (127.0.0.0/8) are used.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ccmsctl import tooling
from ccmsctl.apply.health import sip_status
from ccmsctl.artifacts import Placement
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.lab import lab_estate
from ccmsctl.lab import call, lab
from ccmsctl.lab.secrets import lab_secret
from ccmsctl.load.estate import load_estate
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.running import Ran

SCENARIOS = lab.SCENARIOS


def require(program: str) -> str:
    """The program's path; without it the test is skipped, or fails where CI requires it."""
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
    if found:
        return found
    message = f"{program} is not installed (.ci/run installs it from Debian's packages)"
    pytest.skip(message)


def build_lab(
    estate_dir: Path | Estate, into: Path, only: Collection[str] | None = None
) -> dict[str, str]:
    """Compile `estate_dir` (or an estate loaded from it) for a lab under `into`, with the
    files of secrets filled with values of the lab's own (kept in `into`/.secrets); `only`:
    write just these hosts' files. Returns host -> loopback address."""
    loaded = estate_dir if isinstance(estate_dir, Estate) else load_estate(estate_dir).estate
    estate = lab_estate(loaded)
    hosts = [host for site in estate.of(Site) for host in site.hosts]
    roots = {host.name: str(into / host.name) for host in hosts}
    artifacts = compile_estate(estate, placement=Placement(roots=roots))
    for host, path, content in artifacts.files():
        if only is not None and host not in only:
            continue
        target = into / host / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (into / ".secrets").mkdir(mode=0o700, exist_ok=True)
    for host, files in artifacts.secrets.items():
        if only is not None and host not in only:
            continue
        for path, secret_file in files.items():
            values = {s: lab_secret(into / ".secrets", s) for s in secret_file.secrets()}
            target = into / host / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(secret_file.render(values))
    return {host.name: str(host.address) for host in hosts}


@contextmanager
def kamailio(root: Path, address: str) -> Iterator[Path]:
    """Run the edge whose files are under `root`; yields its log file."""
    binary = require("kamailio")
    run = root / "run" / "kamailio"
    run.mkdir(parents=True, exist_ok=True)
    log = root / "kamailio.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                binary,
                "-DD",
                "-E",
                "-f",
                str(root / "etc/kamailio/kamailio.cfg"),
                "-P",
                str(run / "kamailio.pid"),
                "-Y",
                str(run),
                "-w",
                str(root),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if sip_status("127.0.0.1", address, "OPTIONS", f"sip:{address}", wait=15) is None:
            raise AssertionError(f"kamailio did not start:\n{log.read_text(errors='replace')}")
        yield log
    finally:
        _stop(process)


@contextmanager
def pbx_stand_ins(
    addresses: list[str], trace_dir: Path, scenario: str = "pbx_uas.xml"
) -> Iterator[dict[str, Path]]:
    """SIPp answering OPTIONS and calls on each address (by default answering them; with
    pbx_503_uas.xml refusing them); yields address -> message trace."""
    binary = require("sipp")
    traces: dict[str, Path] = {}
    processes = []
    try:
        for address in addresses:
            traces[address] = trace_dir / f"pbx-{address}.msg"
            processes.append(
                subprocess.Popen(
                    [
                        binary,
                        "-sf",
                        str(SCENARIOS / scenario),
                        "-i",
                        address,
                        "-p",
                        "5060",
                        "-nostdin",
                        "-trace_msg",
                        "-message_file",
                        str(traces[address]),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        time.sleep(0.5)
        yield traces
    finally:
        for process in processes:
            _stop(process)


def carrier_call(source: str, edge: str, did: str, trace_dir: Path) -> Ran:
    """One call from a carrier at `source` to `did` through the edge; SIPp's exit status 0
    means the call was answered and hung up cleanly."""
    require("sipp")
    return call.carrier_call(
        source,
        edge,
        did,
        timeout=25,
        extra=("-trace_err", "-error_file", str(trace_dir / f"carrier-{source}.err")),
    )


def invites(trace: Path) -> list[str]:
    """Request lines of the INVITEs a stand-in received."""
    if not trace.exists():
        return []
    return [
        line
        for line in trace.read_text(errors="replace").splitlines()
        if line.startswith("INVITE sip:")
    ]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def served_subject(address: str, port: int = 5061) -> str:
    """The subject of the certificate a TLS listener presents (openssl s_client), or ""."""
    served = subprocess.run(
        ["openssl", "s_client", "-connect", f"{address}:{port}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    found = re.search(r"^subject=(.*)$", served.stdout, re.MULTILINE)
    return found.group(1).strip() if found else ""


ASTERISK_BUILD = Path(__file__).resolve().parents[1] / "asterisk" / "build"
LAB_SCRIPT = tooling.roles() / "asterisk" / "files" / "asterisk-lab"


def asterisk() -> Path:
    """The Asterisk the tests run: the one the lab would find (installed, or linked into the
    environment by bootstrap --dev), else the one bootstrap --dev built from the vendored
    sources (tests/asterisk/build); without either the test is skipped, or fails where CI
    requires it."""
    found = lab.find_asterisk()
    if found:
        return Path(found)
    built = subprocess.run(
        [str(ASTERISK_BUILD), "--built"], capture_output=True, text=True, timeout=30, check=False
    )
    if built.returncode != 0:
        message = "asterisk is not installed, nor built (./bootstrap --dev builds it)"
        pytest.skip(message)
    return Path(built.stdout.strip()) / "sbin" / "asterisk"


@dataclass(frozen=True)
class Pbx:
    """A real Asterisk running a PBX host's compiled files under its root."""

    program: Path
    config: Path
    log: Path  # the generated logger.conf's file

    def cli(self, command: str) -> str:
        """The output of an Asterisk CLI command (asterisk -rx)."""
        done = subprocess.run(
            [str(self.program), "-C", str(self.config), "-rx", command],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"asterisk -rx {command!r}: {done.stdout}{done.stderr}")
        return done.stdout

    def problems(self) -> list[str]:
        """The ERROR and WARNING lines of its log but Asterisk's own load alert: a PBX with
        hundreds of phones queues more device-state updates at boot than the alert level of
        Asterisk's internal task queue (a fixed 500), and says so once."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [
            line
            for line in text.splitlines()
            if re.search(r"\] (ERROR|WARNING)\[", line)
            and not re.search(r"Taskprocessor 'stasis/m:devicestate:all-\w+' queue reached", line)
        ]


@contextmanager
def asterisk_pbx(root: Path) -> Iterator[Pbx]:
    """Start Asterisk with the files under `root` (its etc/asterisk/asterisk.conf points
    every folder there) as the lab does, with the asterisk role's script (which waits,
    bounded, until it has fully booted); stop it afterwards."""
    program = asterisk()
    config = root / "etc/asterisk/asterisk.conf"
    pbx = Pbx(program, config, root / "var/log/asterisk/messages.log")
    pid_file = root / lab.ASTERISK_PID
    started = subprocess.run(
        [str(LAB_SCRIPT), "ensure", str(program), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        if started.returncode != 0 or started.stdout.strip() != "started":
            raise AssertionError(
                f"asterisk did not start: {started.stdout}{started.stderr}"
                + "\n".join(pbx.problems())
            )
        yield pbx
    finally:
        pid = int(pid_file.read_text()) if pid_file.is_file() else None
        subprocess.run(
            [str(program), "-C", str(config), "-rx", "core stop now"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        deadline = time.monotonic() + 15
        while pid is not None and _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid is not None and _running(pid):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
