"""An erasure order, carried out by the generated script on a PBX's folders: the subject's
call records, recordings and voicemail messages go, what is under legal hold stays, others'
data is untouched; the audit record holds the request, the deadlines and the number only
masked."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.pbx.layout import cdr_names
from ccmsctl.erasure.order import masked, order_bytes, orders, script
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE

CALLER = "+8613812345678"


def _row(root: Path, src: str, recording: str, group: str) -> list[str]:
    values = dict.fromkeys(cdr_names(), "")
    values |= {"src": src, "clid": f'"{src}" <{src}>', "ccms_skill_group": group}
    values["ccms_recording"] = (
        f"{root}/var/spool/asterisk/recording/{recording}" if recording else ""
    )
    return [values[name] for name in cdr_names()]


def test_the_script_erases_the_subjects_data_and_keeps_what_is_held(tmp_path: Path) -> None:
    root = tmp_path / "sh1-pbx-1"
    records = root / "var/log/asterisk/cdr-custom"
    records.mkdir(parents=True)
    rows = [
        _row(root, CALLER, "rec-cn-standard/2026/11/30/1.wav.p7m", "sales-zh"),
        _row(root, CALLER, "rec-cn-claims/2026/11/30/2.wav.p7m", "claims-zh"),
        _row(root, "+8613900000000", "rec-cn-standard/2026/11/30/3.wav.p7m", "sales-zh"),
    ]
    for row in rows:
        recording = Path(row[cdr_names().index("ccms_recording")])
        recording.parent.mkdir(parents=True, exist_ok=True)
        recording.write_bytes(b"encrypted")
    with (records / "cdr-cn.csv").open("w", newline="") as stream:
        csv.writer(stream, quoting=csv.QUOTE_ALL).writerows(rows[:2])
    with (records / "cdr-cn-2026-11-29.csv").open("w", newline="") as stream:
        csv.writer(stream, quoting=csv.QUOTE_ALL).writerows(rows[2:])
    (records / "cdr-cn-2026-11-28.csv.p7m").write_bytes(b"sealed")
    # voicemail: a message the caller left (its text file and its sound), another caller's
    inbox = root / "var/spool/asterisk/voicemail/default/9001/INBOX"
    inbox.mkdir(parents=True)
    for index, clid in enumerate((f'"Caller" <{CALLER}>', "+8613900000000")):
        (inbox / f"msg000{index}.txt").write_text(
            f";\n[message]\norigmailbox=9001\ncallerid={clid}\nduration=5\n"
        )
        (inbox / f"msg000{index}.wav").write_bytes(b"RIFF")
    (inbox.parent / "unavail.wav").write_bytes(b"RIFF")  # the box's greeting
    order = orders(load_estate(EXAMPLE).estate, CALLER, {"sh1-pbx-1": str(root)})["sh1-pbx-1"]
    (tmp_path / "ccms-erase.py").write_bytes(script())
    (tmp_path / "order.json").write_bytes(order_bytes(order))

    def run(*options: str) -> dict[str, object]:
        command = [sys.executable, str(tmp_path / "ccms-erase.py"), *options]
        done = subprocess.run(
            [*command, str(tmp_path / "order.json")],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return dict(json.loads(done.stdout))

    def files() -> dict[Path, bytes]:
        return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}

    before = files()
    counted = run("--dry-run")
    assert files() == before  # a dry run changes nothing
    result = run()
    assert counted == {**result, "dry_run": True}
    assert result == {
        "dry_run": False,
        "host": "sh1-pbx-1",
        "records_erased": 1,
        "records_held": 1,
        "recordings_erased": 1,
        "recordings_held": 1,
        "voicemail_erased": 1,
        "voicemail_held": 0,
        "encrypted_archives": [str(records / "cdr-cn-2026-11-28.csv.p7m")],
    }
    assert sorted(p.name for p in inbox.iterdir()) == ["msg0001.txt", "msg0001.wav"]
    assert (inbox.parent / "unavail.wav").exists()
    kept = list(csv.reader((records / "cdr-cn.csv").open(newline="")))
    assert [row[cdr_names().index("ccms_skill_group")] for row in kept] == ["claims-zh"]
    assert list(csv.reader((records / "cdr-cn-2026-11-29.csv").open(newline=""))) == rows[2:]
    recordings = root / "var/spool/asterisk/recording"
    assert not (recordings / "rec-cn-standard/2026/11/30/1.wav.p7m").exists()
    assert (recordings / "rec-cn-claims/2026/11/30/2.wav.p7m").exists()  # legal hold
    assert (recordings / "rec-cn-standard/2026/11/30/3.wav.p7m").exists()  # someone else's


def test_the_command_writes_orders_and_an_audit_record_without_the_number(tmp_path: Path) -> None:
    out = tmp_path / "erasure"
    result = CliRunner().invoke(
        app,
        [
            "erase",
            str(EXAMPLE),
            "--caller",
            CALLER,
            "--request",
            "DSR-2026-7",
            "--requested",
            "2026-11-20",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    audit = json.loads((out / "audit.json").read_text())
    assert audit["request"] == "DSR-2026-7" and audit["subject"] == masked(CALLER)
    assert CALLER not in (out / "audit.json").read_text() and CALLER not in result.output
    assert {c["class"]: (c["action"], c["due"]) for c in audit["classes"]} == {
        "rec-cn-standard": ("erase", "2026-11-27"),
        "rec-cn-claims": ("held: legal hold", None),
        "cdr-cn": ("erase", "2026-11-27"),
        "vm-cn": ("erase", "2026-11-27"),
        "rec-hk-standard": ("erase", "2026-12-20"),
        "cdr-hk": ("erase", "2026-12-20"),
        "vm-hk": ("erase", "2026-12-20"),
    }
    assert sorted(audit["hosts"]) == [
        "hk1-pbx-1",
        "sh1-pbx-1",
        "sh1-pbx-2",
        "sh2-pbx-1",
        "sh2-pbx-2",
    ]
    assert (out / "sh1-pbx-1.json").stat().st_mode & 0o777 == 0o600
    late = date.today() > date(2026, 11, 27)
    assert ("rec-cn-standard" in audit["overdue"]) == late


def test_a_number_that_is_no_number_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "erase",
            str(EXAMPLE),
            "--caller",
            "1; rm -rf /",
            "--request",
            "x",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2 and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--caller", "+8613812345678\n"),
        ("--caller", "+86 138 1234 5678"),
        ("--request", "REQ-1\n"),
        ("--request", "-rf"),
        ("--requested", "9999-12-31"),
        ("--requested", "2026-02-30"),
    ],
)
def test_inexact_inputs_are_refused_before_anything_is_written(
    tmp_path: Path, option: str, value: str
) -> None:
    given = {"--caller": CALLER, "--request": "REQ-1", "--requested": "2026-11-20"}
    given[option] = value
    args = [part for pair in given.items() for part in pair]
    result = CliRunner().invoke(app, ["erase", str(EXAMPLE), *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())
