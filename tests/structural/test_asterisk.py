"""Asterisk cannot be installed on Debian 12, so its generated configs are checked by the
structural checker in asterisk.py: every PBX of the example is consistent, and each kind of
breakage the checker knows is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.structural.asterisk import check


def test_every_pbx_of_the_example_is_consistent(example_build: Path) -> None:
    folders = sorted(example_build.glob("*/etc/asterisk"))
    assert [folder.parts[-3] for folder in folders] == [
        "hk1-pbx-1",
        "sh1-pbx-1",
        "sh1-pbx-2",
        "sh2-pbx-1",
        "sh2-pbx-2",
    ]
    for folder in folders:
        assert check(folder) == [], folder


BREAKAGES = [
    (
        "extensions.conf",
        "Goto(ivr-main-cn-hours,s,1)",
        "Goto(ivr-main-cn-hourz,s,1)",
        "no context 'ivr-main-cn-hourz'",
    ),
    (
        "extensions.conf",
        "GotoIf($[${TRIES} <= 3]?s,prompt)",
        "GotoIf($[${TRIES} <= 3]?s,prompz)",
        "no label 'prompz'",
    ),
    ("extensions.conf", "Queue(sales-zh,", "Queue(sales-cn,", "Queue(sales-cn)"),
    (
        "extensions.conf",
        " same => n(prompt),Background(/var/lib/asterisk/ccmsctl-prompts/lotus/services-menu)",
        " same => 1(prompt),Background(/var/lib/asterisk/ccmsctl-prompts/lotus/services-menu)",
        "priority goes back",
    ),
    ("extensions.conf", "Dial(PJSIP/1001,30)", "Dial(PJSIP/1999,30)", "unknown endpoint '1999'"),
    ("queues.conf", "member = PJSIP/1001,", "member = PJSIP/1998,", "no endpoint '1998'"),
    ("pjsip.conf", "aors = trunk-ct-sh", "aors = trunk-ct-shh", "no aor 'trunk-ct-shh'"),
    (
        "pjsip.conf",
        "context = from-trunk-cu-sh",
        "context = from-trunk-cu-shh",
        "context 'from-trunk-cu-shh' is not in extensions.conf",
    ),
    ("pjsip.conf", "endpoint = trunk-ct-sh", "endpoint = trunk-ct", "no endpoint 'trunk-ct'"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BREAKAGES)
def test_checker_catches_breakage(
    example_build: Path, tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    folder = tmp_path / "asterisk"
    folder.mkdir()
    for name in ("pjsip.conf", "pjsip_transports.conf", "extensions.conf", "queues.conf"):
        text = (example_build / "sh1-pbx-1/etc/asterisk" / name).read_text(encoding="utf-8")
        if name == file:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new, 1)
        (folder / name).write_text(text, encoding="utf-8")
    problems = check(folder)
    assert any(expected in problem for problem in problems), problems
