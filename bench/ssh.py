"""Benchmark plan and apply over SSH (`--target INVENTORY`): 5 hosts against 50 hosts.

    python bench/ssh.py [--rounds 3]

The estates are bench/apply.py's (a twin pair of sites is five hosts); every host is a real
sshd in a mount namespace of its own (tests/integration/sshd.py), on 127.9.0.x. Per size:
a plan against fresh hosts (every file to add), the first apply (the PBXs' asterisk package
from the test repository, every file, the services started, two waves with their health
gates), then a plan and an apply with nothing to change. Each of these starts with no SSH
connection open (the master connections ccmsctl keeps for a minute are closed first); the
no-change plan is also timed over the connections the one before it left open. Targets:
the 50-host plan and apply take less than 4 times the 5-host ones, and the no-change plan
of 50 hosts less than 5 s.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apply import estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.site import Site
from ccmsctl.ssh.target import masters
from tests.integration.sshd import Fleet, start_fleet


def close_connections() -> None:
    """Close the master connections earlier commands left open (ssh/target.py masters())."""
    folder = masters()
    for socket in sorted(folder.iterdir()) if folder else []:
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "master"],
            capture_output=True,
            timeout=30,
            check=False,
        )


def timed(fleet: Fleet, *args: str, cold: bool = True) -> tuple[float, str]:
    """Seconds `ccmsctl ARGS --target INVENTORY` took, and its last line; `cold`: with no
    connection open before."""
    if cold:
        close_connections()
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "ccmsctl", *args, "--target", str(fleet.inventory)],
        cwd=fleet.key.parent,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    took = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"ccmsctl {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return took, run.stdout.strip().splitlines()[-1]


def _onto(estate_file: Path, fleet: Fleet) -> None:
    """The estate's hosts on the fleet's addresses, where their services listen."""
    text = estate_file.read_text()
    for name, host in fleet.hosts.items():
        pattern = rf"(name: {re.escape(name)}, roles: \[\w+\], address: )[0-9.]+"
        text = re.sub(pattern, rf"\g<1>{host.address}", text)
    estate_file.write_text(text)


def measure(sites: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ccmsctl-bench-") as work:
        folder = estate(Path(work) / "estate", sites)
        names = sorted(
            host.name for site in load_estate(folder).estate.of(Site) for host in site.hosts
        )
        fleet = start_fleet(names, Path(work) / "fleet")
        try:
            _onto(folder / "estate.yaml", fleet)
            fresh = [timed(fleet, "plan", str(folder)) for _ in range(rounds)]
            first = timed(fleet, "apply", str(folder), "--auto-approve")
            same = [timed(fleet, "plan", str(folder)) for _ in range(rounds)]
            kept = [timed(fleet, "plan", str(folder), cold=False) for _ in range(rounds)]
            again = timed(fleet, "apply", str(folder), "--auto-approve")
        finally:
            close_connections()
            for host in fleet.hosts.values():
                host.stop()
    assert all(line == "No changes." for _, line in same + kept), same + kept
    assert again[1].startswith("Apply complete. No changes. Ansible changed=0"), again
    return {
        "hosts": len(names),
        "plan fresh": statistics.median(t for t, _ in fresh),
        "first apply": first[0],
        "plan no changes": statistics.median(t for t, _ in same),
        "plan no changes, connections kept": statistics.median(t for t, _ in kept),
        "apply no changes": again[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    if shutil.which("sshd", path="/usr/sbin") is None:
        raise SystemExit("sshd is not installed (bootstrap installs openssh-server)")
    small = measure(2, rounds)
    large = measure(20, rounds)
    for figure in list(small)[1:]:
        print(
            f"{figure}: {small[figure]:.2f} s ({small['hosts']:.0f} hosts), "
            f"{large[figure]:.2f} s ({large['hosts']:.0f} hosts), "
            f"ratio {large[figure] / small[figure]:.2f}"
        )


if __name__ == "__main__":
    main()
