"""Same calls, same way: a hand-maintained PBX (tests/pbx/pudong) imported,
then the *original* configuration run in one real Asterisk and the *imported* estate,
compiled and applied to a lab, run in another; the same calls are placed to both (each DID
range, each menu key, silence, a wrong key, open and closed instants through libfaketime)
and each must reach the same queue, voicemail box, transfer or hang-up, recorded alike.

The original runs as written but for where it runs: its addresses moved onto loopback
(127.6.0.0/24: the PBX, and the carrier its identify section admits), an asterisk.conf
pointing its folders into the test's, a logger channel writing the applications each call
ran (the verbose log, read to tell where the call went), and Shanghai's time zone as its
host's local time (a mount namespace's /etc/localtime), as a PBX there has it. The imported
estate's lab has loopback addresses of its own (127.0-4), so this runs before the shared
lab comes up (tests/conftest.py ORDER)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ccmsctl.lab.call import CallResult, carrier_call, ivr_scenario, lab_call
from ccmsctl.lab.clock import faketime_installed, held_at
from ccmsctl.lab.dtmf import key_presses
from ccmsctl.lab.lab import open_lab
from ccmsctl.load.estate import load_estate
from ccmsctl.model.ivr import IVR, Queue, Transfer, Voicemail
from ccmsctl.model.kinds import Estate
from tests.brownfield import PUDONG, SOUNDS, import_arguments
from tests.conftest import ccmsctl
from tests.integration.realworld import LAB_SCRIPT, asterisk, require

pytestmark = pytest.mark.slow

MOVED = {"10.10.2.21": "127.6.0.21", "203.0.113.10": "127.6.0.10", "203.0.113.11": "127.6.0.11"}
OPEN = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CLOSED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai
GAP = 1.5
WAITED = 9.0  # past the menu's 5 s wait for a key
# (label, DID, instant, keys, seconds the caller stays after the keys)
CALLS = [
    ("service, open, key 1", "+862161230005", OPEN, ("1",), 3.0),
    ("service, open, key 2", "+862161230005", OPEN, ("2",), 3.0),
    ("service, open, key 0", "+862161230077", OPEN, ("0",), 3.0),
    ("service, open, silence", "+862161230005", OPEN, (), WAITED),
    ("service, open, a wrong key", "+862161230099", OPEN, ("7",), WAITED),
    ("service, closed", "+862161230005", CLOSED, (), 3.0),
    ("claims, exact number", "+862161231000", OPEN, (), 3.0),
    ("claims, pattern", "+862161231005", CLOSED, (), 3.0),
]
_EXECUTING = re.compile(r'Executing \[[^\]]*\] (\w+)\("[^"]*", "(.*)"\) in new stack')


@dataclass(frozen=True)
class Outcome:
    """Where a call went: `queue sales`, `voicemail 9001`, `transfer +86...`, `hangup`."""

    end: str
    recorded: bool


@dataclass
class Original:
    """The original configuration running in a real Asterisk under `root`."""

    program: Path
    root: Path

    @property
    def log(self) -> Path:
        return self.root / "var/log/asterisk/calls.log"

    def cli(self, command: str) -> str:
        done = subprocess.run(
            [
                str(self.program),
                "-C",
                str(self.root / "etc/asterisk/asterisk.conf"),
                "-rx",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return done.stdout

    def call(
        self, did: str, at: datetime, keys: tuple[str, ...], hold: float, folder: Path
    ) -> Outcome:
        clock = self.root.parent / "clocks" / self.root.name
        offset = (at - datetime.now(UTC)).total_seconds()
        clock.write_text(f"{offset:+.0f}\n", encoding="ascii")
        time.sleep(1.5)  # libfaketime reads the file again at the next reading of the time
        start = self.log.stat().st_size if self.log.exists() else 0
        presses = []
        for n, recording in enumerate(key_presses(tuple(k for key in keys for k in key))):
            presses.append(folder / f"{did}-{n}-{time.time_ns()}.pcap")
            presses[-1].write_bytes(recording)
        scenario = folder / f"{did}-{time.time_ns()}.xml"
        scenario.write_text(ivr_scenario(presses, hold, gap=GAP), encoding="utf-8")
        # from the carrier's second address: a transfer dials out to its first
        done = carrier_call(MOVED["203.0.113.11"], MOVED["10.10.2.21"], did, scenario=scenario)
        assert done.ok, done.stdout + done.stderr
        time.sleep(0.5)
        with self.log.open("rb") as stream:
            stream.seek(start)
            ran = stream.read().decode(errors="replace")
        return _outcome_of(ran)


def _outcome_of(log: str) -> Outcome:
    """The first queue, voicemail or dial a call ran, and whether it was recorded."""
    recorded = False
    for app, args in _EXECUTING.findall(log):
        if app == "MixMonitor":
            recorded = True
        elif app == "Queue":
            return Outcome(f"queue {args.split(',')[0]}", recorded)
        elif app == "VoiceMail":
            return Outcome(f"voicemail {args.split('@')[0]}", recorded)
        elif app == "Dial":
            number = re.search(r"\+[0-9]+", args)
            return Outcome(f"transfer {number.group() if number else args}", recorded)
    return Outcome("hangup", recorded)


def _outcome_in(estate: Estate, result: CallResult) -> Outcome:
    """Where the call went in the imported estate's lab: the last IVR node of its record."""
    assert result.answered and result.record, result.detail
    path = result.ivr_path
    last = path[-1].split(":")[0] if path else ""
    recorded = bool(result.record.get("ccms_recording"))
    for ivr in estate.of(IVR):
        node = ivr.nodes.get(last)
        if isinstance(node, Queue):
            return Outcome(f"queue {node.skill_group}", recorded)
        if isinstance(node, Voicemail):
            return Outcome(f"voicemail {node.mailbox}", recorded)
        if isinstance(node, Transfer):
            return Outcome(f"transfer {node.to}", recorded)
    return Outcome("hangup", recorded)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Original]:
    """The original configuration, its addresses on loopback, in a real Asterisk."""
    require("sipp")
    if not faketime_installed():
        pytest.skip("faketime is not installed: a PBX cannot live at an instant")
    program = asterisk()
    root = tmp_path_factory.mktemp("original") / "pudong"
    etc = root / "etc/asterisk"
    etc.mkdir(parents=True)
    for path in PUDONG.glob("*.conf"):
        text = path.read_text()
        for old, new in MOVED.items():
            text = text.replace(old, new)
        (etc / path.name).write_text(text)
    folders = {
        "astetcdir": "etc/asterisk",
        "astvarlibdir": "var/lib/asterisk",
        "astdatadir": "var/lib/asterisk",
        "astdbdir": "var/lib/asterisk",
        "astkeydir": "var/lib/asterisk",
        "astspooldir": "var/spool/asterisk",
        "astrundir": "run/asterisk",
        "astlogdir": "var/log/asterisk",
        "astcachedir": "var/cache/asterisk",
    }
    for folder in folders.values():
        (root / folder).mkdir(parents=True, exist_ok=True)
    (etc / "asterisk.conf").write_text(
        "[directories]\n"
        + "".join(f"{key} => {root / folder}\n" for key, folder in folders.items())
        + f"astmoddir => {program.parent.parent / 'lib/asterisk/modules'}\n"
    )
    (etc / "modules.conf").write_text("[modules]\nautoload = yes\n")
    (etc / "logger.conf").write_text("[logfiles]\ncalls.log => verbose(3)\n")
    for language in ("en", "zh"):
        shutil.copytree(SOUNDS / "zh", root / "var/lib/asterisk/sounds" / language)
    # GotoIfTime without a zone reads the host's local time (/etc/localtime: Asterisk's own
    # time code reads no TZ), which for a PBX in Shanghai is Shanghai's: it runs in a mount
    # namespace of its own with that zone as /etc/localtime
    started = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount --bind "$1" /etc/localtime && exec "$2" ensure "$3" "$4"',
            "sh",
            "/usr/share/zoneinfo/Asia/Shanghai",
            str(LAB_SCRIPT),
            str(program),
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    running = Original(program, root)
    try:
        assert started.stdout.strip() == "started", started.stdout + started.stderr
        running.cli("core set verbose 3")
        yield running
    finally:
        running.cli("core stop now")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Estate]]:
    """The imported estate, applied to a lab of its own."""
    require("kamailio")
    work = tmp_path_factory.mktemp("imported")
    estate = work / "estate"
    done = ccmsctl(*import_arguments(estate), cwd=work)
    assert done.returncode == 3, done.stdout + done.stderr
    up = ccmsctl("lab", "up", str(estate), cwd=work)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        applied = ccmsctl("apply", str(estate), "--auto-approve", cwd=work, timeout=600)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield work, load_estate(estate).estate
        with held_at(open_lab(work / ".ccmsctl/lab"), None):
            pass
    finally:
        down = ccmsctl("lab", "down", str(estate), cwd=work)
        assert down.returncode == 0, down.stdout + down.stderr


@pytest.mark.parametrize(("label", "did", "at", "keys", "hold"), CALLS, ids=[c[0] for c in CALLS])
def test_the_imported_estate_takes_each_call_where_the_original_did(
    original: Original,
    imported: tuple[Path, Estate],
    tmp_path: Path,
    label: str,
    did: str,
    at: datetime,
    keys: tuple[str, ...],
    hold: float,
) -> None:
    work, estate = imported
    before = original.call(did, at, keys, hold, tmp_path)
    result = lab_call(
        open_lab(work / ".ccmsctl/lab"),
        estate,
        did,
        digits=keys,
        hold=hold,
        gap=GAP,
        at=at,
        timeout=60,
    )
    after = _outcome_in(estate, result)
    assert after == before, f"{label}: the original {before}, the imported estate {after}"
    assert before.end != "hangup" or at == CLOSED, f"{label}: {before}"
