"""Benchmark `ccmsctl validate` on the large synthetic estate: wall time and peak memory.

    python bench/validate.py [--runs 3]

Generates the estate under bench/out/large (see generate.py), then runs the real command in
a child process per run and reports each run's wall time and the child's peak RSS: cold
(the cache of parsed files off), warm (every file in the cache) and with one file changed
(a comment added to one site's numbers: that file is parsed again). The cache is a folder
of the run's own. Targets: cold under 1.5 s, one file changed under 0.5 s, under 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

OUT = Path(__file__).resolve().parent / "out" / "large"


def run_once(estate: Path, cache: str) -> tuple[float, float]:
    """(seconds, peak MiB) of one whole `ccmsctl validate` command, start-up included, with
    the cache of parsed files `cache` (a folder, or "off")."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccmsctl", "validate", str(estate)],
        capture_output=True,
        check=True,
        timeout=300,
        env={**os.environ, "CCMSCTL_CACHE": cache},
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate(OUT)
    changed = sorted(OUT.rglob("*.yaml"))[-1]
    original = changed.read_text()
    peaks = []
    with tempfile.TemporaryDirectory(prefix="ccmsctl-bench-cache-") as cache:
        figures: dict[str, list[float]] = {"cold": [], "warm": [], "one file changed": []}
        try:
            for run in range(args.runs):
                for label, folder in (("cold", "off"), ("warm", cache)):
                    seconds, peak = run_once(OUT, folder)
                    figures[label].append(seconds)
                    peaks.append(peak)
                changed.write_text(original + f"# edit {run}\n")
                seconds, peak = run_once(OUT, cache)
                figures["one file changed"].append(seconds)
                peaks.append(peak)
        finally:
            changed.write_text(original)
    print(f"estate: {OUT} (the file changed: {changed.relative_to(OUT)})")
    for label, times in figures.items():
        print(
            f"validate, {label}: median {statistics.median(times):.2f} s over {args.runs} "
            f"runs (min {min(times):.2f} s, max {max(times):.2f} s)"
        )
    print(f"peak memory: {max(peaks):.0f} MiB; target < 1024 MiB")


if __name__ == "__main__":
    main()
