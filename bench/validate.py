"""Benchmark `ccmsctl validate` (or `compile`) on the large synthetic estate: wall time and
peak memory.

    python bench/validate.py [--runs 3] [--command compile]

Generates the estate under bench/out/large (see generate.py), then runs the real command in
a child process per run and reports each run's wall time and the child's peak RSS: cold
(the cache off), warm (every file parsed and every site compiled in the cache) and with one
site's file changed (an agent of site-07 renamed: that file is parsed again, and compile
compiles again the sites whose compile read that agent, site-07 and its twin). The cache is
a folder of the run's own; compile writes its build to a memory file system where there is
one (/dev/shm), so that the disk does not decide the figure. Targets: validate cold under
1.5 s and one file changed under 0.5 s; compile cold under 3 s and one site's file changed
under 1 s; under 1 GiB.
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


def run_once(estate: Path, cache: str, command: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one whole ccmsctl `command` on `estate`, start-up included,
    with the cache `cache` (a folder, or "off")."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccmsctl", command[0], str(estate), *command[1:]],
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
    parser.add_argument("--command", choices=["validate", "compile"], default="validate")
    args = parser.parse_args()
    generate(OUT)
    changed = OUT / "site-07" / "agents.yaml"
    original = changed.read_text()
    assert "display_name: Agent 7-0\n" in original
    peaks = []
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(prefix="ccmsctl-bench-cache-") as cache,
        tempfile.TemporaryDirectory(prefix="ccmsctl-bench-build-", dir=scratch) as build,
    ):
        command = [args.command]
        if args.command == "compile":
            command += ["--out", str(Path(build) / "build")]
        figures: dict[str, list[float]] = {"cold": [], "warm": [], "one site's file changed": []}
        try:
            for run in range(args.runs):
                for label, folder in (("cold", "off"), ("warm", cache)):
                    seconds, peak = run_once(OUT, folder, command)
                    figures[label].append(seconds)
                    peaks.append(peak)
                renamed = f"display_name: Agent 7-0 (edit {run})\n"
                changed.write_text(original.replace("display_name: Agent 7-0\n", renamed, 1))
                seconds, peak = run_once(OUT, cache, command)
                figures["one site's file changed"].append(seconds)
                peaks.append(peak)
        finally:
            changed.write_text(original)
    print(f"estate: {OUT} (the file changed: {changed.relative_to(OUT)})")
    for label, times in figures.items():
        print(
            f"{args.command}, {label}: median {statistics.median(times):.2f} s over {args.runs} "
            f"runs (min {min(times):.2f} s, max {max(times):.2f} s)"
        )
    print(f"peak memory: {max(peaks):.0f} MiB; target < 1024 MiB")


if __name__ == "__main__":
    main()
