"""A simulated call told in the estate's words: what each step of its trace through the
compiled dialplan did (a node entered, a key taken, a schedule's decision, a queue and its
agents, a recording...), each with the place in the estate that decided it; and where the
call ends up (its outcome), as a review compares it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ccmsctl.compile.dialplan import ENCRYPTED, recording_class_of, weekday_range
from ccmsctl.compile.pbx.queues import agents_by_skill, queue_members
from ccmsctl.compile.pbx.site import PbxCalls
from ccmsctl.model.agent import Agent
from ccmsctl.model.ivr import IVR, Hangup, LanguageSelect, Menu, ScheduleBranch
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.routing import Where
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.types import duration_text
from ccmsctl.simulate.interpret import Call, Executed
from ccmsctl.simulate.route import Entry

_HANDLERS = (("on_timeout",), ("on_invalid",))


@dataclass(frozen=True)
class Hop:
    """One step of the call: `kind` (trunk, edge, pbx, node, language, key, timeout,
    invalid, retry, schedule, collect, queue, agents, overflow, record, pause, resume,
    voicemail, transfer, hangup, end, cdr), what happened, and where the estate decided it."""

    kind: str
    text: str
    where: Where | None = None
    facts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Where the call ends up, as a review compares it: a queue (with the overflows after it),
    a voicemail box, a transfer, a hang-up, or a dead end; the recording's class and the
    country it is kept in."""

    kind: str
    target: str
    then: tuple[str, ...] = ()  # the overflows after a queue's wait, in turn
    recording: str = ""
    country: str = ""

    def text(self) -> str:
        told = f"{self.kind} {self.target}".strip()
        told += "".join(f" → {step}" for step in self.then)
        if self.recording:
            told += f" (recorded: {self.recording}, {self.country})"
        return told


