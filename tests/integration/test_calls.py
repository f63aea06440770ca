"""Calls through the lab's real edges (Kamailio) into its real PBXs (Asterisk), as a carrier
places them, keys pressed as RFC 4733 events; each call's path read from the record the PBX
wrote. Runs on the shared lab after test_apply.py applied the example estate; the schedule
tests apply a changed copy of the example (as an operator would) and the last test applies
the example again.

Covered: every option of the example's main IVR reaching its queue, a wrong key handled,
routing by the schedule (open hours and a holiday), overflow to the twin site's PBXs when
the site's own are down (and the plan then starting them again), an agent's phone refusing
an INVITE without credentials, and the retention jobs. Every call is placed at an instant of
its own (the lab's clock, libfaketime), so none depends on the time of day the tests run
at."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccmsctl.apply.health import sip_status
from ccmsctl.compile.monitoring.names import TEXTFILE_DIR
from ccmsctl.compile.queuestats import SCRIPT as QUEUE_STATS
from ccmsctl.lab.call import CDR_NAMES, CallResult, lab_call
from ccmsctl.lab.clock import faketime_installed, held_at
from ccmsctl.lab.lab import open_lab
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE, ccmsctl
from tests.unit.test_metrics import samples

pytestmark = pytest.mark.slow
DID = "+862161230005"  # main-cn, owned by sh-1, delivered by trunk ct-sh
OPEN = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, open
NATIONAL_DAY = datetime(2026, 10, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def lab(example_lab: Path) -> Path:
    lab_file = json.loads((example_lab / ".ccmsctl/lab/lab.json").read_text())
    if not lab_file["asterisk"]:
        pytest.skip("the lab found no Asterisk: its PBXs are SIPp stand-ins")
    return example_lab


def call(
    lab: Path,
    estate: Path,
    did: str,
    keys: str = "",
    hold: float = 1,
    caller: str = "carrier",
    at: datetime = OPEN,
) -> CallResult:
    """A call to `did` at `at` pressing `keys`; it must be answered and recorded."""
    result = lab_call(
        open_lab(lab / ".ccmsctl/lab"),
        load_estate(estate).estate,
        did,
        digits=tuple(keys),
        hold=hold,
        caller=caller,
        at=at,
    )
    assert result.answered, result.detail
    assert result.record, result.detail
    return result


def apply(lab: Path, estate: Path) -> None:
    done = ccmsctl("apply", str(estate), "--auto-approve", cwd=lab)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def applied(lab: Path) -> Iterator[Path]:
    """The example, applied to the lab; the lab's clock back at real time after the calls."""
    if not faketime_installed():
        pytest.skip("faketime is not installed: the lab's PBXs cannot live at an instant")
    apply(lab, EXAMPLE)
    yield EXAMPLE
    with held_at(open_lab(lab / ".ccmsctl/lab"), None):
        pass


@pytest.mark.parametrize(
    ("keys", "path", "queue"),
    [
        ("11", "queue-sales", "sales-zh"),
        ("12", "queue-claims", "claims-zh"),
        ("13", "queue-billing", "billing-zh"),
        ("19", "queue-service-en", "service-en"),
        ("21", "queue-sales", "sales-zh"),  # Cantonese, then sales
        ("31", "queue-sales", "sales-zh"),  # English, then sales
    ],
)
def test_each_option_reaches_its_queue(
    lab: Path, applied: Path, keys: str, path: str, queue: str
) -> None:
    result = call(lab, applied, DID, keys)
    assert result.ivr_path == ("choose-language", "hours", "services", path)
    assert result.pbx in ("sh1-pbx-1", "sh1-pbx-2")  # the owning site's PBXs
    assert result.record["ccms_skill_group"] == queue
    assert result.record["ccms_did"] == DID
    assert result.record["ccms_trunk"] == "ct-sh"
    # recorded into the folder of the group's retention class at sh-1, on the PBX's disk,
    # encrypted at rest (the class asks for it): only the certificate's key opens it
    group = {"claims-zh": "rec-cn-claims"}.get(queue, "rec-cn-standard")
    assert result.recording is not None and result.recording.is_file()
    folder = lab / ".ccmsctl/lab" / result.pbx / "var/spool/asterisk/recording" / group
    assert result.recording.is_relative_to(folder)
    assert result.recording.suffix == ".p7m"
    assert not result.recording.with_suffix("").exists()  # no plain copy left
    assert _decrypted(lab, result.recording)[:4] == b"RIFF"


