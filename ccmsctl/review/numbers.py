"""DIDs a change stops routing, or routes elsewhere: the base's number ranges against the
change's, as intervals (no number is expanded: a range may hold 100,000)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from ccmsctl.model.numbers import NumberRange
from ccmsctl.review.model import Risk, Side


def _intervals(side: Side) -> list[tuple[int, int, NumberRange]]:
    found = [(a, b, r) for r in side.estate.of(NumberRange) for a, b in r.spans()]
    return sorted(found, key=lambda item: (item[0], item[1]))


def _route(numbers: NumberRange) -> str:
    return f"IVR {numbers.ivr} via {numbers.trunk} at {numbers.site}"


def _shown(first: int, last: int) -> str:
    return f"+{first}" if first == last else f"+{first}..+{last}"


def did_risks(base: Side, change: Side) -> Iterator[Risk]:
    new = _intervals(change)
    starts = [a for a, _, _ in new]
    removed: dict[str, list[tuple[int, int]]] = {}
    rerouted: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for first, last, old in _intervals(base):
        cursor = first
        index = max(bisect.bisect_right(starts, first) - 1, 0)
        while cursor <= last:
            if index >= len(new) or new[index][0] > last:
                removed.setdefault(old.name, []).append((cursor, last))
                break
            a, b, now = new[index]
            if b < cursor:
                index += 1
                continue
            if a > cursor:
                removed.setdefault(old.name, []).append((cursor, a - 1))
                cursor = a
                continue
            end = min(b, last)
            if _route(now) != _route(old):
                rerouted.setdefault((old.name, now.name), []).append((cursor, end))
            cursor = end + 1
            index += 1
    olds = base.estate.index(NumberRange)
    news = change.estate.index(NumberRange)
    for name, gone in removed.items():
        count = sum(b - a + 1 for a, b in gone)
        shown = ", ".join(_shown(a, b) for a, b in gone[:3]) + (" ..." if len(gone) > 3 else "")
        if name in news:
            now, was = news[name], olds[name]
            field = next((f for f in ("first", "last") if getattr(now, f) != getattr(was, f)), "")
            where = change.at("NumberRange", name, field or ("numbers" if now.numbers else "name"))
        else:
            where = base.at("NumberRange", name, "name")
        yield Risk(
            "DID removed",
            f"{count} DID(s) of {name} no longer route: {shown} (were {_route(olds[name])})",
            where,
        )
    for (old_name, new_name), moved in rerouted.items():
        count = sum(b - a + 1 for a, b in moved)
        now = news[new_name]
        field = next(
            (f for f in ("ivr", "trunk", "site") if getattr(now, f) != getattr(olds[old_name], f)),
            "name",
        )
        yield Risk(
            "DID rerouted",
            f"{count} DID(s) {_shown(moved[0][0], moved[-1][1])} now go to {_route(now)} "
            f"(were {_route(olds[old_name])})",
            change.at("NumberRange", new_name, field),
        )
