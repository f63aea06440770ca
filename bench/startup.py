"""Benchmark how fast a command starts: `ccmsctl --version` (no command module loaded) and
`ccmsctl validate` of the small example, each a whole child process, interpreter start-up
included.

    python bench/startup.py [--runs 5]

Target (issue #29): `ccmsctl --version` under 0.15 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "sites" / "example"
COMMANDS = {
    "ccmsctl --version": ["--version"],
    "ccmsctl validate sites/example": ["validate", str(EXAMPLE)],
}


def seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccmsctl", *args], capture_output=True, check=True, timeout=120
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for name, args in COMMANDS.items():
        seconds(args)  # warm the file cache
        times = [seconds(args) for _ in range(runs)]
        spread = f"{min(times):.3f}-{max(times):.3f}"
        print(f"{name}: median {statistics.median(times):.3f} s of {runs} ({spread})")


if __name__ == "__main__":
    main()
