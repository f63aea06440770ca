"""The dialplan's pieces as the import reads them: DID patterns as ranges of E.164 numbers,
GotoIfTime's conditions as opening hours, application arguments split as Asterisk splits
them."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccmsctl.importing.dialplan import is_national, number_ranges
from ccmsctl.simulate.asterisk import pattern_matches


@pytest.mark.parametrize(
    ("pattern", "numbers"),
    [
        ("+862161231000", [("+862161231000", "+862161231000")]),
        ("_+8621612300XX", [("+862161230000", "+862161230099")]),
        ("_+86216123100[1-9]", [("+862161231001", "+862161231009")]),
        ("_+8621612310[2-4]X", [("+862161231020", "+862161231049")]),
        ("_+862161231ZXX", [("+862161231100", "+862161231999")]),
        (
            "_+8621612310[13]X",
            [("+862161231010", "+862161231019"), ("+862161231030", "+862161231039")],
        ),
        (
            "_+862161231[1-2]0X",
            [("+862161231100", "+862161231109"), ("+862161231200", "+862161231209")],
        ),
        ("_+86216123.", None),  # any length
        ("_021612300XX", None),  # national: a country is needed to read it
        ("_+8621612[a-c]", None),
        ("s", None),
    ],
)
def test_a_did_pattern_is_ranges_or_none(
    pattern: str, numbers: list[tuple[str, str]] | None
) -> None:
    assert number_ranges(pattern) == numbers


@given(
    prefix=st.from_regex(r"\+[1-9][0-9]{3,6}", fullmatch=True),
    classes=st.lists(
        st.one_of(
            st.sampled_from(["X", "N", "Z", "5"]),
            st.sets(st.integers(0, 9), min_size=1).map(
                lambda d: "[" + "".join(str(x) for x in sorted(d)) + "]"
            ),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_ranges_are_exactly_the_numbers_the_pattern_matches(
    prefix: str, classes: list[str]
) -> None:
    """Against the simulator's pattern matching (Asterisk's rules), number by number."""
    pattern = "_" + prefix + "".join(classes)
    ranges = number_ranges(pattern)
    assert ranges is not None
    width = len(classes)
    matched = {n for n in range(10**width) if pattern_matches(pattern, f"{prefix}{n:0{width}d}")}
    covered = {
        int(number[len(prefix) :])
        for first, last in ranges
        for number in (f"+{v}" for v in range(int(first[1:]), int(last[1:]) + 1))
    }
    assert covered == matched
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))  # in order


@pytest.mark.parametrize(
    ("pattern", "country", "numbers", "national"),
    [
        ("_021612300XX", "CN", [("+862161230000", "+862161230099")], True),
        ("_8621612300XX", "CN", [("+862161230000", "+862161230099")], False),
        ("02161231000", "CN", [("+862161231000", "+862161231000")], True),
        ("_2123456[0-4]", "HK", [("+85221234560", "+85221234564")], True),
        ("_8522123456X", "HK", [("+85221234560", "+85221234569")], False),
        ("_121255500XX", "US", [("+12125550000", "+12125550099")], False),
        ("_021612300XX", "ZZ", None, False),  # no numbering known
        ("_+8621612300XX", "CN", [("+862161230000", "+862161230099")], False),
    ],
)
def test_a_did_pattern_without_a_plus_is_read_in_the_sites_country(
    pattern: str, country: str, numbers: list[tuple[str, str]] | None, national: bool
) -> None:
    assert number_ranges(pattern, country) == numbers
    assert is_national(pattern, country) is national
