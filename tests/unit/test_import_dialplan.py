"""The dialplan's pieces as the import reads them: DID patterns as ranges of E.164 numbers,
GotoIfTime's conditions as opening hours, application arguments split as Asterisk splits
them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccmsctl.importing.dialplan import _opening, number_range
from ccmsctl.importing.extensions import split_args


@pytest.mark.parametrize(
    ("pattern", "numbers"),
    [
        ("+862161231000", ("+862161231000", "+862161231000")),
        ("_+8621612300XX", ("+862161230000", "+862161230099")),
        ("_+86216123100[1-9]", ("+862161231001", "+862161231009")),
        ("_+8621612310[2-4]X", ("+862161231020", "+862161231049")),
        ("_+862161231ZXX", ("+862161231100", "+862161231999")),
        ("_+8621612310[13]X", None),  # 1 and 3: not one range
        ("_+86216123X0XX", None),  # a fixed digit after a varying one
        ("_+86216123.", None),  # any length
        ("_021612300XX", None),  # not E.164
        ("s", None),
    ],
)
def test_a_did_pattern_is_one_range_or_none(pattern: str, numbers: tuple[str, str] | None) -> None:
    assert number_range(pattern) == numbers


@given(
    prefix=st.from_regex(r"\+[1-9][0-9]{4,8}", fullmatch=True),
    low=st.integers(0, 9),
    span=st.integers(0, 9),
    tail=st.integers(0, 4),
)
def test_a_range_pattern_matches_exactly_its_numbers(
    prefix: str, low: int, span: int, tail: int
) -> None:
    high = min(9, low + span)
    pattern = f"_{prefix}[{low}-{high}]" + "X" * tail
    first, last = number_range(pattern) or ("", "")
    assert int(last[1:]) - int(first[1:]) + 1 == (high - low + 1) * 10**tail


@pytest.mark.parametrize(
    ("condition", "hours"),
    [
        (
            "09:00-18:00,mon-fri,*,*",
            {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:01"},
        ),
        ("08:00-23:59,sat&sun,*,*", {"days": ["sat", "sun"], "open": "08:00", "close": "24:00"}),
        (
            "09:00-18:00,*,*,*",
            {
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "open": "09:00",
                "close": "18:01",
            },
        ),
        ("09:00-18:00,mon-fri,1-15,*", None),  # days of the month: not in the model
        ("09:00-18:00,fri-mon,*,*", None),  # across the week's end
        ("*,mon,*,*", None),
    ],
)
def test_gotoiftime_as_opening_hours(condition: str, hours: dict[str, object] | None) -> None:
    assert _opening(split_args(condition)) == hours


def test_arguments_split_outside_brackets_and_quotes() -> None:
    assert split_args('a,${IF($[1,2]?x:y)},"b,c", d ') == ("a", "${IF($[1,2]?x:y)}", '"b,c"', "d")
    assert split_args("") == ()
