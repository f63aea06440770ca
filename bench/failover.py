"""Benchmark failover of the example's twin pair: the active edge lost, a PBX, the site.

    sudo python bench/failover.py [--rounds 3] [--load 20] [--hold 8]

Runs `ccmsctl failover drill shanghai sites/example --kill edge|pbx|site --json` `--rounds`
times each (needs root: the drill builds the pair in network namespaces; its PBXs run
Asterisk where it is installed) and prints, per kind, the median failover recovery, calls
failed, calls established and dropped (and the most dropped in a round), calls in setup and
left unanswered, and the median failback recovery. Targets in the lab: an edge, a PBX and a
site each recover within 5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"edge": 5.0, "pbx": 5.0, "site": 5.0}


def drill(kill: str, load: float, hold: float) -> dict[str, dict[str, float]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ccmsctl",
            "failover",
            "drill",
            "shanghai",
            str(ROOT / "sites/example"),
            "--kill",
            kill,
            "--load",
            f"{load:g}",
            "--hold",
            f"{hold:g}",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode not in (0, 1):
        sys.exit(f"the drill failed:\n{done.stderr}")
    phases = json.loads(done.stdout)["phases"]
    return {phase["phase"]: phase for phase in phases}


def median(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < len(values):
        return "never"
    return f"{statistics.median(known):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", type=float, default=20.0)
    parser.add_argument("--hold", type=float, default=8.0)
    args = parser.parse_args()
    print(f"load {args.load:g} calls/s, calls held {args.hold:g} s, median of {args.rounds}")
    print(
        "kill  target  recovery  failed  established  dropped (most)  in setup  unanswered  "
        "failback"
    )
    for kill in ("edge", "pbx", "site"):
        runs = [drill(kill, args.load, args.hold) for _ in range(args.rounds)]
        over = [run["failover"] for run in runs]
        back = [run["failback"] for run in runs]
        print(
            f"{kill:<5} {TARGETS[kill]:>4g} s  "
            f"{median([p['recovery_seconds'] for p in over]):>6} s  "
            f"{median([p['calls_failed'] for p in over]):>6}  "
            f"{median([p['calls_in_progress'] for p in over]):>11}  "
            f"{median([p['calls_dropped'] for p in over]):>7} "
            f"({max(p['calls_dropped'] for p in over):>4})  "
            f"{median([p['calls_in_setup'] for p in over]):>8}  "
            f"{median([p['calls_in_setup'] - p['calls_in_setup_answered'] for p in over]):>10}  "
            f"{median([p['recovery_seconds'] for p in back]):>6} s"
        )


if __name__ == "__main__":
    main()
