"""`fmt` (and `burst scale`, which writes through the same round trip) changes layout only:
over the example, every fixture and generated hostile variants of the base estate's files,
the formatted text holds the same values (numbers to dial now the strings they were written
as), the same block scalars and quoted strings byte for byte, the same comments, and
formatting it again changes nothing."""

from __future__ import annotations

import importlib.util
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import ScalarEvent

from ccmsctl.load.fmt import format_text, same_but_dials
from tests.conftest import BASE, EXAMPLE, FIXTURES, ROOT

pytestmark = pytest.mark.no_cover

_spec = importlib.util.spec_from_file_location("fuzz", ROOT / "bench" / "fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

FILES = sorted(
    path
    for folder in (EXAMPLE, FIXTURES)
    for path in folder.rglob("*")
    if path.suffix in (".yaml", ".yml") and path.is_file() and not path.is_symlink()
)


def _comments(node: Any) -> list[str]:
    if node is None:
        return []
    if isinstance(node, list):
        return [text for item in node for text in _comments(item)]
    value = getattr(node, "value", "")
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def shape(text: str) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(the block and quoted scalars but numbers to dial, those numbers however written, the
    comments) of `text`."""
    yaml = YAML(typ="rt")
    events = [event for event in yaml.parse(text) if isinstance(event, ScalarEvent)]
    scalars = Counter(
        f"{event.style}{event.value}"
        for event in events
        if event.style is not None and not dial(event.value)
    )
    dials = Counter(event.value for event in events if dial(event.value))
    comments = Counter(
        line for token in yaml.scan(text) for line in _comments(getattr(token, "comment", None))
    )
    return scalars, dials, comments


def _values(text: str) -> list[Any]:
    return list(YAML(typ="safe", pure=True).load_all(text))


def check(text: str) -> None:
    try:
        before = _values(text)
        after = format_text(text)
    except YAMLError:
        return  # fmt names such a file and leaves it alone
    if not same_but_dials(before, _values(after)):
        return  # fmt says its layout cannot be made canonical, and leaves it alone
    # numbers to dial may gain double quotes (fmt's canonical layout); nothing else changes
    assert shape(after) == shape(text)
    assert all(
        event.style == '"'
        for event in YAML(typ="rt").parse(after)
        if isinstance(event, ScalarEvent) and dial(event.value) and event.style is not None
    )
    assert format_text(after) == after


def dial(value: str) -> bool:
    return (value.startswith("+") and value[1:].isdigit()) or (
        value.startswith("0") and value.isdigit()
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fmt_keeps_every_value_comment_and_block_scalar(path: Path) -> None:
    check(path.read_text(encoding="utf-8-sig", errors="replace"))


BLOCKS = """kind: Waiver
name: dial-in-prose
reason: |
  ring +85212345678 first
  0086 10 1234 5678, then 00852
description: >-
  folded +852
  0086
approved_by: ops  # +852 in a comment
numbers: [+862100000101, "+862100000102", '0086']
"""


def test_a_number_inside_a_block_scalar_is_left_as_written() -> None:
    after = format_text(BLOCKS)
    assert "  ring +85212345678 first\n  0086 10 1234 5678, then 00852\n" in after
    assert "  folded +852\n  0086\n" in after
    assert 'numbers: ["+862100000101", "+862100000102", "0086"]' in after
    check(BLOCKS)


@given(st.integers(min_value=0, max_value=2**32))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fmt_round_trips_generated_hostile_files(seed: int) -> None:
    rng = random.Random(seed)
    source = rng.choice(sorted(BASE.glob("*.yaml")))
    check(fuzz.mutate(source.read_text(encoding="utf-8"), rng))