def test_the_queue_calls_are_counted_for_prometheus(lab: Path, applied: Path) -> None:
    """Each PBX's queue-stats job (cron runs it every minute in production) reads the
    queue_log Asterisk wrote for the calls above: the three that waited in sales-zh and hung
    up are counted, over the site's two PBXs, as calls the queue lost."""
    lost = 0.0
    for pbx in ("sh1-pbx-1", "sh1-pbx-2"):
        root = lab / ".ccmsctl/lab" / pbx
        done = subprocess.run(
            ["/bin/sh", str(root / QUEUE_STATS)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        counted = samples((root / TEXTFILE_DIR / "ccms_queues.prom").read_text())
        lost += counted[("ccms_queue_calls", (("outcome", "lost"), ("queue", "sales-zh")))]
    assert lost >= 3


def test_a_wrong_key_is_handled_and_the_menu_offered_again(lab: Path, applied: Path) -> None:
    result = call(lab, applied, DID, "171")  # 7 is no option of the services menu
    assert result.ivr_path == (
        "choose-language",
        "hours",
        "services",
        "services:invalid",
        "queue-sales",
    )


def test_the_operator_option_dials_out(lab: Path, applied: Path) -> None:
    result = call(lab, applied, DID, "10")
    assert result.ivr_path == ("choose-language", "hours", "services", "operator")
    assert result.record["ccms_skill_group"] == ""


def test_a_call_on_the_srtp_trunk_is_answered(lab: Path, applied: Path) -> None:
    """The Hong Kong trunk asks for SRTP: the carrier offers SDES-SRTP, the PBX takes it."""
    result = call(lab, applied, "+85230011234", hold=1)
    assert result.pbx == "hk1-pbx-1"
    assert result.record["ccms_trunk"] == "hkt-hk"
    assert result.ivr_path[:1] == ("choose-language",)


def test_a_call_report_cut_short_by_its_reader_ends_quietly(lab: Path, applied: Path) -> None:
    """A reader that has gone before the report is written (`| true` exits at once; the call
    takes seconds): the writer ends as a writer to a closed pipe does, with no trace."""
    command = (
        f"{sys.executable} -m ccmsctl lab call {applied} {DID} --digits 1,1 "
        f"--at {OPEN.isoformat()} | true"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=lab,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr


def test_card_entry_is_left_out_of_the_recording(lab: Path, applied: Path) -> None:
    """The payment line records from its first word, but not while the caller keys in the
    card number and the expiry date: the recording comes in parts that together are shorter
    than the call by at least the time the keys took, and no digit is kept anywhere."""
    result = lab_call(
        open_lab(lab / ".ccmsctl/lab"),
        load_estate(applied).estate,
        "+862161232005",
        digits=(*"4111#", *"12#"),
        hold=3,
        gap=0.5,
        at=OPEN,
    )
    assert result.answered and result.record, result.detail
    assert result.ivr_path == ("welcome", "card-number", "expiry", "queue-billing")
    parts = [Path(p) for p in result.record["ccms_recording"].split()]
    assert len(parts) == 3 and all(p.suffix == ".p7m" for p in parts)
    deadline = time.monotonic() + 10
    while not all(p.is_file() for p in parts) and time.monotonic() < deadline:
        time.sleep(0.2)
    recorded = sum((len(_decrypted(lab, p)) - 44) / 16000 for p in parts)  # 8 kHz, 16-bit
    answered = float(result.record["billsec"])
    assert recorded <= answered - 3, (recorded, answered)  # the 8 key presses, 0.5 s apart
    root = lab / ".ccmsctl/lab" / str(result.pbx)
    # the keyed digits as a value of their own (not inside a call id or a time stamp)
    keyed = re.compile(r"(?<![0-9])4111(?![0-9])")
    assert not keyed.search(json.dumps(result.record))
    assert not keyed.search((root / "var/log/asterisk/messages.log").read_text(errors="replace"))


def _rows_from(lab: Path, caller: str) -> list[dict[str, str]]:
    """The call records of `caller` on every PBX of the lab."""
    rows = []
    for path in sorted((lab / ".ccmsctl/lab").glob("*-pbx-*/var/log/asterisk/cdr-custom/*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            rows += [dict(zip(CDR_NAMES, row, strict=False)) for row in csv.reader(stream)]
    return [row for row in rows if row.get("src") == caller]


def test_an_erasure_request_erases_the_callers_data_but_what_is_held(
    lab: Path, applied: Path, tmp_path: Path
) -> None:
    caller = "+8613800138000"
    sales = call(lab, applied, DID, "11", caller=caller)  # recorded into rec-cn-standard
    claims = call(lab, applied, DID, "12", caller=caller)  # rec-cn-claims: legal hold
    other = call(lab, applied, DID, "11")  # someone else
    assert sales.record["src"] == caller and len(_rows_from(lab, caller)) == 2
    assert sales.recording and claims.recording and other.recording
    out = tmp_path / "erasure"
    # a dry run counts, per PBX, what would go and what is held, and changes nothing
    args = ["--caller", caller, "--request", "DSR-1", "--out", str(out), "--lab"]
    dry = ccmsctl("erase", str(applied), *args, "--dry-run", cwd=lab)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "1 records would erase, 1 held; 1 recordings would erase, 1 held" in dry.stdout
    assert sales.recording.exists() and len(_rows_from(lab, caller)) == 2 and not out.exists()
    # a number no PBX has seen: nothing matched, said so, exit 1, and the audit says it too
    nobody = ["--caller", "+8613800000001", "--request", "DSR-0", "--out", str(tmp_path / "none")]
    empty = ccmsctl("erase", str(applied), *nobody, "--lab", "--run", cwd=lab)
    assert empty.returncode == 1 and "nothing was erased" in empty.stderr, empty.stdout
    assert json.loads((tmp_path / "none/audit.json").read_text())["outcome"] == "nothing matched"
    done = ccmsctl("erase", str(applied), *args, "--run", cwd=lab)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not sales.recording.exists()
    assert claims.recording.exists() and other.recording.exists()
    # the held call's record stays beside its recording; the other is gone
    assert [row["ccms_skill_group"] for row in _rows_from(lab, caller)] == ["claims-zh"]
    assert _rows_from(lab, "carrier")
    audit = json.loads((out / "audit.json").read_text())
    results = [r for r in audit["hosts"].values() if r["result"]]
    assert sum(r["result"]["records_erased"] for r in results) == 1
    assert sum(r["result"]["recordings_erased"] for r in results) == 1
    assert sum(r["result"]["recordings_held"] for r in results) == 1
    assert audit["subject"] == "+861******8000" and caller not in (out / "audit.json").read_text()
    assert audit["outcome"] == "erased"


def test_calls_overflow_to_the_twin_sites_pbxs_when_the_sites_own_are_down(
    lab: Path, applied: Path
) -> None:
    roots = [lab / ".ccmsctl/lab" / host for host in ("sh1-pbx-1", "sh1-pbx-2")]
    program = open_lab(lab / ".ccmsctl/lab").asterisk
    for root in roots:
        config = str(root / "etc/asterisk/asterisk.conf")
        subprocess.run(
            [program, "-C", config, "-rx", "core stop now"],
            capture_output=True,
            timeout=30,
            check=True,
        )
    result = call(lab, applied, DID, "11")
    assert result.pbx in ("sh2-pbx-1", "sh2-pbx-2")
    assert result.ivr_path == ("choose-language", "hours", "services", "queue-sales")
    # the plan sees the stopped PBXs, and apply starts them again
    planned = ccmsctl("plan", str(applied), cwd=lab)
    assert planned.stdout.count("  * start asterisk\n") == 2, planned.stdout
    apply(lab, applied)
    assert ccmsctl("plan", str(applied), cwd=lab).stdout.strip() == "No changes."
    assert call(lab, applied, DID, "11").pbx in ("sh1-pbx-1", "sh1-pbx-2")


def test_a_holiday_sends_callers_to_the_holiday_message(
    lab: Path, applied: Path, tmp_path: Path
) -> None:
    estate = applied
    caller = "+8613700137000"
    result = call(lab, estate, DID, "1", hold=12, caller=caller, at=NATIONAL_DAY)
    assert result.ivr_path == ("choose-language", "hours", "holiday-message", "leave-message")
    # the caller's message, left with real Asterisk's voicemail, goes on their erasure
    # request; it would go after vm-cn's 30 days anyway
    inbox = lab / ".ccmsctl/lab" / str(result.pbx) / "var/spool/asterisk/voicemail/default/9000"
    theirs = [p for p in inbox.glob("INBOX/msg*.txt") if caller in p.read_text()]
    assert len(theirs) == 1, sorted(inbox.rglob("*"))
    out = tmp_path / "erasure"
    args = ["--caller", caller, "--request", "DSR-2", "--out", str(out), "--lab", "--run"]
    done = ccmsctl("erase", str(estate), *args, cwd=lab)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list(inbox.glob(f"INBOX/{theirs[0].stem}.*"))
    audit = json.loads((out / "audit.json").read_text())
    erased = [r["result"]["voicemail_erased"] for r in audit["hosts"].values() if r["result"]]
    assert sum(erased) == 1


def test_an_agents_phone_is_asked_for_its_credentials(lab: Path) -> None:
    addresses = json.loads((lab / ".ccmsctl/lab/lab.json").read_text())["addresses"]["hosts"]
    pbx = addresses["sh1-pbx-1"]
    status = sip_status("127.0.9.9", pbx, "INVITE", f"sip:1002@{pbx}:5060", wait=10, user="1001")
    assert status in (401, 407)  # the phone of agent 1001, without its password


def _decrypted(lab: Path, path: Path) -> bytes:
    """A file encrypted at rest, opened with the lab's recordings key (as an auditor holding
    the production key would)."""
    keys = lab / ".ccmsctl/lab/keys"
    command = ["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(path)]
    command += ["-inkey", str(keys / "recordings.key"), "-recip", str(keys / "recordings.pem")]
    return subprocess.run(command, capture_output=True, check=True, timeout=30).stdout


def test_the_retention_jobs_purge_what_their_class_no_longer_keeps(lab: Path) -> None:
    root = lab / ".ccmsctl/lab/sh1-pbx-1"
    schedule = (root / "etc/cron.d/ccmsctl-retention").read_text()
    commands = re.findall(r"^\S+ \S+ \* \* \* root (.+)$", schedule, re.MULTILINE)
    standard = root / "var/spool/asterisk/recording/rec-cn-standard/2025/01/01"
    claims = root / "var/spool/asterisk/recording/rec-cn-claims/2023/01/01"
    cdrs = root / "var/log/asterisk/cdr-custom"
    for folder in (standard, claims, cdrs):
        folder.mkdir(parents=True, exist_ok=True)
    old, recent, held = standard / "old.wav", standard / "recent.wav", claims / "held.wav"
    old_cdrs = cdrs / "cdr-cn-2024-01-01.csv"
    inbox = root / "var/spool/asterisk/voicemail/default/9000/INBOX"
    inbox.mkdir(parents=True, exist_ok=True)
    old_message, new_message = inbox / "msg0100.wav", inbox / "msg0101.wav"
    for path in (old, recent, held, old_cdrs, old_message, new_message):
        path.write_bytes(b"RIFF")
    with (cdrs / "cdr-cn.csv").open("a") as today:
        today.write('"2026-11-30T10:00:00+0800"\n')
    now = time.time()
    aged = ((old, 400), (recent, 30), (held, 1200), (old_cdrs, 800), (old_message, 40))
    for path, days in (*aged, (new_message, 20)):
        os.utime(path, (now - days * 86400, now - days * 86400))
    for command in commands:
        if "logger rotate" in command:
            continue  # Asterisk's own log rotation: not for this test
        subprocess.run(["sh", "-c", command], check=True, timeout=60)
    assert not old.exists()  # rec-cn-standard keeps 365 days
    assert recent.exists()
    assert held.exists()  # rec-cn-claims is under legal hold
    assert not old_cdrs.exists()  # cdr-cn keeps 730 days
    assert not old_message.exists() and new_message.exists()  # vm-cn keeps 30 days
    yesterday = (datetime.now() - timedelta(days=1)).date().isoformat()
    # the day's records, rotated at midnight and encrypted at rest (cdr-cn asks for it)
    rotated = cdrs / f"cdr-cn-{yesterday}.csv.p7m"
    assert _decrypted(lab, rotated).endswith(b'"2026-11-30T10:00:00+0800"\n')
    assert not (cdrs / f"cdr-cn-{yesterday}.csv").exists()
    assert not (cdrs / "cdr-cn.csv").exists()


def test_no_pbx_logged_an_error_or_a_warning(lab: Path) -> None:
    """After all the calls above, the PBXs' logs hold no ERROR and no WARNING, but for the
    Hong Kong trunk's registration (the lab has no carrier registrar to answer it) and
    pjproject's notice of a probe arriving during a restart."""
    problems = [
        line
        for log in sorted((lab / ".ccmsctl/lab").glob("*-pbx-*/var/log/asterisk/messages.log"))
        for line in log.read_text(errors="replace").splitlines()
        if re.search(r"\] (ERROR|WARNING)\[", line)
        and "res_pjsip_outbound_registration.c: Temporal response '408'" not in line
        # pjproject's notice when an edge's OPTIONS probe arrives while res_pjsip is still
        # loading (Asterisk builds pjproject with PJSIP_SAFE_MODULE 0, on purpose): the
        # timing of a restart, not a config problem
        and "registered during operation. Enable PJSIP_SAFE_MODULE" not in line
    ]
    assert problems == []


def test_the_example_is_applied_again(lab: Path) -> None:
    apply(lab, EXAMPLE)
    assert ccmsctl("plan", str(EXAMPLE), cwd=lab).stdout.strip() == "No changes."
