"""Benchmark `ccmsctl plan --target INVENTORY` over SSH: 5 hosts against 50 hosts.

    python bench/ssh_plan.py [--rounds 3]

The estates are bench/apply.py's (a twin pair of sites is five hosts); every host is a real
sshd in a mount namespace of its own (tests/integration/sshd.py), on 127.9.0.x. Two figures
per size: a plan against fresh hosts (every file to add), and a plan against hosts that hold
exactly the compiled files and their record (`No changes.`). Targets: the 50-host plan
takes less than 4 times the 5-host one, and the no-change plan of 50 hosts less than 5 s.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apply import estate
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.state import RECORD, Record, sha256
from tests.integration.sshd import Fleet, start_fleet


def timed_plan(folder: Path, fleet: Fleet) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "ccmsctl", "plan", str(folder), "--target", str(fleet.inventory)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    took = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"plan failed:\n{run.stdout}{run.stderr}")
    return took, run.stdout.strip().splitlines()[-1]


def seed(folder: Path, fleet: Fleet) -> None:
    """Every host gets its compiled files and the record of them, in one SSH call."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for host, files in compile_estate(load_estate(folder).estate).hosts.items():
        record = Record("bench", now, {path: sha256(content) for path, content in files.items()})
        stream = io.BytesIO()
        with tarfile.open(fileobj=stream, mode="w") as tar:
            for path, content in {**files, RECORD: record.to_json().encode()}.items():
                info = tarfile.TarInfo(path)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        done = fleet.ssh(host, "tar -C / -xf -", stream.getvalue())
        if done.returncode != 0:
            raise SystemExit(f"{host}: {done.stderr.decode()}")


def measure(sites: int, rounds: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="ccmsctl-bench-") as work:
        folder = estate(Path(work) / "estate", sites)
        names = sorted(
            host.name
            for site in load_estate(folder).estate.documents["Site"]
            for host in site.hosts
        )
        fleet = start_fleet(names, Path(work) / "fleet")
        try:
            fresh = [timed_plan(folder, fleet) for _ in range(rounds)]
            seed(folder, fleet)
            same = [timed_plan(folder, fleet) for _ in range(rounds)]
        finally:
            for host in fleet.hosts.values():
                host.stop()
    assert all(line == "No changes." for _, line in same), same
    return (
        statistics.median(t for t, _ in fresh),
        statistics.median(t for t, _ in same),
        len(names),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    if shutil.which("sshd", path="/usr/sbin") is None:
        raise SystemExit("sshd is not installed (bootstrap installs openssh-server)")
    small = measure(2, rounds)
    large = measure(20, rounds)
    for fresh, same, hosts in (small, large):
        print(f"{hosts} hosts: plan {fresh:.2f} s (fresh hosts), {same:.2f} s (no changes)")
    print(f"ratio 50/5, fresh: {large[0] / small[0]:.2f}; no changes: {large[1] / small[1]:.2f}")


if __name__ == "__main__":
    main()
