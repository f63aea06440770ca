"""Benchmark plan and apply over SSH (`--target INVENTORY`): 5 hosts against 50 hosts.

    python bench/ssh.py [--rounds 3]

The estates are bench/apply.py's (a twin pair of sites is five hosts); every host is a real
sshd in a mount namespace of its own (tests/integration/sshd.py), on 127.9.0.x. Per size,
each first apply on a fresh fleet, `rounds` fleets each way: with the PBXs' asterisk package
installed beforehand, as a host image has it (every file new, the services started, two
waves with their health gates: the lab benchmark's shape), and with the apply installing
it from the test repository too. On the first fleet also: a plan against fresh hosts
(every file to add), then a plan and an apply with nothing to change. Each of these starts
with no SSH connection open (the master connections ccmsctl keeps for a minute are closed
first); the no-change plan is also timed over the connections the one before it left open.
Targets: the 50-host plans and applies take less than 4 times the 5-host ones, and the
no-change plan of 50 hosts less than 5 s.
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
from concurrent.futures import ThreadPoolExecutor
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


def provision(fleet: Fleet, pbxs: list[str]) -> None:
    """The PBXs' software installed before the apply, as a host image has it (the asterisk
    stand-in package from the fleet's repository); not timed."""
    command = (
        "apt-get -qq update && DEBIAN_FRONTEND=noninteractive "
        "apt-get -qq install -y --no-install-recommends asterisk"
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        done_all = pool.map(lambda name: fleet.ssh(name, command), pbxs)
        for name, done in zip(pbxs, done_all, strict=True):
            if done.returncode != 0:
                raise SystemExit(f"{name}: {done.stderr.decode(errors='replace')}")


def measure(sites: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ccmsctl-bench-") as work:
        folder = estate(Path(work) / "estate", sites)
        hosts = {
            host.name: host for site in load_estate(folder).estate.of(Site) for host in site.hosts
        }
        names = sorted(hosts)
        pbxs = [name for name in names if "pbx" in hosts[name].roles]
        figures: dict[str, list[float]] = {}
        for round_ in range(rounds):
            # a fresh fleet for each first apply: with the software in place, then without
            for provisioned in (True, False):
                fleet = start_fleet(names, Path(work) / f"fleet-{round_}-{int(provisioned)}")
                try:
                    _onto(folder / "estate.yaml", fleet)
                    if provisioned:
                        provision(fleet, pbxs)
                    if round_ == 0 and provisioned:
                        figures["plan fresh"] = [
                            timed(fleet, "plan", str(folder))[0] for _ in range(rounds)
                        ]
                    first = timed(fleet, "apply", str(folder), "--auto-approve")[0]
                    figure = "first apply" if provisioned else "first apply, packages too"
                    figures.setdefault(figure, []).append(first)
                    if round_ == 0 and provisioned:
                        same = [timed(fleet, "plan", str(folder)) for _ in range(rounds)]
                        kept = [
                            timed(fleet, "plan", str(folder), cold=False) for _ in range(rounds)
                        ]
                        again = timed(fleet, "apply", str(folder), "--auto-approve")
                        assert all(line == "No changes." for _, line in same + kept), same + kept
                        assert again[1].startswith("Apply complete. No changes. Ansible changed=0")
                        figures["plan no changes"] = [t for t, _ in same]
                        figures["plan no changes, connections kept"] = [t for t, _ in kept]
                        figures["apply no changes"] = [again[0]]
                finally:
                    close_connections()
                    for host in fleet.hosts.values():
                        host.stop()
    return {"hosts": len(names), **{k: statistics.median(v) for k, v in figures.items()}}


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
