"""An exploration collapsed for people: per range, the time classes that route alike, and per
outcome the key paths that reach it; the dead ends, the nodes no path reaches, the queues
reached with no agent; and what changed between two explorations (a pull request's base and
head). Plain data: the command line and the review print it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where
from ccmsctl.simulate.explore import Exploration, Explorer, KeyPath, RangePaths

SHOWN_PATHS = 6  # key paths listed per outcome; the rest are counted


@dataclass(frozen=True)
class OutcomeLine:
    outcome: str
    paths: tuple[str, ...]  # key path labels, shortest first

    def keys(self, alone: bool) -> str:
        """The key paths as one phrase (`alone`: the only outcome: "any keys")."""
        if alone:
            return "any keys"
        shown = ", ".join(self.paths[:SHOWN_PATHS])
        more = len(self.paths) - SHOWN_PATHS
        return f"keys {shown}" + (f" (+{more} more)" if more > 0 else "")


@dataclass(frozen=True)
class ClassGroup:
    """Time classes whose calls go alike, and where they go."""

    classes: tuple[str, ...]
    outcomes: tuple[OutcomeLine, ...]


@dataclass(frozen=True)
class Finding:
    """A dead end, a node no path reaches, or a queue with no agent: what, where it is."""

    kind: str
    text: str
    where: Where | None


def numbers_text(numbers: NumberRange) -> str:
    """`+862161230000..099`, or the single numbers (`+85230011234 +2 more`)."""
    if numbers.first and numbers.last:
        common = 0
        while common < len(numbers.first) - 1 and numbers.first[common] == numbers.last[common]:
            common += 1
        return f"{numbers.first}..{numbers.last[common:]}"
    extra = len(numbers.numbers) - 1
    return numbers.numbers[0] + (f" +{extra} more" if extra else "")


def _sorted_paths(paths: Iterable[KeyPath]) -> tuple[str, ...]:
    labels = {path.label(): len(path.answers) for path in paths}
    return tuple(sorted(labels, key=lambda label: (labels[label], label)))


def class_groups(paths_of: RangePaths) -> list[ClassGroup]:
    """The range's time classes grouped by how their calls go (first seen first)."""
    groups: dict[tuple[tuple[str, tuple[str, ...]], ...], list[str]] = {}
    for moment, paths in paths_of.classes:
        by_outcome: dict[str, list[KeyPath]] = {}
        for path in paths:
            by_outcome.setdefault(path.outcome.text(), []).append(path)
        key = tuple(sorted((text, _sorted_paths(found)) for text, found in by_outcome.items()))
        groups.setdefault(key, []).append(moment.label)
    return [
        ClassGroup(tuple(classes), tuple(OutcomeLine(text, paths) for text, paths in key))
        for key, classes in groups.items()
    ]


def findings(exploration: Exploration) -> list[Finding]:
    """Dead ends (by range and key path, once however many time classes), nodes no path
    reaches, and queues reached with no agent staffed."""
    found: dict[tuple[str, str], Finding] = {}
    dead: dict[tuple[str, Where | None, str], list[str]] = {}
    for paths_of in exploration.ranges:
        name = paths_of.numbers.name
        if paths_of.problem:
            where: Where = ("NumberRange", name, ())
            found[("route", name)] = Finding("no route", paths_of.problem, where)
        for _, paths in paths_of.classes:
            for path in paths:
                if path.outcome.kind == "dead end":
                    labels = dead.setdefault((name, path.gave_up, path.outcome.target), [])
                    if path.label() not in labels:
                        labels.append(path.label())
                for queue, queue_at in path.unstaffed:
                    text = f"{name}: queue {queue} has no agent staffed on its PBX"
                    found.setdefault(("queue", text), Finding("no agent", text, queue_at))
    for (name, where_ended, why), labels in dead.items():
        shown = sorted(labels, key=lambda label: (len(label), label))
        more = f" and {len(shown) - 1} more" if len(shown) > 1 else ""
        text = f"{name}: the call ends unserved ({why}): keys {shown[0]}{more}"
        place = where_ended or ("NumberRange", name, ("ivr",))
        found[("dead", text)] = Finding("dead end", text, place)
    for ivr, node in exploration.unreached:
        text = f"IVR {ivr}: no call reaches node {node}"
        found[("node", text)] = Finding("unreached", text, ("IVR", ivr, ("nodes", node)))
    return sorted(found.values(), key=lambda f: (f.kind, f.text))


@dataclass(frozen=True)
class PathChange:
    """Calls of one range whose outcome changed: in these time classes, along these key
    paths, from `before` to `after` ("" where the range is new or gone)."""

    numbers: str
    range_text: str
    classes: tuple[str, ...]
    paths: tuple[str, ...]
    before: str
    after: str
    where: Where | None


Calls = dict[tuple[datetime, str], tuple[str, str]]  # (instant, keys) -> (class, outcome)


def _outcomes(exploration: Exploration) -> dict[str, tuple[RangePaths, Calls]]:
    return {
        r.numbers.name: (
            r,
            {
                (moment.at, path.label()): (moment.label, path.outcome.text())
                for moment, paths in r.classes
                for path in paths
            },
        )
        for r in exploration.ranges
    }


def compare(base: Estate, head: Estate, week_of: date) -> list[PathChange]:
    """The calls whose outcome differs between two estates, each explored at the moments of
    both (a change of opening hours shows at the hours either side names)."""
    first = Explorer(base, week_of).explore()
    after = Explorer(head, week_of, also=first.moments()).explore()
    before = Explorer(base, week_of, also=after.moments()).explore()
    return path_changes(before, after)


def path_changes(base: Exploration, head: Exploration) -> list[PathChange]:
    """Every call whose outcome differs between `base` and `head` (explored at the same
    moments), grouped by range and by (before, after): "in these classes, along these key
    paths, X now goes to Y"."""
    old, new = _outcomes(base), _outcomes(head)
    changes: list[PathChange] = []
    for name in sorted(old.keys() | new.keys()):
        was = old.get(name, (None, {}))[1]
        now = new.get(name, (None, {}))[1]
        paths_of = (new.get(name) or old[name])[0]
        moved: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        for key in sorted(was.keys() | now.keys()):
            label, before = was.get(key, ("", ""))
            label, after = now.get(key, (label, ""))
            if before != after:
                classes, paths = moved.setdefault((before, after), ([], []))
                if label not in classes:
                    classes.append(label)
                if key[1] not in paths:
                    paths.append(key[1])
        where: Where = ("NumberRange", name, ("ivr",))
        changes += [
            PathChange(
                name, numbers_text(paths_of.numbers), tuple(c), tuple(p), before, after, where
            )
            for (before, after), (c, p) in moved.items()
        ]
    return changes
