"""Erlang B against published table values (1% blocking)."""

from __future__ import annotations

import pytest

from ccmsctl.validate.capacity import erlang_b_channels


@pytest.mark.parametrize(
    ("erlangs", "channels"), [(0.0, 0), (0.5, 4), (5.0, 11), (10.0, 18), (50.0, 64), (100.0, 117)]
)
def test_erlang_b_channels(erlangs: float, channels: int) -> None:
    assert erlang_b_channels(erlangs) == channels
