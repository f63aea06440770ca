"""Every output people and CI read keeps the estate's strings and file names as content.

A waiver whose `approved_by` holds Markdown, HTML, a mention, a link and workflow-command
syntax, in a file whose name holds a line break and a workflow command, is changed in a pull
request; a holiday (which `simulate` tells of) bears the same name. Each writer's output is
parsed back by a real parser — CommonMark with GitHub's tables and autolinks
(markdown-it-py), Python's HTML and XML parsers, JSON, the workflow command grammar — and
must hold no link, image, mention, element, heading, table cell or command that the clean
estate's output does not."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE, git

APPROVER = (
    "@acme/security-team [approve](https://evil.example) <img src=x onerror=alert(1)> "
    "`x` ``y`` | cell # 1. **bold** www.evil.example #12 ::warning::pwned %0A"
)
FILE_NAME = "waivers\n::warning file=x::pwned `a` | <b> [l](javascript:x) @acme.yaml"
CLEAN_FILE = "waivers.yaml"


def _estate(repo: Path, approver: str, name: str) -> None:
    """The example with its waiver approved by `approver`, in file `name`; committed, then
    the waiver extended by a day (a risk located in that file) and its file left for `fmt`
    to reformat."""
    estate = repo / "estate"
    shutil.copytree(EXAMPLE, estate)
    waiver = estate / "compliance" / "waivers.yaml"
    text = waiver.read_text(encoding="utf-8").replace(
        "approved_by: Head of Contact Center Operations, Hong Kong",
        f"approved_by: {json.dumps(approver)}",
    )
    waiver.unlink()
    # the gateway, whose credential `secrets` lists where it is used, moves into that file too
    gateways = estate / "carriers" / "gateways.yaml"
    text += "---\n" + gateways.read_text(encoding="utf-8")
    gateways.unlink()
    schedules = estate / "ivr" / "schedules.yaml"
    holiday = "  - name: National Day\n"
    assert holiday in schedules.read_text(encoding="utf-8")
    schedules.write_text(
        schedules.read_text(encoding="utf-8").replace(
            holiday, f"  - name: {json.dumps(approver)}\n"
        ),
        encoding="utf-8",
    )
    moved = estate / "compliance" / name
    moved.write_text(text, encoding="utf-8")
    staging = estate / "environments" / "staging" / name  # a difference beyond the bindings
    holiday = {"date": "2026-10-01", "name": f"{approver} (staging)"}
    patch = {"kind": "Schedule", "name": "cn-business", "overlay": "patch", "holidays": [holiday]}
    staging.write_text(json.dumps(patch), encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    moved.write_text(
        text.replace("expires: 2027-10-31", "expires: 2027-11-01").replace(
            "code: W0901", "code:    W0901"
        ),
        encoding="utf-8",
    )


def outputs(repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Each writer's output for the estate in `repo` (standard output and error)."""
    monkeypatch.chdir(repo)
    runs = {
        "plan-markdown": ["plan", "estate", "--base", "HEAD", "--format", "markdown"],
        "plan-github": ["plan", "estate", "--base", "HEAD", "--format", "github"],
        "plan-text": ["plan", "estate", "--base", "HEAD"],
        "plan-json": ["plan", "estate", "--base", "HEAD", "--json"],
        "validate-text": ["validate", "estate"],
        "validate-json": ["validate", "estate", "--format", "json"],
        "validate-github": ["validate", "estate", "--format", "github"],
        "fmt-diff": ["fmt", "estate", "--check", "--diff"],
        "capacity": ["capacity", "estate"],
        "report-md": ["report", "estate", "--format", "md"],
        "report-html": ["report", "estate", "--format", "html"],
        "report-json": ["report", "estate", "--format", "json"],
        "report-sarif": ["report", "estate", "--format", "sarif"],
        "report-junit": ["report", "estate", "--format", "junit"],
        "simulate-text": [
            *("simulate", "estate", "+862161230005", "--digits", "1"),
            *("--at", "2026-10-02T10:00:00+08:00"),
        ],
        "simulate-json": [
            *("simulate", "estate", "+862161230005", "--digits", "1"),
            *("--at", "2026-10-02T10:00:00+08:00", "--format", "json"),
        ],
        "simulate-all": ["simulate", "estate", "--all", "--week-of", "2026-12-07"],
        "simulate-all-markdown": [
            *("simulate", "estate", "--all", "--week-of", "2026-12-07", "--format", "markdown"),
        ],
        "simulate-all-json": [
            *("simulate", "estate", "--all", "--week-of", "2026-12-07", "--format", "json"),
        ],
        "env-diff": ["env", "diff", "estate", "production", "staging", "--bindings"],
        "env-diff-json": ["env", "diff", "estate", "production", "staging", "--format", "json"],
        "secrets": ["secrets", "estate"],
        "secrets-json": ["secrets", "estate", "--json"],
        "erase": [
            *("erase", "estate", "--caller", "+8613812345678", "--request", "R-1"),
            *("--requested", "2026-11-20", "--out", f"erasure {FILE_NAME}"),
        ],
    }
    found = {}
    for name, args in runs.items():
        result = CliRunner().invoke(app, args)
        assert "Traceback" not in result.output + result.stderr, (name, result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit), name
        found[name] = result.stdout
        found[name + " (stderr)"] = result.stderr
    return found


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        repo = tmp_path_factory.mktemp("clean")
        _estate(repo, "Head of Contact Center Operations, Hong Kong", CLEAN_FILE)
        return outputs(repo, monkeypatch)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        repo = tmp_path_factory.mktemp("hostile")
        _estate(repo, APPROVER, FILE_NAME)
        return outputs(repo, monkeypatch)


