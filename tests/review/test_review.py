"""`plan --base REF` reviews a change like a reviewer must: a risk flag for each kind of risky
change, located at the changed line, the IVR tree diff, the waivers in force; as a Markdown
comment (golden per flag, split under GitHub's limit), as GitHub annotations, as text."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.review.model import RISK_CODES
from tests.conftest import EXAMPLE, ROOT, git

GOLDEN = ROOT / "tests" / "golden" / "review"

# flag: (file, text, replacement), applied in order
CHANGES: dict[str, list[tuple[str, str, str]]] = {
    "did-removed": [("carriers/numbers.yaml", 'last: "+862161231049"', 'last: "+862161231019"')],
    "did-rerouted": [
        (
            "carriers/numbers.yaml",
            'ivr: main-cn\nfirst: "+862131880000"',
            'ivr: claims-cn\nfirst: "+862131880000"',
        )
    ],
    "retention-shortened": [
        (
            "compliance/retention.yaml",
            "keep: 730d\n    erase_on_request: 30d",
            "keep: 400d\n    erase_on_request: 30d",
        )
    ],
    "residency-widened": [
        (
            "compliance/residency.yaml",
            "  - data_class: recording\n    allowed_countries: [HK]",
            "  - data_class: recording\n    allowed_countries: [HK, SG, US]\n"
            "    cross_border: allowed\n    mechanism: standard-contract",
        )
    ],
    "trunk-channels-cut": [("carriers/trunks.yaml", "channels: 120", "channels: 60")],
    "twin-pair-weakened": [("sites/shanghai.yaml", "rto: 60s", "rto: 300s")],
    "control-newly-failing": [("sites/shanghai.yaml", "mlps_level: 3\n", "")],
    "waiver-added": [
        (
            "compliance/waivers.yaml",
            "expires: 2027-10-31\n",
            "expires: 2027-10-31\n---\nkind: Waiver\nname: cu-sh-capacity\ncode: W0901\n"
            "target: Trunk/cu-sh\nreason: the second carrier's uplift is on order\n"
            "approved_by: Head of Operations, Shanghai\napproved_on: 2026-11-20\n"
            "expires: 2027-02-28\n",
        )
    ],
    "waiver-extended": [("compliance/waivers.yaml", "expires: 2027-10-31", "expires: 2027-11-01")],
    "network-devices": [("carriers/trunks.yaml", "  - address: 203.0.113.11\n", "")],
    "call-path-lost": [
        (
            "ivr/schedules.yaml",
            "  - name: New Year's Day\n    date: 2027-01-01\n",
            "  - name: New Year's Day\n    date: 2027-01-01\n  - name: Company Day\n"
            "    date: 2026-12-08\n",
        )
    ],
    "recording-moved-abroad": [
        (
            "carriers/numbers.yaml",
            "name: ct-sh-claims\ntrunk: ct-sh\nsite: sh-1\nivr: claims-cn",
            "name: ct-sh-claims\ntrunk: hkt-hk\nsite: hk-1\nivr: main-hk",
        )
    ],
    "ivr-option-moved": [
        (
            "ivr/main-cn.yaml",
            '{digit: "2", next: queue-claims}',
            '{digit: "2", next: queue-billing}',
        ),
        ("ivr/main-cn.yaml", "  queue-claims:\n    type: queue\n    skill_group: claims-zh\n", ""),
    ],
}
KINDS = {
    "did-removed": ["DID removed"],
    "did-rerouted": ["DID rerouted"],
    "retention-shortened": ["retention shortened"],
    "residency-widened": ["residency widened"],
    "trunk-channels-cut": ["trunk channels cut"],
    "twin-pair-weakened": ["twin pair weakened"],
    "control-newly-failing": ["control newly failing"],
    "waiver-added": ["waiver added"],
    "waiver-extended": ["waiver extended"],
    "call-path-lost": ["call path lost"],
    "recording-moved-abroad": ["DID rerouted", "call path lost", "recording moved abroad"],
    "ivr-option-moved": [],
    "network-devices": [],
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Git repository holding the example estate as `estate/`, committed: the base."""
    shutil.copytree(EXAMPLE, tmp_path / "estate")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _change(repo: Path, flag: str) -> None:
    for file, text, new in CHANGES[flag]:
        path = repo / "estate" / file
        content = path.read_text(encoding="utf-8")
        assert text in content, (flag, text)
        path.write_text(content.replace(text, new, 1), encoding="utf-8")