class Indexes:
    """The estate's documents the narration looks up, indexed once; and each PBX's agents
    by skill (its queues' members)."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.ivrs = estate.index(IVR)
        self.groups = estate.index(SkillGroup)
        self.schedules = estate.index(Schedule)
        self._skills: dict[int, tuple[PbxCalls, dict[str, list[Agent]]]] = {}

    def by_skill(self, calls: PbxCalls) -> dict[str, list[Agent]]:
        found = self._skills.get(id(calls))
        if found is None or found[0] is not calls:
            found = self._skills[id(calls)] = (calls, agents_by_skill(list(calls.agents)))
        return found[1]


def node_of(ivrs: Mapping[str, IVR], where: Where | None) -> object:
    if where is None or where[0] != "IVR" or len(where[2]) < 2 or where[2][0] != "nodes":
        return None
    ivr = ivrs.get(where[1])
    return ivr.nodes.get(str(where[2][1])) if ivr else None


class Narrator:
    """The call's trace told in the estate's words."""

    def __init__(self, indexes: Indexes, entry: Entry, started: datetime) -> None:
        self.estate = indexes.estate
        self.started = started
        self.entry = entry
        self.ivrs = indexes.ivrs
        self.groups = indexes.groups
        self.schedules = indexes.schedules
        self.by_skill = indexes.by_skill(entry.calls)
        # what each step of a trace told: the paths of an exploration share their first steps
        self._told: dict[tuple[int, bool], tuple[Executed, Hop | None]] = {}

    def hops(self, call: Call) -> list[Hop]:
        hops: list[Hop] = []
        paused = False
        for executed in call.trace:
            key = (id(executed), paused)
            if key in self._told and self._told[key][0] is executed:
                told = self._told[key][1]
            else:
                told = self._tell(executed, paused)
                self._told[key] = (executed, told)
            if told is not None:
                paused = {"pause": True, "resume": False}.get(told.kind, paused)
                hops.append(told)
        hops.append(Hop("end", _ended(call)))
        cdr = self.entry.calls.cdr
        if cdr is not None:
            hops.append(
                Hop(
                    "cdr",
                    f"call record kept by {cdr.name} ({duration_text(cdr.keep)}) on "
                    f"{self.entry.pbx} "
                    f"({self.entry.site}, {self.entry.country})",
                    _class_place(self.estate, cdr.name),
                    {"class": cdr.name},
                )
            )
        return hops

    def _tell(self, executed: Executed, paused: bool) -> Hop | None:
        where, app, data = executed.step.where, executed.app, executed.data
        place = where[2] if where else ()
        if app == "Goto" and where and where[0] == "NumberRange":
            ivr = data.split(",")[0]
            name = self.entry.numbers.ivr if ivr.startswith("did-") else ivr
            return Hop("ivr", f"range {where[1]} enters IVR {name}", where, {"ivr": name})
        if app == "Set" and data.startswith("CDR(ccms_ivr_path)="):
            return self._entered(data, where)
        if app == "WaitExten":
            return self._pressed(executed)
        if app in ("GotoIf", "GotoIfTime", "Goto") and where and where[0] == "Schedule":
            return self._schedule(executed) if executed.taken else None
        if app == "Goto" and where and where[2][-1:] == ("closed",):
            return self._closed(executed, where)
        if app == "GotoIf" and where and where[2][-1:] == ("retries",):
            return self._retry(executed)
        if app == "Goto" and where and where[2][-1:] in _HANDLERS:
            target = getattr(node_of(self.ivrs, where), str(where[2][-1]), "")
            return Hop("retry", f"retries used up: on to {target}", where)
        if app == "Set" and data.startswith("CHANNEL(language)=") and "options" not in place:
            language = data.split("=", 1)[1].replace("_", "-")
            return Hop("language", f"language {language}", where, {"language": language})
        told = self._application(executed, paused)
        if where and where[0] == "SkillGroup" and place == ("overflow",):
            return self._overflow(executed, told)
        return told

    def _overflow(self, executed: Executed, told: Hop | None) -> Hop:
        """A queue's wait ran out: the overflow's queue, voicemail box or transfer."""
        assert executed.step.where is not None
        group = self.groups[executed.step.where[1]]
        waited = f"unanswered within {duration_text(group.max_wait)}"
        if told is None:  # a Goto to the next queue, which tells itself
            target = executed.data.split(",")[0].removeprefix("queue-")
            return Hop("overflow", f"{waited}: on to queue {target}", executed.step.where)
        return Hop(told.kind, f"{waited}: {told.text}", told.where, told.facts)

    def _entered(self, data: str, where: Where | None) -> Hop | None:
        name = data.rsplit(" ", 1)[-1]
        if ":" in name or where is None:
            return None
        node = node_of(self.ivrs, where)
        kind = getattr(node, "type", "node")
        return Hop(
            "node", f"IVR {where[1]}, {kind} node {name}", where, {"ivr": where[1], "node": name}
        )

    def _pressed(self, executed: Executed) -> Hop:
        node = node_of(self.ivrs, executed.step.where)
        where = executed.step.where
        keys = executed.keys or ""
        if not keys:
            return Hop("timeout", f"no key within {executed.data} s", where)
        if isinstance(node, Menu | LanguageSelect) and where is not None:
            for index, option in enumerate(node.options):
                if option.digit == keys[0]:
                    place = (where[0], where[1], (*where[2][:-1], "options", index))
                    chosen = getattr(option, "language", "")
                    then = f"language {chosen}, then {option.next}" if chosen else option.next
                    return Hop("key", f"key {keys[0]} → {then}", place, {"key": keys[0]})
        return Hop("invalid", f"key {keys[0]}: no such option", where, {"key": keys[0]})

    def _retry(self, executed: Executed) -> Hop | None:
        if not executed.taken:
            return None
        return Hop("retry", "the prompt again", executed.step.where)

    def _schedule(self, executed: Executed) -> Hop:
        where = executed.step.where
        assert where is not None
        schedule = self.schedules[where[1]]
        path = where[2]
        if path[0] == "holidays":
            day = schedule.holidays[int(path[1])]
            until = f"..{day.until.isoformat()}" if day.until else ""
            text = f"holiday: {self._local(executed, schedule)} is {day.name} ({day.date}{until})"
            return Hop("schedule", text, where, {"state": "holiday", "rule": day.name})
        hours = schedule.weekly[int(path[1])]
        text = (
            f"open: {self._local(executed, schedule)} is within "
            f"{weekday_range(hours.days)} {hours.open}-{hours.close}"
        )
        return Hop("schedule", text, where, {"state": "open"})

    def _closed(self, executed: Executed, where: Where) -> Hop:
        node = node_of(self.ivrs, where)
        schedule = self.schedules[node.schedule] if isinstance(node, ScheduleBranch) else None
        when = f"{self._local(executed, schedule)} is " if schedule else ""
        return Hop(
            "schedule", f"closed: {when}outside the opening hours", where, {"state": "closed"}
        )

    def _local(self, executed: Executed, schedule: Schedule) -> str:
        """When the step ran, in the schedule's time zone: `Mon 2026-12-07 10:00 Asia/Shanghai`."""
        instant = (self.started + timedelta(seconds=executed.elapsed)).astimezone(
            ZoneInfo(schedule.timezone)
        )
        return f"{instant:%a %Y-%m-%d %H:%M} {schedule.timezone}"

    def _application(self, executed: Executed, paused: bool) -> Hop | None:
        where, app, data = executed.step.where, executed.app, executed.data
        match app:
            case "Queue":
                return self._queue(data, where)
            case "VoiceMail":
                box = data.split("@")[0]
                return Hop("voicemail", f"voicemail box {box}", where, {"mailbox": box})
            case "Dial":
                to = data.split(",")[0].split("/", 1)[-1].split("@")[0]
                return Hop("transfer", f"transfer to {to}", where, {"to": to})
            case "MixMonitor":
                return self._recorded(data, where, paused)
            case "ExecIf" if executed.taken and data.split("?", 1)[1].startswith("StopMix"):
                return Hop("pause", "recording paused while the card is keyed", where)
            case "Read":
                return self._collected(executed)
            case "Hangup" if isinstance(node_of(self.ivrs, where), Hangup):
                return Hop("hangup", "the IVR hangs up", where)
            case "Hangup" if where is not None and where[2][-1:] in _HANDLERS:
                return Hop("give up", "retries used up: the call is hung up", where)
        return None

    def _queue(self, data: str, where: Where | None) -> Hop:
        name = data.split(",", maxsplit=1)[0]
        group = self.groups[name]
        members = queue_members(group, self.by_skill)
        ring = "; ".join(
            f"{agent.extension} {agent.display_name} (penalty {penalty})"
            for penalty, agent in members
        )
        text = f"queue {name} ({group.strategy}, up to {duration_text(group.max_wait)}): " + (
            f"rings {ring}" if members else "no agent staffed"
        )
        return Hop("queue", text, where, {"queue": name, "agents": str(len(members))})

    def _recorded(self, data: str, where: Where | None, paused: bool) -> Hop:
        path = data.split(",", maxsplit=1)[0]
        retention = recording_class_of(path)
        sealed = " encrypted at rest" if ENCRYPTED in data else ""
        if paused:
            return Hop("resume", "recording goes on after the card", where)
        text = (
            f"recorded into {retention}{sealed} on {self.entry.pbx} "
            f"({self.entry.site}, {self.entry.country})"
        )
        facts = {"class": retention, "country": self.entry.country, "host": self.entry.pbx}
        return Hop("record", text, where, facts)

    def _collected(self, executed: Executed) -> Hop:
        keys = executed.keys or ""
        card = executed.data.startswith("CCMS_CARD_")
        what = "card digits (kept in no record)" if card else "digits"
        text = f"{len(keys)} {what} keyed" if keys else "no digits keyed in time"
        return Hop("collect", text, executed.step.where)


