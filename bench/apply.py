"""Benchmark a first apply to the lab: 5 hosts against 50 hosts.

    python bench/apply.py [--rounds 1]

Both estates have the same shape, ten times over: a twin pair of sites is five hosts (each
site an edge and a PBX, the primary a second PBX); the 5-host estate is one pair, the
50-host estate ten pairs. The script brings the lab up, times `ccmsctl apply --auto-approve`
of the whole estate (Ansible forks run the hosts of a wave in parallel; the two sides of
every pair go in two waves), and takes the lab down. Target: the 50-host apply takes less
than 4 times the 5-host one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST = 862150000000


def site(index: int) -> str:
    roles = [("edge", "edge"), ("pbx", "pbx")] + ([("pbx-2", "pbx")] if index % 2 == 0 else [])
    hosts = "\n".join(
        f"  - {{name: s{index:02d}-{name}, roles: [{role}], address: 10.{index}.0.{k}}}"
        for k, (name, role) in enumerate(roles, start=1)
    )
    return (
        f"kind: Site\nname: site-{index:02d}\ncountry: CN\nregion: cn-east\n"
        f"timezone: Asia/Shanghai\nhosts:\n{hosts}\n"
    )


def estate(folder: Path, sites: int) -> Path:
    docs = [
        "kind: Estate\nname: bench\nformat: 2\nsip_domain: bench.example\n",
        "kind: IVR\nname: main\nentry: bye\nnodes:\n  bye: {type: hangup}\n",
        "kind: ResidencyPolicy\nname: cn\njurisdiction: CN\nrules:\n"
        "  - {data_class: recording, allowed_countries: [CN]}\n"
        "  - {data_class: cdr, allowed_countries: [CN]}\n",
    ]
    for index in range(sites):
        docs.append(site(index))
        first = FIRST + index * 1000
        docs.append(
            f"kind: Trunk\nname: trunk-{index:02d}\ncarrier: Bench\n"
            f"sites: [site-{index:02d}]\npeers: [{{address: 203.0.113.{index + 1}}}]\n"
            "channels: 100\n"
        )
        docs.append(
            f"kind: NumberRange\nname: dids-{index:02d}\ntrunk: trunk-{index:02d}\n"
            f'site: site-{index:02d}\nivr: main\nfirst: "+{first}"\n'
            f'last: "+{first + 99}"\n'
        )
    for pair in range(sites // 2):
        a, b = 2 * pair, 2 * pair + 1
        docs.append(
            f"kind: TwinPair\nname: pair-{pair}\nsites: [site-{a:02d}, site-{b:02d}]\n"
            f"mode: active-standby\nprimary: site-{a:02d}\nrto: 60s\n"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "estate.yaml").write_text("---\n".join(docs), encoding="utf-8")
    return folder


def ccmsctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "ccmsctl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(f"ccmsctl {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return run


def timed_apply(sites: int, workdir: Path) -> float:
    folder = estate(workdir / f"estate-{sites}", sites)
    ccmsctl("lab", "up", str(folder), cwd=workdir)
    try:
        started = time.perf_counter()
        ccmsctl("apply", str(folder), "--auto-approve", cwd=workdir)
        return time.perf_counter() - started
    finally:
        ccmsctl("lab", "down", str(folder), cwd=workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    times: dict[int, list[float]] = {2: [], 20: []}  # sites: one pair, ten pairs
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for sites, measured in times.items():
                measured.append(timed_apply(sites, Path(folder)))
    small, large = (statistics.median(measured) for measured in times.values())
    print(f"first apply to the lab (median of {args.rounds}):")
    print(f"  5 hosts:  {small:6.1f} s")
    print(f"  50 hosts: {large:6.1f} s")
    print(f"  ratio:    {large / small:6.2f} (target < 4)")


if __name__ == "__main__":
    main()
