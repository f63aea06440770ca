"""A retention class says coherent things: no erasure promise under legal hold, encryption at
rest only with a certificate, and only for the data ccmsctl encrypts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ccmsctl.model.retention import RetentionClass

CERTIFICATE = {"secret": "vault:secrets/keys.yml#recordings"}


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"legal_hold": True, "erase_on_request": "7d"}, "legal hold"),
        ({"encryption_at_rest": True}, "encryption_certificate"),
        ({"encryption_certificate": CERTIFICATE}, "encryption_at_rest"),
        (
            {
                "data_class": "log",
                "encryption_at_rest": True,
                "encryption_certificate": CERTIFICATE,
            },
            "not log data",
        ),
    ],
)
def test_an_incoherent_class_is_refused(fields: dict[str, Any], says: str) -> None:
    base = {"name": "rec", "data_class": "recording", "keep": "365d", "store": ["sh-1"]}
    with pytest.raises(ValidationError) as raised:
        RetentionClass.model_validate(base | fields)
    assert says in str(raised.value)


def test_a_coherent_class_is_accepted() -> None:
    retention = RetentionClass.model_validate(
        {
            "name": "cdr",
            "data_class": "cdr",
            "keep": "730d",
            "erase_on_request": "7d",
            "encryption_at_rest": True,
            "encryption_certificate": CERTIFICATE,
            "store": ["sh-1"],
        }
    )
    assert retention.erase_on_request is not None and retention.erase_on_request.days == 7
