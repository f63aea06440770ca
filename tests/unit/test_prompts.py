"""IVR prompts as assets: the languages callers may be in at each node, where Asterisk finds
each recording, and how a plan shows a changed recording."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from ccmsctl.compile.dialplan import prompt_file
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.ivr import IVR, prompt_languages
from ccmsctl.plan.diff import Change, unified_diff
from tests.conftest import EXAMPLE, brief, findings_of


def test_languages_follow_the_language_menu() -> None:
    main = load_estate(EXAMPLE).estate.index(IVR)["main-cn"]
    languages = prompt_languages(main)
    assert languages["choose-language"] == {"zh-CN"}  # the IVR's own, before any choice
    # digits 1, 2, 3 choose Mandarin, Cantonese, English; a timeout keeps Mandarin
    assert languages["services"] == {"zh-CN", "yue-HK", "en-US"}


def test_every_pbx_of_an_ivr_gets_its_recordings_where_the_dialplan_plays_them() -> None:
    estate = load_estate(EXAMPLE).estate
    artifacts = compile_estate(estate)
    path = prompt_file("lotus/services-menu", "yue-HK")
    assert path == "var/lib/asterisk/ccmsctl-prompts/lotus/yue_HK/services-menu.wav"
    for host in ("sh1-pbx-1", "sh1-pbx-2", "sh2-pbx-1", "sh2-pbx-2"):
        files = artifacts.hosts[host]
        assert files[path] == estate.prompts["yue-HK/lotus/services-menu"]
        dialplan = files["etc/asterisk/extensions.conf"].decode()
        assert "Background(/var/lib/asterisk/ccmsctl-prompts/lotus/services-menu)" in dialplan
    # Hong Kong's PBX runs main-hk only
    assert path not in artifacts.hosts["hk1-pbx-1"]


def test_a_missing_recording_is_found_where_the_prompt_is_named(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    (estate / "prompts/en-US/lotus/services-menu.wav").unlink()
    assert [brief(f, estate) for f in findings_of(estate)] == [
        "ivr/main-cn.yaml:27:13: error[E0408]"
    ]


def test_a_changed_recording_is_shown_as_sizes_and_digests() -> None:
    before, after = b"RIFF\x80\x01", b"RIFF\xff"
    change = Change("pbx", "var/lib/a.wav", "update", "update", before, after)
    digest = [hashlib.sha256(data).hexdigest()[:12] for data in (before, after)]
    assert unified_diff(change) == (
        f"    binary: 6 bytes, sha256 {digest[0]} -> 5 bytes, sha256 {digest[1]}\n"
    )