def _ended(call: Call) -> str:
    return call.ended or "the caller is still on the line"


def _class_place(estate: Estate, name: str) -> Where | None:
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            if retention.name == name:
                return ("RetentionPolicy", policy.name, ("classes", index))
    return None


def outcome_of(told: Sequence[Hop], call: Call) -> Outcome:
    """Where the call ends (`told`: its hops): the first queue it waits in (and what its
    overflows do), else the voicemail box, transfer or IVR hang-up it reaches, else a dead
    end."""
    recording = next((hop for hop in told if hop.kind == "record"), None)
    kept = (recording.facts["class"], recording.facts["country"]) if recording else ("", "")
    ends = [hop for hop in told if hop.kind in ("queue", "voicemail", "transfer", "hangup")]
    if not ends:
        gave_up = any(hop.kind == "give up" for hop in told)
        return Outcome("dead end", "retries used up" if gave_up else _ended(call), (), *kept)
    first = ends[0]
    then = tuple(f"{hop.kind} {_target(hop)}".strip() for hop in ends[1:])
    return Outcome(first.kind, _target(first), then, *kept)


def _target(hop: Hop) -> str:
    key = {"queue": "queue", "voicemail": "mailbox", "transfer": "to"}.get(hop.kind)
    return hop.facts[key] if key else ""