def plan(*args: str) -> tuple[int, str]:
    """The review's exit status and standard output (the estate's warnings go to standard
    error: not part of the comment)."""
    result = CliRunner().invoke(app, ["plan", "estate", "--base", "HEAD", *args])
    return result.exit_code, result.stdout


@pytest.mark.parametrize("flag", sorted(CHANGES))
def test_each_risky_change_is_flagged_at_its_line(
    repo: Path, flag: str, update_goldens: bool
) -> None:
    _change(repo, flag)
    code, comment = plan("--format", "markdown")
    assert code == 0, comment
    golden = GOLDEN / f"{flag}.md"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(comment, encoding="utf-8")
    assert comment == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs; if the change is intended: pytest tests/review --update-goldens"
    )
    code, annotations = plan("--format", "github")
    titles = [
        re.search(r"title=ccmsctl (R\d{4})%3A ([^:]+)::", line)
        for line in annotations.splitlines()
        if line.startswith("::warning")
    ]
    assert all(titles)
    kinds = [title.group(2) for title in titles if title]
    assert kinds == KINDS[flag]
    assert [title.group(1) for title in titles if title] == [RISK_CODES[k] for k in kinds]
    for line in (line for line in annotations.splitlines() if line.startswith("::warning")):
        # located at a line of the change's own files
        file = line.split("file=")[1].split(",")[0]
        assert (repo / file).is_file() and ",line=" in line


def test_a_widened_residency_rule_shows_in_the_text_plan(repo: Path) -> None:
    _change(repo, "residency-widened")
    code, text = plan()
    assert code == 0
    lines = text.splitlines()
    assert lines[-1] == "No changes."  # no compiled file changes...
    assert lines[-2] == (  # ...yet the reviewer sees the risk, and where
        "! R0202 residency widened: HK recording data may now also be kept in SG, US (was HK) "
        "(estate/compliance/residency.yaml:28)"
    )


def test_the_ivr_diff_reads_like_a_caller(repo: Path) -> None:
    _change(repo, "ivr-option-moved")
    code, text = plan()
    assert code == 0
    assert (
        "ivr: main-cn/services, digit 2: queue-claims -> queue-billing (estate/ivr/main-cn.yaml:32)"
        in text
    )
    assert (
        "ivr: main-cn/queue-claims: removed (queue claims-zh) (estate/ivr/main-cn.yaml:42 (base))"
        in text
    )


def test_markdown_and_github_need_a_base(repo: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "estate", "--format", "markdown"])
    assert result.exit_code == 2 and "--base" in result.output


def test_the_comment_is_split_under_githubs_limit(repo: Path) -> None:
    # the service range moved to 10,000 new numbers: every edge's DID table diff is long
    numbers = repo / "estate/carriers/numbers.yaml"
    text = numbers.read_text(encoding="utf-8")
    moved = text.replace('first: "+862161230000"', 'first: "+862161220000"')
    numbers.write_text(
        moved.replace('last: "+862161230099"', 'last: "+862161229999"'), encoding="utf-8"
    )
    code, output = plan("--format", "markdown", "--comment-dir", "comments")
    assert code == 0, output
    parts = sorted((repo / "comments").glob("comment-*.md"))
    texts = [p.read_text(encoding="utf-8") for p in parts]
    assert len(texts) >= 2 and all(len(t) < 65_000 for t in texts)
    assert texts[0].startswith("## ccmsctl plan: `estate` against `HEAD`")
    assert all(f"(part {n} of {len(texts)})" in t for n, t in enumerate(texts[1:], 2))
    assert all(t.count("```") % 2 == 0 for t in texts)  # no code fence cut in two


def test_json_lines_carry_the_risk_flags(repo: Path) -> None:
    _change(repo, "trunk-channels-cut")
    code, output = plan("--json")
    assert code == 0
    messages = [json.loads(line) for line in output.splitlines()]
    risks = [m for m in messages if m["type"] == "risk"]
    assert [(r["code"], r["severity"], r["kind"], r["file"], r["line"]) for r in risks] == [
        ("R0301", "warning", "trunk channels cut", "estate/carriers/trunks.yaml", 22)
    ]
    assert messages[-1]["type"] == "change_summary"


def test_every_risk_kind_has_its_own_code() -> None:
    codes = list(RISK_CODES.values())
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"R0[1-4]\d\d", code) for code in codes)
