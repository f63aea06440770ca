"""Benchmark SIP calls per second through the generated edge with 100 and with 100,000 DIDs.

    python bench/calls.py [--calls 3000] [--rounds 3] [--pbx stand-in|asterisk]

Each round compiles a one-site lab estate (an edge, a PBX, one carrier) whose DIDs are one
range of the given size, runs the real Kamailio on loopback with a PBX, and sends `--calls`
calls from a SIPp carrier to DIDs drawn evenly across the range, as fast as they complete
(at most `--limit`, by default 50, at a time). The figure is answered calls per second; the
DID lookup is a hash table, so the ratio (100,000 DIDs / 100 DIDs) should stay at 0.9 or
above.

With `--pbx stand-in` (the default) a SIPp stand-in answers and the carrier hangs up at
once: the edge's own cost. With `--pbx asterisk` the real Asterisk (bootstrap --dev builds
it) runs the compiled PBX files: each call is answered by the IVR's menu, the carrier
presses 1 (an RFC 4733 event), the call enters the skill group's queue, and the carrier
hangs up. Also prints compile time and peak memory for the large synthetic estate (see
generate.py).
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate, silence  # noqa: E402

from ccmsctl.lab.call import ivr_scenario  # noqa: E402
from ccmsctl.lab.dtmf import key_presses  # noqa: E402
from tests.integration.realworld import (  # noqa: E402
    SCENARIOS,
    asterisk_pbx,
    build_lab,
    kamailio,
    pbx_stand_ins,
)

FIRST = 862150000000

ESTATE = """\
kind: Estate
name: bench
format: 2
sip_domain: bench.example
---
kind: Site
name: site-a
country: CN
region: cn-east
timezone: Asia/Shanghai
hosts:
  - {{name: edge, roles: [edge], address: 10.0.0.1}}
  - {{name: pbx, roles: [pbx], address: 10.0.0.2}}
---
kind: Trunk
name: carrier
carrier: Bench Telecom
sites: [site-a]
peers: [{{address: 203.0.113.1}}]
channels: 5000
---
kind: NumberRange
name: dids
trunk: carrier
site: site-a
ivr: main
first: "+{first}"
last: "+{last}"
"""
HANGUP = """---
kind: IVR
name: main
entry: bye
nodes:
  bye: {{type: hangup}}
"""
# what the Asterisk run adds: a menu whose key 1 queues the call, the queue, an agent
QUEUE = """---
kind: IVR
name: main
entry: menu
nodes:
  menu:
    type: menu
    prompt: menu
    timeout: 5s
    options: [{{digit: "1", next: sales}}]
    on_timeout: sales
    on_invalid: sales
  sales: {{type: queue, skill_group: sales}}
---
kind: SkillGroup
name: sales
sites: [site-a]
skills: [sales]
service_level: {{percent: 80, within: 20s}}
max_wait: 180s
languages: [en-US]
---
kind: Agent
name: agent-1
display_name: Agent One
site: site-a
extension: "1001"
sip_password: {{secret: env:BENCH_PHONE}}
languages: [en-US]
skills: {{sales: 5}}
"""


def estate(folder: Path, dids: int, *, queue: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = ESTATE + (QUEUE if queue else HANGUP)
    (folder / "estate.yaml").write_text(text.format(first=FIRST, last=FIRST + dids - 1))
    if queue:
        (folder / "prompts" / "en-US").mkdir(parents=True, exist_ok=True)
        (folder / "prompts" / "en-US" / "menu.wav").write_bytes(silence())
    return folder


def calls_per_second(dids: int, calls: int, workdir: Path, pbx_kind: str, limit: int = 50) -> float:
    real = pbx_kind == "asterisk"
    lab = workdir / f"lab-{dids}"
    addresses = build_lab(estate(workdir / f"estate-{dids}", dids, queue=real), lab)
    edge, pbx = addresses["edge"], addresses["pbx"]
    numbers = workdir / f"dids-{dids}.csv"
    step = max(1, dids // calls)
    numbers.write_text(
        "SEQUENTIAL\n" + "".join(f"+{FIRST + (i * step) % dids}\n" for i in range(calls))
    )
    scenario = workdir / "carrier_csv.xml"
    if real:  # answer, press 1 once the menu plays, queue for half a second, hang up
        press = workdir / "key-1.pcap"
        press.write_bytes(key_presses("1")[0])
        text = ivr_scenario([press], 0.5, settle=0.3, gap=0.7)
    else:
        text = (
            (SCENARIOS / "carrier_uac.xml").read_text().replace('<pause milliseconds="100"/>', "")
        )
    scenario.write_text(text.replace("[service]", "[field0]"))
    pbx_running = asterisk_pbx(lab / "pbx") if real else pbx_stand_ins([pbx], workdir)
    with kamailio(lab / "edge", edge), pbx_running:
        started = time.perf_counter()
        run = subprocess.run(
            [
                "sipp",
                "-sf",
                str(scenario),
                "-inf",
                str(numbers),
                "-i",
                "127.1.1.1",
                "-p",
                "5060",
                f"{edge}:5060",
                "-m",
                str(calls),
                "-r",
                "20000",
                "-l",
                str(limit),
                "-nostdin",
                "-timeout",
                "120",
                "-timeout_error",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        elapsed = time.perf_counter() - started
    answered = _successful(run.stdout)
    if real:  # the PBX's own word: the calls that entered the queue
        queued = (lab / "pbx/var/log/asterisk/queue_log").read_text().count("|ENTERQUEUE|")
        answered = min(answered, queued)
    if answered < 0.99 * calls:
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-20:])
        raise SystemExit(f"only {answered} of {calls} calls succeeded with {dids} DIDs:\n{tail}")
    return answered / elapsed


def _successful(report: str) -> int:
    """Successful calls from SIPp's final statistics screen."""
    counts = re.findall(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", report)
    return int(counts[-1]) if counts else 0


def compile_large() -> tuple[float, float]:
    out = ROOT / "bench" / "out"
    generate(out / "large")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ccmsctl",
            "compile",
            str(out / "large"),
            "--out",
            str(out / "large-build"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pbx", choices=("stand-in", "asterisk"), default="stand-in")
    parser.add_argument("--limit", type=int, default=50, help="calls at a time")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {100: [], 100_000: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for dids, measured in rates.items():  # alternate: drift hits both alike
                measured.append(
                    calls_per_second(dids, args.calls, Path(folder), args.pbx, args.limit)
                )
    small, large = (statistics.median(measured) for measured in rates.values())
    what = "edge + Asterisk (answer, key 1, queue, hang up)" if args.pbx == "asterisk" else "edge"
    print(f"calls through the {what} ({args.calls} per round, median of {args.rounds} rounds):")
    print(f"  100 DIDs:     {small:7.0f} calls/s")
    print(f"  100,000 DIDs: {large:7.0f} calls/s")
    print(f"  ratio:        {large / small:7.2f} (target >= 0.9)")
    seconds, peak = compile_large()
    print(
        f"compile of the large estate (validate included): {seconds:.2f} s, "
        f"peak {peak:.0f} MiB (target < 5 s)"
    )


if __name__ == "__main__":
    main()
