"""Every way a call can go: each number range, at each time class of the schedules its IVR
consults, along each key path through its prompts, collapsed to distinct outcomes.

It works per range and per IVR, never per number: the numbers of a range all enter the same
IVR on the same PBXs, so one number (the range's first) stands for them; and one exploration
of an IVR at an instant on a PBX serves every range that enters it there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ccmsctl.compile.dialplan import weekday_range
from ccmsctl.model.ivr import ScheduleBranch
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where
from ccmsctl.model.schedule import Schedule
from ccmsctl.simulate.call import Answers, dialplan_of, run_entry
from ccmsctl.simulate.interpret import KEYS, Call, Dialplan
from ccmsctl.simulate.narrate import Hop, Indexes, Narrator, Outcome, outcome_of
from ccmsctl.simulate.route import Entry, NoRouteError, Router

PATH_LIMIT = 5_000  # key paths explored from one IVR at one instant
WAIT_LIMIT = 24  # prompts along one key path
NO_KEY = ""
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TimeClass:
    """A kind of moment for a schedule (open, closed before opening, a holiday...), and the
    instant that stands for it."""

    label: str
    at: datetime


@dataclass(frozen=True)
class KeyPath:
    """What a caller did (`answers`: a key, digits, NO_KEY for silence, at each prompt) and
    where the call went."""

    answers: tuple[str, ...]
    invalid: tuple[bool, ...]  # which answers were keys the prompt had no option for
    prompts: tuple[str, ...]  # the context that asked for each answer
    outcome: Outcome
    nodes: frozenset[tuple[str, str]]  # (IVR, node) entered
    unstaffed: tuple[tuple[str, Where | None], ...]  # queues reached with no agent
    gave_up: Where | None = None  # the prompt whose retries ended the call, if one did

    def label(self) -> str:
        """`1 › 2`, `no key ×3 › 2`, `wrong key ×3` (a prompt's repeats collapsed)."""
        parts: list[tuple[str, str, int]] = []  # (prompt, word, times)
        for answer, bad, prompt in zip(self.answers, self.invalid, self.prompts, strict=True):
            word = "no key" if answer == NO_KEY else "wrong key" if bad else answer
            if parts and parts[-1][:2] == (prompt, word) and (bad or answer == NO_KEY):
                parts[-1] = (prompt, word, parts[-1][2] + 1)
            else:
                parts.append((prompt, word, 1))
        words = [f"{word} ×{times}" if times > 1 else word for _, word, times in parts]
        return " › ".join(words) or "(no prompt)"


@dataclass(frozen=True)
class RangePaths:
    """One range's calls: how they come in, and per time class the key paths."""

    numbers: NumberRange
    entry: Entry | None
    problem: str  # why it routes nowhere ("" when it routes)
    classes: tuple[tuple[TimeClass, tuple[KeyPath, ...]], ...]


@dataclass(frozen=True)
class Exploration:
    ranges: tuple[RangePaths, ...]
    unreached: tuple[tuple[str, str], ...]  # (IVR, node) no path enters, of IVRs entered
    cut: tuple[str, ...] = ()  # IVRs with more key paths at an instant than PATH_LIMIT

    def moments(self) -> dict[str, list[TimeClass]]:
        """The time classes tried, by range name."""
        return {r.numbers.name: [moment for moment, _ in r.classes] for r in self.ranges}


def time_classes(schedules: list[Schedule], week_of: date) -> list[TimeClass]:
    """The moments that can route differently under `schedules`: each weekly rule's first and
    last open minute and the minutes either side, each day without hours, the change of
    day where the hours change, each holiday, and each daylight-saving change within a year
    of `week_of`. Without schedules, one moment: the week's Monday noon (UTC)."""
    if not schedules:
        monday = week_of + timedelta(days=-week_of.weekday() % 7)
        return [TimeClass("any time", datetime.combine(monday, time(12), ZoneInfo("UTC")))]
    found: list[TimeClass] = []
    for schedule in sorted(schedules, key=lambda s: s.name):
        prefix = f"{schedule.name}: " if len(schedules) > 1 else ""
        found += [
            TimeClass(prefix + label, at) for label, at in _schedule_moments(schedule, week_of)
        ]
    return found


def _schedule_moments(schedule: Schedule, week_of: date) -> Iterator[tuple[str, datetime]]:
    zone = ZoneInfo(schedule.timezone)
    monday = _plain_week(schedule, week_of)

    def at(day: int, clock: str, minutes: int = 0) -> datetime:
        hour, minute = (int(part) for part in clock.split(":"))
        moment = datetime.combine(monday + timedelta(days=day), time(hour, minute), zone)
        return moment + timedelta(minutes=minutes)

    for hours in schedule.weekly:
        day = _DAYS.index(hours.days[0])
        days = weekday_range(hours.days)
        yield f"open {days} {hours.open}-{hours.close}", at(day, hours.open)
        yield f"open {days}, last minute before {hours.close}", at(day, hours.close, -1)
        if hours.open != "00:00":
            yield f"closed {days}, minute before {hours.open}", at(day, hours.open, -1)
        yield f"closed {days} from {hours.close}", at(day, hours.close)
    ruled = [
        {index for index, hours in enumerate(schedule.weekly) if _DAYS[d] in hours.days}
        for d in range(7)
    ]
    for day in range(7):
        if not ruled[day]:
            yield f"closed {_DAYS[day]} (no opening hours)", at(day, "12:00")
        after = (day + 1) % 7
        if ruled[day] != ruled[after]:
            yield f"{_DAYS[day]} 23:59 before {_DAYS[after]}", at(day, "23:59")
    for holiday in schedule.holidays:
        until = f"..{holiday.until}" if holiday.until else ""
        noon = datetime.combine(holiday.date, time(12), zone)
        yield f"holiday {holiday.name} ({holiday.date}{until})", noon
    for change in _offset_changes(zone, monday):
        for hours in schedule.weekly[:1]:
            hour, minute = (int(part) for part in hours.open.split(":"))
            moment = datetime.combine(change, time(hour, minute), zone)
            yield f"daylight-saving change {change}, {hours.open}", moment


def _plain_week(schedule: Schedule, week_of: date) -> date:
    """The Monday of the first week from `week_of` with no holiday of `schedule`."""
    closed = set()
    for holiday in schedule.holidays:
        last = min(holiday.until or holiday.date, holiday.date + timedelta(days=366))
        closed |= {holiday.date + timedelta(days=n) for n in range((last - holiday.date).days + 1)}
    monday = week_of - timedelta(days=week_of.weekday())
    for _ in range(60):
        if not any(monday + timedelta(days=n) in closed for n in range(7)):
            break
        monday += timedelta(days=7)
    return monday


def _offset_changes(zone: ZoneInfo, start: date) -> list[date]:
    """The days within a year of `start` on which the zone's UTC offset changes."""
    changes, day = [], start
    before = datetime.combine(day, time(12), zone).utcoffset()
    for _ in range(366):
        day += timedelta(days=1)
        offset = datetime.combine(day, time(12), zone).utcoffset()
        if offset != before:
            changes.append(day)
            before = offset
    return changes


class Explorer:
    """Explores an estate's calls; one exploration per (PBX, IVR, instant) serves every
    range that enters that IVR on that PBX."""

    def __init__(
        self,
        estate: Estate,
        week_of: date,
        router: Router | None = None,
        also: Mapping[str, Sequence[TimeClass]] | None = None,
    ) -> None:
        """`also`: moments to try besides each range's own, by range name (another
        estate's, so that two explorations compare at the same instants)."""
        self.estate = estate
        self.also = also or {}
        self.week_of = week_of
        self.router = router or Router(estate)
        self.indexes = Indexes(estate)
        self.ivrs = self.indexes.ivrs
        self.schedules = self.indexes.schedules
        self._moments: dict[tuple[str, ...], list[TimeClass]] = {}
        self._cut: set[str] = set()
        self._paths: dict[tuple[str, str, str, datetime], tuple[KeyPath, ...]] = {}
        self._dialplans: dict[tuple[int, int], Dialplan] = {}

    def explore(self) -> Exploration:
        ranges = [
            self._range(numbers)
            for numbers in sorted(self.estate.of(NumberRange), key=lambda r: r.name)
        ]
        entered = {r.numbers.ivr for r in ranges if r.entry is not None}
        reached = {
            node for r in ranges for _, paths in r.classes for path in paths for node in path.nodes
        }
        unreached = sorted(
            (name, node)
            for name in entered
            if name in self.ivrs
            for node in self.ivrs[name].nodes
            if (name, node) not in reached
        )
        return Exploration(tuple(ranges), tuple(unreached), tuple(sorted(self._cut)))

    def follow(self, name: str, at: datetime, answers: tuple[str, ...]) -> Outcome | None:
        """Where a call to range `name` at `at` goes when the caller answers `answers` (keys
        the call never asks for are not pressed); None when no such range routes."""
        numbers = self.estate.index(NumberRange).get(name)
        if numbers is None:
            return None
        try:
            entry = self.router.entry(numbers)
        except NoRouteError:
            return None
        keys = ["-" if answer == NO_KEY else answer for answer in answers]
        number = numbers.first or numbers.numbers[0]
        call = run_entry(entry, number, at, Answers(self.indexes.ivrs, keys, None))
        return outcome_of(Narrator(self.indexes, entry, at).hops(call), call)

    def _range(self, numbers: NumberRange) -> RangePaths:
        try:
            entry = self.router.entry(numbers)
        except NoRouteError as error:
            return RangePaths(numbers, None, str(error), ())
        ivr = self.ivrs.get(numbers.ivr)
        consulted = sorted(
            {n.schedule for n in ivr.nodes.values() if isinstance(n, ScheduleBranch)}
            if ivr
            else set()
        )
        schedules = [self.schedules[name] for name in consulted if name in self.schedules]
        number = numbers.first or numbers.numbers[0]
        key = tuple(schedule.name for schedule in schedules)
        if key not in self._moments:
            self._moments[key] = time_classes(schedules, self.week_of)
        moments = list(self._moments[key])
        seen = {moment.at for moment in moments}
        moments += [m for m in self.also.get(numbers.name, ()) if m.at not in seen]
        classes = tuple((moment, self._paths_at(entry, number, moment.at)) for moment in moments)
        return RangePaths(numbers, entry, "", classes)

    def _paths_at(self, entry: Entry, number: str, at: datetime) -> tuple[KeyPath, ...]:
        key = (entry.pbx, entry.trunk.name, entry.numbers.ivr, at)
        if key not in self._paths:
            self._paths[key] = tuple(self._walk(entry, number, at))
        return self._paths[key]

    def _walk(self, entry: Entry, number: str, at: datetime) -> Iterator[KeyPath]:
        dialplan = self._dialplans.get((id(entry.calls), entry.channels))
        if dialplan is None:
            dialplan = self._dialplans[id(entry.calls), entry.channels] = dialplan_of(entry)
        narrator = Narrator(self.indexes, entry, at)
        start = dialplan.start(f"from-trunk-{entry.trunk.name}", number, at, "1")
        stack: list[tuple[Call, tuple[str, ...], tuple[bool, ...], tuple[str, ...]]] = [
            (dialplan.run(start), (), (), ())
        ]
        walked = 0
        while stack and walked < PATH_LIMIT:
            call, answers, invalid, prompts = stack.pop()
            if call.waiting is None or len(answers) >= WAIT_LIMIT:
                walked += 1
                yield _key_path(narrator.hops(call), call, answers, invalid, prompts)
                continue
            for answer, bad in reversed(_choices(dialplan, call, answers, invalid)):
                pressed = dialplan.run(dialplan.press(call, answer))
                stack.append(
                    (pressed, (*answers, answer), (*invalid, bad), (*prompts, call.context))
                )
        if stack:
            self._cut.add(entry.numbers.ivr)


def _choices(
    dialplan: Dialplan, call: Call, answers: tuple[str, ...], invalid: tuple[bool, ...]
) -> list[tuple[str, bool]]:
    """What a caller may do at this prompt: digits at a collect; at a menu, each option, a
    wrong key and no key, but only the same again when the prompt repeats after one."""
    wait = call.waiting
    assert wait is not None
    if wait.kind == "read":
        return [("4" * min(wait.max_digits, 16), False)]
    waits = [step for step in call.trace if step.app == "WaitExten"]
    again = len(waits) > 1 and waits[-2].context == call.context and answers
    if again and (answers[-1] == NO_KEY or invalid[-1]):
        return [(answers[-1], invalid[-1])]
    options = dialplan.keys(call.context)
    wrong = next((key for key in KEYS if key not in options), None)
    return [
        *((key, False) for key in options),
        *([(wrong, True)] if wrong else []),
        (NO_KEY, False),
    ]


def _key_path(
    hops: list[Hop],
    call: Call,
    answers: tuple[str, ...],
    invalid: tuple[bool, ...],
    prompts: tuple[str, ...],
) -> KeyPath:
    nodes = frozenset((hop.facts["ivr"], hop.facts["node"]) for hop in hops if hop.kind == "node")
    unstaffed = tuple(
        (hop.facts["queue"], hop.where)
        for hop in hops
        if hop.kind == "queue" and hop.facts.get("agents") == "0"
    )
    gave_up = next((hop.where for hop in hops if hop.kind == "give up"), None)
    return KeyPath(answers, invalid, prompts, outcome_of(hops, call), nodes, unstaffed, gave_up)
