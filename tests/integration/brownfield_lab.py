"""An *original* PBX configuration (one ccmsctl did not write) run as written in a real
Asterisk, and the estate imported from it applied to a lab: the pieces the same-calls
tests share. Where a call went in each: the first queue, voicemail or dial it ran (or a
hang-up), whether it was recorded, and the prompts it heard in order.

The original runs as written but for where it runs: its addresses moved onto loopback
(`moved`), an asterisk.conf pointing its folders into the test's, a logger channel writing
the applications each call ran (the verbose log, read to tell where the call went), and
the site's time zone as its host's local time (a mount namespace's /etc/localtime:
Asterisk's own time code reads /etc/localtime, not TZ)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ccmsctl.lab.call import CallResult, carrier_call, ivr_scenario
from ccmsctl.lab.clock import held_at
from ccmsctl.lab.dtmf import key_presses
from ccmsctl.lab.lab import open_lab
from ccmsctl.load.estate import load_estate
from ccmsctl.model.ivr import IVR, Collect, LanguageSelect, Menu, Play, Queue, Transfer, Voicemail
from ccmsctl.model.kinds import Estate
from tests.conftest import ccmsctl
from tests.integration.realworld import LAB_SCRIPT

GAP = 1.5  # seconds between keys
_EXECUTING = re.compile(r'Executing \[[^\]]*\] (\w+)\("[^"]*", "(.*)"\) in new stack')
_PLAYS = {"Playback", "BackGround", "Background"}
FOLDERS = {
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


@dataclass(frozen=True)
class Outcome:
    """Where a call went: `queue sales`, `voicemail 9001`, `transfer +86...`, `hangup`;
    whether it was recorded; the prompts it heard, in order."""

    end: str
    recorded: bool
    heard: tuple[str, ...] = ()


@dataclass
class Original:
    """The original configuration running in a real Asterisk under `root`, its carrier
    calling from `carrier` to the PBX at `pbx`."""

    program: Path
    root: Path
    carrier: str
    pbx: str

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
        self, did: str, at: datetime | None, keys: tuple[str, ...], hold: float, folder: Path
    ) -> Outcome:
        if at is not None:
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
        done = carrier_call(self.carrier, self.pbx, did, scenario=scenario)
        assert done.ok, done.stdout + done.stderr
        time.sleep(0.5)
        with self.log.open("rb") as stream:
            stream.seek(start)
            ran = stream.read().decode(errors="replace")
        return outcome_of(ran)


def outcome_of(log: str) -> Outcome:
    """The first queue, voicemail or dial a call ran in the original, whether it was
    recorded, and the prompts it played before."""
    recorded = False
    heard: list[str] = []
    for app, args in _EXECUTING.findall(log):
        if app == "MixMonitor":
            recorded = True
        elif app in _PLAYS:
            heard.append(args.split(",")[0].rsplit("/", 1)[-1])
        elif app == "Queue":
            return Outcome(f"queue {args.split(',')[0]}", recorded, tuple(heard))
        elif app == "VoiceMail":
            return Outcome(f"voicemail {args.split('@')[0].split(',')[0]}", recorded, tuple(heard))
        elif app == "Dial":
            number = re.search(r"\+[0-9]+", args)
            end = f"transfer {number.group() if number else args}"
            return Outcome(end, recorded, tuple(heard))
    return Outcome("hangup", recorded, tuple(heard))


def outcome_in(estate: Estate, result: CallResult) -> Outcome:
    """Where the call went in the imported estate's lab: the nodes of its record, their
    prompts, and the last one."""
    assert result.answered and result.record, result.detail
    recorded = bool(result.record.get("ccms_recording"))
    nodes = {name: node for ivr in estate.of(IVR) for name, node in ivr.nodes.items()}
    heard = [
        str(node.prompt).rsplit("/", 1)[-1]
        for entry in result.ivr_path
        if ":" not in entry
        and isinstance(node := nodes.get(entry), Menu | LanguageSelect | Play | Collect)
    ]
    path = result.ivr_path
    last = nodes.get(path[-1].split(":")[0]) if path else None
    if isinstance(last, Queue):
        return Outcome(f"queue {last.skill_group}", recorded, tuple(heard))
    if isinstance(last, Voicemail):
        return Outcome(f"voicemail {last.mailbox}", recorded, tuple(heard))
    if isinstance(last, Transfer):
        return Outcome(f"transfer {last.to}", recorded, tuple(heard))
    return Outcome("hangup", recorded, tuple(heard))


@contextmanager
def original_pbx(
    program: Path,
    root: Path,
    files: Mapping[str, str],
    sounds: Mapping[str, Path],
    *,
    carrier: str,
    pbx: str,
    zone: str,
) -> Iterator[Original]:
    """`files` (name: text) as the configuration of a real Asterisk under `root`, with
    `sounds` (language folder: recordings) and `zone` as its local time; stopped on exit."""
    etc = root / "etc/asterisk"
    etc.mkdir(parents=True)
    for name, text in files.items():
        (etc / name).write_text(text)
    for folder in FOLDERS.values():
        (root / folder).mkdir(parents=True, exist_ok=True)
    (etc / "asterisk.conf").write_text(
        "[directories]\n"
        + "".join(f"{key} => {root / folder}\n" for key, folder in FOLDERS.items())
        + f"astmoddir => {program.parent.parent / 'lib/asterisk/modules'}\n"
    )
    (etc / "modules.conf").write_text("[modules]\nautoload = yes\n")
    (etc / "logger.conf").write_text("[logfiles]\ncalls.log => verbose(3)\n")
    for language, recordings in sounds.items():
        shutil.copytree(recordings, root / "var/lib/asterisk/sounds" / language)
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
            f"/usr/share/zoneinfo/{zone}",
            str(LAB_SCRIPT),
            str(program),
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    running = Original(program, root, carrier, pbx)
    try:
        assert started.stdout.strip() == "started", started.stdout + started.stderr
        running.cli("core set verbose 3")
        yield running
    finally:
        running.cli("core stop now")


@contextmanager
def imported_lab(arguments: list[str], work: Path) -> Iterator[Estate]:
    """`ccmsctl import asterisk ARGUMENTS` (its estate at work/estate), then the estate
    applied to a lab of its own; the lab brought down on exit."""
    estate = work / "estate"
    done = ccmsctl(*arguments, cwd=work)
    assert done.returncode == 3, done.stdout + done.stderr
    up = ccmsctl("lab", "up", str(estate), cwd=work)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        applied = ccmsctl("apply", str(estate), "--auto-approve", cwd=work, timeout=600)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        yield load_estate(estate).estate
        with held_at(open_lab(work / ".ccmsctl/lab"), None):
            pass
    finally:
        down = ccmsctl("lab", "down", str(estate), cwd=work)
        assert down.returncode == 0, down.stdout + down.stderr
