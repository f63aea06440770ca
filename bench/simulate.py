"""Benchmark `ccmsctl simulate --all` on the large synthetic estate: wall time and peak memory.

    python bench/simulate.py [--runs 3]

Generates the estate under bench/out/large (see generate.py), then runs the real command in
a child process per run (start-up, loading and validating the estate included) and reports
each run's wall time and the child's peak RSS. Target (issue #26): under 10 s; it explores
per range and per IVR, never per number.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

OUT = Path(__file__).resolve().parent / "out" / "large"


def run_once(estate: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB, key paths) of one whole `simulate --all` command."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ccmsctl",
            "simulate",
            str(estate),
            "--all",
            "--format",
            "json",
            "--week-of",
            "2026-12-07",
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    document = json.loads(done.stdout)
    paths = sum(len(c["paths"]) for r in document["ranges"] for c in r["classes"])
    return seconds, peak_kib / 1024, paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate(OUT)
    times, peaks, paths = [], [], 0
    for _ in range(args.runs):
        seconds, peak, paths = run_once(OUT)
        times.append(seconds)
        peaks.append(peak)
    print(f"estate: {OUT} ({paths} key paths over its ranges and time classes)")
    print(
        f"simulate --all: median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(min {min(times):.2f} s, max {max(times):.2f} s); target < 10 s"
    )
    print(f"peak memory: {max(peaks):.0f} MiB")


if __name__ == "__main__":
    main()
