"""The one wait: bounded, tried at least once, stopped by what its condition raises."""

from __future__ import annotations

import time

import pytest

from ccmsctl.waiting import first, until


def test_first_returns_the_first_value_and_tries_at_least_once() -> None:
    asked = iter([None, None, "ready"])
    assert first(lambda: next(asked), 5, step=0.01) == "ready"
    assert first(lambda: "now", 0) == "now"  # a limit of 0 still asks once


def test_a_wait_gives_up_past_its_limit() -> None:
    start = time.monotonic()
    assert until(lambda: False, 0.2, step=0.05) is None
    assert 0.2 <= time.monotonic() - start < 2


def test_until_says_how_long_it_took_and_a_raise_stops_it() -> None:
    start = time.monotonic()
    took = until(lambda: time.monotonic() - start > 0.1, 5, step=0.02)
    assert took is not None and 0.1 <= took < 2

    def broken() -> bool:
        raise RuntimeError("the process exited")

    with pytest.raises(RuntimeError, match="exited"):
        until(broken, 5)
