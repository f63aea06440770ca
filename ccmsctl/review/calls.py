"""Which callers' paths a change moves: `simulate --all` of the base and of the change, each
explored at the moments of both, compared call by call; each group of moved calls located at
the first step of the call that differs (the line that moved them), and flagged where a call
that reached a queue now does not, or where its recording is kept in another country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ccmsctl.review.model import Risk, Side, Where
from ccmsctl.simulate.call import simulate_call
from ccmsctl.simulate.explore import NO_KEY
from ccmsctl.simulate.narrate import Hop, Outcome
from ccmsctl.simulate.route import NoRouteError
from ccmsctl.simulate.summary import PathChange, compare

SHOWN = 3  # time classes and key paths named per change; the rest are counted
UNSERVED = ("voicemail", "hangup", "dead end", "")


@dataclass(frozen=True)
class CallChange:
    """Calls that now go elsewhere: `+862161230000..99, open mon-fri 08:00-20:00, keys 2:
    queue claims-zh → queue billing-zh`, at the line that moved them."""

    text: str
    where: Where


def _listed(items: tuple[str, ...], every: str, sep: str) -> str:
    more = len(items) - SHOWN
    return sep.join(items[:SHOWN]) + (f" (+{more} more)" if more > 0 else "") if items else every


def _moved(before: Outcome | None, after: Outcome | None) -> str:
    """`queue claims-zh → queue billing-zh`: where the call ends up first, and the rest of
    each outcome only where the first steps agree."""
    if before is None or after is None:
        return (
            f"{before.text() if before else 'no route'} → {after.text() if after else 'no route'}"
        )
    short = (f"{before.kind} {before.target}".strip(), f"{after.kind} {after.target}".strip())
    if short[0] != short[1]:
        return f"{short[0]} → {short[1]}"
    return f"{before.text()} → now {after.text()}"


def _hops(side: Side, number: str, at: datetime, keys: tuple[str, ...]) -> list[Hop]:
    try:
        answers = tuple("-" if key == NO_KEY else key for key in keys)
        return list(simulate_call(side.estate, number, at, keys=answers).hops)
    except NoRouteError:
        return []


def _at(side: Side, where: tuple[str, str, tuple[str | int, ...]]) -> Where:
    kind, name, path = where
    return side.at(kind, name, *path)


def _moved_at(base: Side, change: Side, found: PathChange) -> Where:
    """The first step where one of the moved calls goes differently: in the change, or (for
    a call the change no longer routes) where it stood in the base."""
    if found.sample is None:
        return _at(change, found.where)
    number, at, keys = found.sample
    before, after = _hops(base, number, at, keys), _hops(change, number, at, keys)
    for index, hop in enumerate(after):
        was = before[index] if index < len(before) else None
        differs = was is None or (was.kind, was.text) != (hop.kind, hop.text)
        if differs and hop.where is not None:
            return _at(change, hop.where)
    for hop in before[len(after) :]:
        if hop.where is not None:
            return _at(base, hop.where)
    return _at(change, found.where)


def call_changes(base: Side, change: Side, today: date) -> tuple[list[CallChange], list[Risk]]:
    """The calls the change moves (ranges whose calls move alike told together), and the
    risk flags among them: one per kind and changed line."""
    told: dict[tuple[str, Where], list[str]] = {}
    flagged: dict[tuple[str, Where], list[str]] = {}
    for found in compare(base.estate, change.estate, today):
        where = _moved_at(base, change, found)
        paths = tuple(sorted(found.paths, key=lambda label: (label.count("›"), label)))
        text = (
            f"{_listed(found.classes, 'any time', '; ')}, keys {_listed(paths, 'any', ', ')}: "
            f"{_moved(found.before, found.after)}"
        )
        ranges = told.setdefault((text, where), [])
        ranges.append(f"{found.range_text} ({found.numbers})")
        old, new = found.before, found.after
        if old and old.kind == "queue" and (new is None or new.kind in UNSERVED):
            flagged.setdefault(("call path lost", where), []).append(f"{ranges[0]}, {text}")
        if old and new and old.country and new.country and old.country != new.country:
            moved = f"{ranges[0]}, {text} (recordings kept in {old.country}, now {new.country})"
            flagged.setdefault(("recording moved abroad", where), []).append(moved)
    changes = [
        CallChange(f"{', '.join(ranges)}: {text}", where) for (text, where), ranges in told.items()
    ]
    risks = [
        Risk(
            kind,
            texts[0] + (f" (and {len(texts) - 1} more below)" if len(texts) > 1 else ""),
            where,
        )
        for (kind, where), texts in flagged.items()
    ]
    return changes, risks
