"""An exploration collapsed for people: per range, the time classes that route alike, and per
outcome the key paths that reach it; the dead ends, the nodes no path reaches, the queues
reached with no agent; and what changed between two explorations (a pull request's base and
head). Plain data: the command line and the review print it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where
from ccmsctl.simulate.explore import PATH_LIMIT, Exploration, Explorer, KeyPath, RangePaths
from ccmsctl.simulate.narrate import Outcome

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
    for ivr in exploration.cut:
        text = f"IVR {ivr}: more than {PATH_LIMIT} key paths at one instant; the rest unexplored"
        found[("cut", text)] = Finding("too many paths", text, ("IVR", ivr, ("nodes",)))
    for ivr, node in exploration.unreached:
        text = f"IVR {ivr}: no call reaches node {node}"
        found[("node", text)] = Finding("unreached", text, ("IVR", ivr, ("nodes", node)))
    return sorted(found.values(), key=lambda f: (f.kind, f.text))


@dataclass(frozen=True)
class PathChange:
    """Calls of one range whose outcome changed: in these time classes, along these key
    paths, from `before` to `after` (None where the range is new, gone or routes nowhere);
    `sample`: one such call (number, instant, answers) to show where it turns."""

    numbers: str
    range_text: str
    classes: tuple[str, ...]
    paths: tuple[str, ...]
    before: Outcome | None
    after: Outcome | None
    where: Where
    sample: tuple[str, datetime, tuple[str, ...]] | None


Calls = dict[tuple[datetime, tuple[str, ...]], tuple[str, KeyPath]]
# (instant, answers) -> (time class, key path)


def _calls(exploration: Exploration) -> dict[str, tuple[RangePaths, Calls]]:
    return {
        r.numbers.name: (
            r,
            {
                (moment.at, path.answers): (moment.label, path)
                for moment, paths in r.classes
                for path in paths
            },
        )
        for r in exploration.ranges
    }


def compare(base: Estate, head: Estate, week_of: date) -> list[PathChange]:
    """The calls whose outcome differs between two estates: each explored at the moments of
    both (a change of opening hours shows at the hours either side names), and each key
    path of one side followed on the other (a caller pressing the same keys)."""
    first = Explorer(base, week_of).explore()
    after_side = Explorer(head, week_of, also=first.moments())
    after = after_side.explore()
    before_side = Explorer(base, week_of, also=after.moments())
    before = before_side.explore()
    return path_changes(before, after, before_side, after_side)


def path_changes(
    base: Exploration, head: Exploration, base_side: Explorer, head_side: Explorer
) -> list[PathChange]:
    """Every call whose outcome differs between `base` and `head` (explored at the same
    moments; a key path only one side has is followed on the other), grouped by range and
    by (before, after): "in these classes, along these key paths, X now goes to Y"."""
    old, new = _calls(base), _calls(head)
    changes: list[PathChange] = []
    for name in sorted(old.keys() | new.keys()):
        was = old.get(name, (None, {}))[1]
        now = new.get(name, (None, {}))[1]
        paths_of = (new.get(name) or old[name])[0]
        number = paths_of.numbers.first or paths_of.numbers.numbers[0]
        moved: dict[tuple[str, str], PathChange] = {}
        for key in sorted(was.keys() | now.keys()):
            chosen = now.get(key) or was.get(key)
            assert chosen is not None  # the key came from one of them
            label, path = chosen
            before = was[key][1].outcome if key in was else base_side.follow(name, *key)
            after = now[key][1].outcome if key in now else head_side.follow(name, *key)
            told = (before.text() if before else "", after.text() if after else "")
            if told[0] == told[1]:
                continue
            found = moved.get(told)
            if found is None:
                moved[told] = PathChange(
                    name,
                    numbers_text(paths_of.numbers),
                    (label,),
                    (path.label(),),
                    before,
                    after,
                    ("NumberRange", name, ("ivr",)),
                    (number, key[0], path.answers),
                )
                continue
            moved[told] = replace(
                found,
                classes=found.classes + ((label,) if label not in found.classes else ()),
                paths=found.paths + ((path.label(),) if path.label() not in found.paths else ()),
            )
        changes += moved.values()
    return changes
