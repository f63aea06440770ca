"""Benchmark `ccmsctl validate` on the large synthetic estate: wall time and peak memory.

    python bench/validate.py [--runs 3]

Generates the estate under bench/out/large (see generate.py), then runs the real command in
a child process per run and reports each run's wall time and the child's peak RSS.
Targets (issue #2): under 3 s and under 1 GiB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

OUT = Path(__file__).resolve().parent / "out" / "large"


def run_once(estate: Path) -> tuple[float, float]:
    """(seconds, peak MiB) of one whole `ccmsctl validate` command, start-up included."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccmsctl", "validate", str(estate)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate(OUT)
    times, peaks = [], []
    for _ in range(args.runs):
        seconds, peak = run_once(OUT)
        times.append(seconds)
        peaks.append(peak)
    print(f"estate: {OUT}")
    print(
        f"validate: median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(min {min(times):.2f} s, max {max(times):.2f} s); target < 3 s"
    )
    print(f"peak memory: {max(peaks):.0f} MiB; target < 1024 MiB")


if __name__ == "__main__":
    main()
