"""The errors a newcomer meets first, each with the message that helps: a mistyped name
anywhere an estate refers to one gets "did you mean"; a key indented one level wrong says
where it belongs; a YAML syntax error says in plain words what usually causes it and which
line to look at, and the summary says the file could not be read; `ccmsctl init` makes a
consistent estate for the country and language given, whose files name their schema and
whose secrets have examples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import EstateInfo
from ccmsctl.model.skillgroup import SkillGroup
from tests.conftest import EXAMPLE, findings_of

runner = CliRunner()


def _example(tmp_path: Path, file: str, old: str, new: str) -> Path:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    path = estate / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return estate


@pytest.mark.parametrize(
    ("file", "old", "new", "code", "hint"),
    [
        (
            "ivr/claims-cn.yaml",
            "skill_group: claims-zh",
            "skill_group: claim-zh",
            "E0405",
            "did you mean 'claims-zh'?",
        ),
        ("ivr/claims-cn.yaml", "entry: ", "entry: x", "E0406", "did you mean"),
        ("carriers/numbers.yaml", "trunk: ct-sh", "trunk: ct-hs", "E0202", "did you mean 'ct-sh'?"),
        (
            "compliance/waivers.yaml",
            "target: Trunk/ct-sh",
            "target: Trunk/ct-hs",
            "E0202",
            "did you mean 'ct-sh'?",
        ),
        (
            "ivr/main-hk.yaml",
            "prompt: lotus/hk-closed",
            "prompt: lotus/hk-close",
            "E0408",
            "did you mean 'lotus/hk-closed'?",
        ),
    ],
)
def test_a_mistyped_reference_says_what_was_meant(
    tmp_path: Path, file: str, old: str, new: str, code: str, hint: str
) -> None:
    estate = _example(tmp_path, file, old, new)
    found = [f for f in findings_of(estate) if f.code == code]
    assert found and hint in found[0].hint, found


def test_a_key_indented_one_level_wrong_says_where_it_belongs(tmp_path: Path) -> None:
    estate = _example(
        tmp_path,
        "sites/shanghai.yaml",
        "    address: 10.10.2.22\n    channels: 400\n",
        "    address: 10.10.2.22\nchannels: 400\n",
    )
    found = [f for f in findings_of(estate) if f.code == "E0102"]
    assert found[0].message == "unknown field 'channels'"
    assert (
        found[0].hint
        == "'channels' belongs in hosts[], not at the top level: check its indentation"
    )
    deeper = _example(
        tmp_path / "deeper",
        "sites/shanghai.yaml",
        "    address: 10.10.2.22\n",
        "    address: 10.10.2.22\n    timezone: Asia/Shanghai\n",
    )
    found = [f for f in findings_of(deeper) if f.code == "E0102"]
    assert (
        found[0].hint
        == "'timezone' belongs at the top level, not in hosts[]: check its indentation"
    )


@pytest.mark.parametrize(
    ("text", "line", "message", "advice"),
    [
        (
            "kind: Site\nname: a\n\tcountry: CN\n",
            3,
            "a tab in the indentation",
            "replace the tab on line 3",
        ),
        (
            'kind: Site\nname: "a\ncountry: CN\n',
            2,
            "a quote opened on line 2 is never closed",
            "close the quote",
        ),
        (
            "kind: Site\nname: a\nhosts: [{name: x}\ncountry: CN\n",
            3,
            "a '[' opened on line 3 is not closed, or an item lacks its comma",
            "close the bracket on line 3",
        ),
        (
            "kind: Site\nname: a\n  country: CN\n",
            3,
            "line 3 is indented under a key that already has a value",
            "check the indentation of line 3",
        ),
        (
            "kind: Site\ndescription: Pudong: main\nname: a\n",
            2,
            "a value holds ': ', which YAML reads as another key",
            "quote the value on line 2",
        ),
        (
            "kind: Site\nname: a\nhosts:\n  - name: x\n   address: 10.0.0.1\n",
            5,
            "line 5 is indented differently from the lines it belongs with",
            "line up line 5",
        ),
    ],
)
def test_a_yaml_syntax_error_says_its_usual_cause_and_line(
    tmp_path: Path, text: str, line: int, message: str, advice: str
) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    (estate / "broken.yaml").write_text(text)
    found = [f for f in findings_of(estate) if f.code == "E0001"]
    assert [f.span.line for f in found] == [line]
    assert found[0].message.startswith(f"YAML syntax: {message}")
    assert advice in found[0].hint and "(the parser: " in found[0].hint
    done = runner.invoke(app, ["validate", str(estate)])
    assert "(1 could not be read, their documents not counted: " in done.output
    assert "broken.yaml)" in done.output


@pytest.mark.parametrize(
    ("country", "language"), [("CN", "zh-CN"), ("GB", "en-GB"), ("HK", "yue-HK")]
)
def test_init_makes_a_consistent_estate_for_its_country_and_language(
    tmp_path: Path, country: str, language: str
) -> None:
    new = tmp_path / "new"
    done = runner.invoke(app, ["init", str(new), "--country", country, "--language", language])
    assert done.exit_code == 0, done.output
    assert runner.invoke(app, ["validate", str(new)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(new), "--env", "staging"]).exit_code == 0
    estate = load_estate(new).estate
    assert estate.of(EstateInfo)[0].default_language == language
    assert {ivr.language for ivr in estate.of(IVR)} == {language}
    assert {lang for g in estate.of(SkillGroup) for lang in g.languages} == {language}
    assert (new / "prompts" / language / "welcome.wav").is_file()
    for path in [*new.glob("[!.]*.yaml"), *new.glob("environments/*/*.yaml")]:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.partition("$schema=")[2]).is_file(), path
    listed = runner.invoke(app, ["secrets", str(new), "--json"])
    for need in json.loads(listed.output):
        vault, _, key = need["reference"].removeprefix("vault:").partition("#")
        example = new / f"{vault}.example"
        assert f'"{key}":' in example.read_text(), example
    listed = runner.invoke(app, ["secrets", str(new), "--env", "staging", "--json"])
    assert all(
        (new / f"{n['reference'][6:].partition('#')[0]}.example").is_file()
        for n in json.loads(listed.output)
    )


def test_init_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", str(tmp_path / "new"), "--country", "AQ"])
    assert done.exit_code == 1
    assert "no usual time zone of AQ is known: give --timezone" in done.output
    assert not (tmp_path / "new").exists()
