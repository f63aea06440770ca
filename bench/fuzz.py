"""Fuzz run: generated hostile estates through load, validate, compile and the commands that
read a compiled estate (fmt on the changed file, capacity, the compliance report in every
format, an erasure's orders and audit record, and a burst pool's rescaling as `burst scale`
writes it), in-process, under a memory limit (as `ulimit -v 4000000`). Every estate must end
in findings or a clean run of each: an exception of any kind is a failure, printed with its
estate and trace.

    python bench/fuzz.py --count 10000 [--seed 1] [--workers 2]

Each estate is the small fixture estate (tests/fixtures/_base) with one to four edits drawn
from a seeded generator: hostile scalars (line breaks, control and invisible characters,
the metacharacters of every target, huge numbers and durations, deep brackets, IPv6), and
broken lines (deleted, doubled, re-indented, tabbed, bytes appended). Deterministic for a
seed. Exit status 1 if any estate failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccmsctl.compile.estate import compile_estate  # noqa: E402
from ccmsctl.erasure.order import audit_record, order_bytes, orders  # noqa: E402
from ccmsctl.load.edit import set_field  # noqa: E402
from ccmsctl.load.estate import Loaded, load_estate  # noqa: E402
from ccmsctl.load.fmt import format_file  # noqa: E402
from ccmsctl.model.burstpool import BurstPool  # noqa: E402
from ccmsctl.report.build import build_report  # noqa: E402
from ccmsctl.report.formats import to_json, to_junit, to_sarif  # noqa: E402
from ccmsctl.report.html import to_html  # noqa: E402
from ccmsctl.report.markdown import to_markdown  # noqa: E402
from ccmsctl.report.model import Meta  # noqa: E402
from ccmsctl.validate.run import Outcome, validate_estate  # noqa: E402
from ccmsctl.validate.sizing import size_estate  # noqa: E402

# a burst pool beside the base estate, so that `burst scale`'s rewrite has one to scale
POOL = """kind: BurstPool
name: fuzz-burst
provider: aliyun
region: cn-shanghai
country: CN
node_template: pbx-burst
min: 0
max: 4
node_channels: 30
subnet: 10.40.0.0/24
serves: [site-a, site-b]
data_classes: [recording, log]
trigger: {metric: channel_utilisation, above: 0.8, for: 5m}
"""
TODAY = date(2026, 11, 23)
CALLER = "+8613812345678"

BASE = ROOT / "tests" / "fixtures" / "_base"
MEMORY_LIMIT = 4_000_000 * 1024
HOSTILE = [
    '"a\\nusername evil privilege 15"',
    '"x\\r[evil]\\ntype=endpoint"',
    '"Eve,PJSIP/9999"',
    '"a\\u2028b"',
    '"\\u202eevil"',
    '"a\\u0000b"',
    '"%s%n% 3 * * * root rm -rf /"',
    "'\"; exit; #'",
    "'{evil}'",
    "1000000000d",
    "99999999999999999999999",
    "-1",
    "1e999",
    ".nan",
    "'2001:db8::1'",
    "0.0.0.0",
    "255.255.255.255",
    "[" * 100,
    "{" * 70 + "}" * 70,
    "&a [*a, *a, *a]",
    "!!python/object:os.system x",
    '"+8621000000000"',
    "'" + "x" * 5000 + "'",
    "~",
    "yes",
    "[]",
    "{}",
    "env:SECRET",
]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        index = rng.randrange(len(lines))
        action = rng.choice(
            ["value", "value", "value", "delete", "double", "indent", "tab", "bytes"]
        )
        line = lines[index]
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {rng.choice(HOSTILE)}"
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "double":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = " " * rng.randint(0, 6) + line.lstrip()
        elif action == "tab":
            lines[index] = "\t" + line
        else:
            lines[index] = line + "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(3))
    return "\n".join(lines)


def commands(loaded: Loaded, outcome: Outcome, estate: Path) -> None:
    """What the commands after validate do with a valid estate, their writing left out."""
    artifacts = compile_estate(loaded.estate)
    size_estate(loaded.estate)
    meta = Meta(str(estate), "0" * 40, False, "fuzz", "2026-11-23T00:00:00Z")
    report = build_report(loaded.estate, loaded.sources, outcome, artifacts, meta, today=TODAY)
    for render in (to_markdown, to_html, to_json, to_sarif, to_junit):
        render(report)
    host_orders = orders(loaded.estate, CALLER, {})
    for order in host_orders.values():
        order_bytes(order)
    audit_record(
        request="FUZZ-1",
        number=CALLER,
        requested=TODAY,
        estate=loaded.estate,
        host_orders=host_orders,
        meta={},
        today=TODAY,
    )
    for pool in loaded.estate.of(BurstPool):
        span = loaded.sources.at("BurstPool", pool.name)
        set_field(Path(span.file), "BurstPool", pool.name, "nodes", pool.max, after="min")


def run_share(seed: int, first: int, count: int) -> list[str]:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    failures: list[str] = []
    files = sorted(BASE.glob("*.yaml"))
    originals = {path.name: path.read_text(encoding="utf-8") for path in files}
    with tempfile.TemporaryDirectory(prefix="ccmsctl-fuzz-") as folder:
        estate = Path(folder) / "estate"
        shutil.copytree(BASE, estate)
        (estate / "burst.yaml").write_text(POOL, encoding="utf-8")
        for number in range(first, first + count):
            rng = random.Random(seed * 1_000_003 + number)
            name = rng.choice(sorted(originals))
            text = mutate(originals[name], rng)
            (estate / name).write_text(text, encoding="utf-8", errors="surrogatepass")
            try:
                format_file(estate / name, name)
                loaded = load_estate(estate)
                outcome = validate_estate(
                    loaded.estate, loaded.sources, today=TODAY, loaded=loaded.findings
                )
                if not outcome.failed():
                    commands(loaded, outcome, estate)
            except BaseException:  # every exception is a finding of the fuzz run
                trace = traceback.format_exc(limit=-4)
                failures.append(f"estate {number} ({name}), seed {seed}:\n{trace[-1500:]}")
            (estate / name).write_text(originals[name], encoding="utf-8")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    share = -(-args.count // args.workers)
    jobs = [
        (args.seed, start, min(share, args.count - start)) for start in range(0, args.count, share)
    ]
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        failures = [f for result in pool.starmap(run_share, jobs) for f in result]
    elapsed = time.monotonic() - started
    for failure in failures[:5]:
        print(failure, file=sys.stderr)
    print(
        f"fuzz: {args.count} estates (seed {args.seed}) in {elapsed:.1f} s, "
        f"{len(failures)} failed, under a {MEMORY_LIMIT // 2**20} MiB address-space limit"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
