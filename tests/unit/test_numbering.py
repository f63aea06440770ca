"""National numbers and E.164 (ccmsctl/model/numbering.py): each country's national form
reads back to the E.164 number it came from, and a number of another country has none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccmsctl.model.numbering import NUMBERING, to_e164, to_national
from ccmsctl.model.trunk import Trunk


@given(
    country=st.sampled_from(sorted(NUMBERING)),
    rest=st.from_regex(r"[1-9][0-9]{5,9}", fullmatch=True),
)
def test_the_national_form_reads_back(country: str, rest: str) -> None:
    number = f"+{NUMBERING[country].calling_code}{rest}"
    national = to_national(number, country)
    assert national is not None and national.isdigit()
    assert to_e164(national, country) == number


@pytest.mark.parametrize(
    ("number", "country", "national"),
    [
        ("+862161230005", "CN", "02161230005"),
        ("+85221234567", "HK", "21234567"),
        ("+12125551234", "US", "12125551234"),
        ("+862161230005", "HK", None),  # another country's number
    ],
)
def test_known_forms(number: str, country: str, national: str | None) -> None:
    assert to_national(number, country) == national


def test_a_trunk_of_a_country_with_no_known_numbering_is_refused() -> None:
    base = {"kind": "Trunk", "name": "t", "carrier": "c", "sites": ["s"], "channels": 1}
    peers = {"peers": [{"address": "203.0.113.1"}]}
    assert Trunk.model_validate(base | peers | {"national_numbers": "CN"}).national_numbers == "CN"
    with pytest.raises(ValueError, match="no national numbering of 'AQ' is known"):
        Trunk.model_validate(base | peers | {"national_numbers": "AQ"})