def _markdown_shape(text: str) -> Counter[str]:
    """What a Markdown document is made of, but its text: block and inline token kinds, the
    HTML it holds, and GitHub's automatic links in its text."""
    parser = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    shape: Counter[str] = Counter()
    for token in parser.parse(text):
        shape[token.type] += 1
        if token.type == "html_block":
            shape["html:" + re.sub(r"<code>.*?</code>", "<code/>", token.content.strip())] += 1
        for child in token.children or []:
            shape[child.type] += 1
            if child.type == "html_inline":
                shape["html:" + child.content] += 1
            if child.type == "text":
                shape["mention"] += len(re.findall(r"@(?!\u200b)\w", child.content))
                shape["reference"] += len(re.findall(r"#\d", child.content))
    return shape


@pytest.mark.parametrize("output", ["plan-markdown", "report-md", "simulate-all-markdown"])
def test_markdown_keeps_hostile_strings_as_text(
    clean: dict[str, str], hostile: dict[str, str], output: str
) -> None:
    assert "Head of Contact Center Operations" in clean[output]
    assert "security" in hostile[output]
    assert _markdown_shape(hostile[output]) == _markdown_shape(clean[output])


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements[tag] += 1
        for name, _ in attrs:
            self.elements[f"{tag}[{name}]"] += 1


def test_html_report_keeps_hostile_strings_as_text(
    clean: dict[str, str], hostile: dict[str, str]
) -> None:
    shapes = []
    for text in (clean["report-html"], hostile["report-html"]):
        parser = _Elements()
        parser.feed(text)
        parser.close()
        shapes.append(parser.elements)
    assert shapes[1] == shapes[0]
    assert "onerror=alert(1)" in hostile["report-html"].replace("&lt;img src=x ", "")


def _commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


@pytest.mark.parametrize("output", ["plan-github", "validate-github"])
def test_workflow_commands_are_only_ccmsctls_own(
    clean: dict[str, str], hostile: dict[str, str], output: str
) -> None:
    for text in (hostile[output], hostile[output + " (stderr)"]):
        for line in _commands(text):
            assert re.fullmatch(r"::(error|warning|notice) [^:]*::[^\r\n]*", line), line
            head = line.split("::")[1]
            # the properties: key=value pairs, no value holding an unescaped ':' or ','
            assert all(
                re.fullmatch(r"[a-z]+=[^:,]*", part) for part in head.split(" ", 1)[1].split(",")
            )
    assert len(_commands(hostile[output])) == len(_commands(clean[output]))


@pytest.mark.parametrize(
    "output",
    [
        *("plan-text", "validate-text", "fmt-diff", "capacity", "report-md", "erase"),
        *("simulate-text", "simulate-all", "env-diff", "secrets"),
    ],
)
def test_text_outputs_start_no_workflow_command(hostile: dict[str, str], output: str) -> None:
    for text in (hostile[output], hostile[output + " (stderr)"]):
        assert _commands(text) == [], text
        assert "\x1b" not in text


def test_fmt_names_the_hostile_file_on_one_line(hostile: dict[str, str]) -> None:
    diff = hostile["fmt-diff"]
    assert "waivers\\n::warning file=x::pwned" in diff
    assert re.search(r"^\+code: W0901$", diff, re.MULTILINE), diff


@pytest.mark.parametrize(
    "output",
    [
        *("report-json", "report-sarif", "validate-json", "simulate-json", "simulate-all-json"),
        "env-diff-json",
    ],
)
def test_machine_outputs_parse_and_hold_the_strings_whole(
    hostile: dict[str, str], output: str
) -> None:
    text = hostile[output]
    document = json.loads(text)
    assert document
    if output in ("report-json", "simulate-json", "simulate-all-json", "env-diff-json"):
        assert APPROVER in json.dumps(document, ensure_ascii=False)


def test_plan_json_lines_parse_and_hold_the_file_name_whole(hostile: dict[str, str]) -> None:
    messages = [json.loads(line) for line in hostile["plan-json"].splitlines()]
    risks = [m for m in messages if m["type"] == "risk"]
    assert messages[0]["type"] == "version" and risks
    assert risks[0]["file"].endswith(FILE_NAME)


def test_secrets_name_the_hostile_file_on_one_line_and_whole_in_json(
    hostile: dict[str, str],
) -> None:
    assert "compliance/waivers\\n::warning file=x::pwned" in hostile["secrets"]
    used = [u for n in json.loads(hostile["secrets-json"]) for u in n["used"]]
    assert any(f"compliance/{FILE_NAME}:" in place for place in used), used


def test_erase_names_its_folder_on_one_line(hostile: dict[str, str]) -> None:
    assert "in erasure waivers\\n::warning file=x::pwned" in hostile["erase"]


def test_junit_parses_and_holds_the_strings_whole(hostile: dict[str, str]) -> None:
    root = ElementTree.fromstring(hostile["report-junit"])
    assert root.tag in ("testsuites", "testsuite")


def test_env_diff_names_the_hostile_holiday_and_file_on_their_lines(
    hostile: dict[str, str],
) -> None:
    lines = hostile["env-diff"].splitlines()
    changed = [line for line in lines if "holidays[2026-10-01].name" in line]
    assert len(changed) == 1 and "(staging)" in changed[0]
    assert any("waivers\\n::warning file=x::pwned" in line for line in lines)
