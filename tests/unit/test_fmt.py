"""`ccmsctl fmt`: one canonical layout, comments kept, DIDs quoted, values unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.load.fmt import format_text
from tests.conftest import BASE, EXAMPLE

MESSY = """# a messy file
kind: NumberRange
name:   messy
trunk: carrier
site: site-a
ivr: main
numbers:
- '+862100000100'   # the first
-   +862100000101
peers: [{address: 203.0.113.1}]
description: >-
  a folded
  description
"""

CANONICAL = """# a messy file
kind: NumberRange
name: messy
trunk: carrier
site: site-a
ivr: main
numbers:
  - "+862100000100" # the first
  - "+862100000101"
peers: [{address: 203.0.113.1}]
description: >-
  a folded
  description
"""


def fmt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fmt", *args])
    return result.exit_code, result.output


def test_the_layout_is_canonical_and_idempotent() -> None:
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL


def test_the_example_and_the_fixtures_base_are_canonical() -> None:
    assert fmt(str(EXAMPLE), "--check") == (0, f"{EXAMPLE}: 0 of 25 file(s) to reformat\n")
    assert fmt(str(BASE), "--check")[0] == 0


def test_check_writes_nothing_and_fmt_keeps_the_estate_as_it_was(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    numbers = estate / "voice.yaml"
    messy = numbers.read_text(encoding="utf-8").replace(
        'first: "+862100000000"', "first:   '+862100000000'"
    )
    numbers.write_text(messy, encoding="utf-8")
    before = load_estate(estate).estate.digest()
    code, output = fmt(str(estate), "--check", "--diff")
    assert code == 1 and f"would reformat {numbers}" in output
    assert '+first: "+862100000000"' in output
    assert numbers.read_text(encoding="utf-8") == messy
    assert fmt(str(estate))[0] == 0
    assert 'first: "+862100000000"' in numbers.read_text(encoding="utf-8")
    assert load_estate(estate).estate.digest() == before
    assert fmt(str(estate), "--check")[0] == 0


def test_a_plain_number_to_dial_is_quoted_as_written(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    numbers = estate / "voice.yaml"
    numbers.write_text(
        numbers.read_text(encoding="utf-8").replace(
            'first: "+862100000000"', "first: +862100000000"
        ),
        encoding="utf-8",
    )
    assert [f.code for f in load_estate(estate).findings] == ["E0103"]  # read as a number
    assert fmt(str(estate))[0] == 0
    assert not load_estate(estate).findings  # now the DID it was meant to be


def test_a_file_that_does_not_parse_is_named_and_left_alone(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    broken = estate / "broken.yaml"
    broken.write_text("kind: Site\nname: [unclosed\n", encoding="utf-8")
    code, output = fmt(str(estate))
    assert code == 1 and f"{broken}:" in output and "error[E0001]" in output
    assert broken.read_text(encoding="utf-8") == "kind: Site\nname: [unclosed\n"


def test_fmt_writes_through_no_link(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    messy = estate / "messy.yaml"
    messy.write_text(MESSY)
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched\n")
    outside.chmod(0o600)
    # a link where a predictable temporary name would be: never followed
    (estate / ".messy.yaml.ccmsctl-new").symlink_to(outside)
    result = CliRunner().invoke(app, ["fmt", str(estate)])
    assert result.exit_code == 0, result.output
    assert messy.read_text() == CANONICAL
    assert outside.read_text() == "untouched\n" and outside.stat().st_mode & 0o777 == 0o600
    # an estate file that is a link is refused, and no file is rewritten
    messy.write_text(MESSY)
    linked = estate / "linked.yaml"
    target = estate / "kept" / "linked.yaml"
    target.parent.mkdir()
    target.write_text(
        MESSY.replace("name:   messy", "name:   linked").replace("+8621000001", "+8621000002")
    )
    linked.symlink_to(target)
    before = target.read_text()
    result = CliRunner().invoke(app, ["fmt", str(estate)])
    assert result.exit_code == 1, result.output
    assert "linked.yaml:1:1: a symbolic link" in result.output
    assert target.read_text() == before and messy.read_text() == MESSY
    assert linked.is_symlink()
