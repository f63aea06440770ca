"""Waiting for something, bounded, in one place: every wait of ccmsctl's polls a condition
at a step and gives up past a limit, trying at least once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def first(found: Callable[[], T | None], limit: float, step: float = 0.1) -> T | None:
    """The first value of `found()` that is not None, asked every `step` seconds; None once
    `limit` seconds have passed. `found` may raise to stop the wait."""
    start = time.monotonic()
    while True:
        value = found()
        if value is not None:
            return value
        if time.monotonic() - start >= limit:
            return None
        time.sleep(step)


def until(condition: Callable[[], bool], limit: float, step: float = 0.1) -> float | None:
    """Seconds until `condition()` holds, asked every `step`; None past `limit`."""
    start = time.monotonic()
    return first(lambda: time.monotonic() - start if condition() else None, limit, step)
