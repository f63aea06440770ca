"""Value types: durations, countries, time zones, clocks, E.164 numbers and secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from ccmsctl.model.base import Model
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Clock, Country, Duration, TimeZone


class Sample(Model):
    duration: Duration | None = None
    country: Country | None = None
    zone: TimeZone | None = None
    clock: Clock | None = None
    secret: SecretRef | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20s", timedelta(seconds=20)),
        ("5m", timedelta(minutes=5)),
        ("180d", timedelta(days=180)),
        ("1h30m", timedelta(hours=1, minutes=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert Sample(duration=text).duration == expected


@pytest.mark.parametrize(
    "field",
    [
        {"duration": "5"},
        {"duration": 5},
        {"duration": ""},
        {"duration": "5 s"},
        {"country": "XX"},
        {"country": "cn"},
        {"zone": "Asia/Shanghi"},
        {"zone": "../etc/passwd"},
        {"clock": "25:00"},
        {"clock": "24:30"},
        {"clock": "8:00"},
        {"secret": "hunter2"},
        {"secret": {"secret": "plain"}},
    ],
)
def test_invalid_values_are_rejected(field: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Sample.model_validate(field)


def test_inline_secret_is_rejected_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"secret": "hunter2"})
    assert "hunter2" not in str(caught.value)
    assert caught.value.errors()[0]["type"] == "inline_secret"
    assert str(SecretRef(secret="env:X")) == "(sensitive value)"


def test_number_range_counts_and_rejects_bad_shapes() -> None:
    common = {"kind": "NumberRange", "name": "r", "trunk": "t", "site": "s", "ivr": "i"}
    block = NumberRange.model_validate({**common, "first": "+8621000", "last": "+8621099"})
    assert block.count() == 100
    single = NumberRange.model_validate({**common, "numbers": ["+85230011234"]})
    assert single.spans() == [(85230011234, 85230011234)]
    for bad in (
        {"first": "+8621099", "last": "+8621000"},
        {"first": "+8621", "last": "+86210"},
        {"first": "+8621000"},
        {},
    ):
        with pytest.raises(ValidationError):
            NumberRange.model_validate({**common, **bad})


def test_residency_forbidden_transfer_cannot_list_abroad() -> None:
    with pytest.raises(ValidationError):
        ResidencyPolicy.model_validate(
            {
                "kind": "ResidencyPolicy",
                "name": "p",
                "jurisdiction": "CN",
                "rules": [{"data_class": "recording", "allowed_countries": ["CN", "SG"]}],
            }
        )
