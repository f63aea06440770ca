"""Where calls go in the estate, as the PBXs of a site see them: the IVRs of the DIDs they
answer (their site's and their twin's), the skill groups whose queues those IVRs reach,
overflows included, and the voicemail boxes callers leave messages in. One home for the
decision compile makes (which queue contexts and mailboxes a PBX gets) and validate checks
(where each group's calls are recorded, which sites keep voicemail); and for the flows
routing makes between sites (a transfer into another site's number; the twin, whose agents
answer the site's queues and whose PBXs take its calls when the site's are down: a queue,
overflows included, runs on the PBX the call is on, with the agents of its site and twin),
which residency checks and the report draws."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ccmsctl.model.ivr import IVR, Collect, Queue, Transfer, Voicemail
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.skillgroup import SkillGroup


def ivrs_answered(estate: Estate, site: str) -> list[str]:
    """The IVRs a call to a DID of `site` or its twin enters, by name."""
    served = estate.site_and_twin(site)
    known = estate.index(IVR)
    return sorted({r.ivr for r in estate.where(NumberRange, "site", served) if r.ivr in known})


def queues_reached(ivrs: Iterable[IVR], groups: Mapping[str, SkillGroup]) -> set[str]:
    """Skill groups the IVRs queue to, and the groups they overflow to, in turn."""
    todo = [
        node.skill_group for ivr in ivrs for node in ivr.nodes.values() if isinstance(node, Queue)
    ]
    reached: set[str] = set()
    while todo:
        name = todo.pop()
        if name in reached or name not in groups:
            continue
        reached.add(name)
        overflow = groups[name].overflow
        if overflow and overflow.skill_group:
            todo.append(overflow.skill_group)
    return reached


def queues_hosted(estate: Estate, site: str) -> set[str]:
    """The skill groups whose queue the PBXs of `site` run (and record calls in)."""
    ivrs = estate.index(IVR)
    answered = [ivrs[name] for name in ivrs_answered(estate, site)]
    return queues_reached(answered, estate.index(SkillGroup))


def mailboxes(ivrs: Iterable[IVR], groups: Iterable[SkillGroup]) -> list[str]:
    """The voicemail boxes the IVRs and the skill groups' overflows leave messages in."""
    boxes = {
        node.mailbox for ivr in ivrs for node in ivr.nodes.values() if isinstance(node, Voicemail)
    }
    boxes |= {g.overflow.voicemail for g in groups if g.overflow and g.overflow.voicemail}
    return sorted(boxes)


def mailboxes_at(estate: Estate, site: str) -> list[str]:
    """The voicemail boxes the PBXs of `site` take messages in."""
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    return mailboxes(
        [ivrs[name] for name in ivrs_answered(estate, site)],
        [groups[name] for name in queues_hosted(estate, site)],
    )


Where = tuple[str, str, tuple[str | int, ...]]  # (kind, name, path) in the estate


@dataclass(frozen=True)
class RoutedFlow:
    """Callers of site `origin` carried to site `destination` by routing: `how` ("by transfer
    to +852...", "as its twin"), the place in the estate that routes them (`where`), and the
    data classes `destination` then holds or processes of their calls."""

    origin: str
    destination: str
    how: str
    where: Where
    data_classes: tuple[str, ...]


@dataclass(frozen=True)
class NumberIndex:
    """The estate's numbers, to find the range a number belongs to: its intervals sorted,
    looked up by bisection (100,000 DIDs, many of them single numbers)."""

    starts: tuple[int, ...]
    intervals: tuple[tuple[int, int, NumberRange], ...]

    @classmethod
    def of(cls, estate: Estate) -> NumberIndex:
        intervals = sorted(
            (
                (first, last, numbers)
                for numbers in estate.of(NumberRange)
                for first, last in numbers.spans()
            ),
            key=lambda interval: (interval[0], interval[1], interval[2].name),
        )
        return cls(tuple(first for first, _, _ in intervals), tuple(intervals))

    def answering(self, number: str) -> NumberRange | None:
        """The range `number` (E.164) belongs to, if any: a call to it enters that range's
        IVR at its site."""
        if not (number.startswith("+") and number[1:].isdigit()):
            return None
        value = int(number[1:])
        at = bisect.bisect_right(self.starts, value) - 1
        if at >= 0 and self.intervals[at][0] <= value <= self.intervals[at][1]:
            return self.intervals[at][2]
        return None

    def overlapping(self, low: int, high: int) -> NumberRange | None:
        """A range with a number from `low` to `high` (digits after the '+'), if any: the
        estate's ranges do not overlap, so the last starting at or below `high` tells."""
        at = bisect.bisect_right(self.starts, high) - 1
        if at >= 0 and self.intervals[at][1] >= low:
            return self.intervals[at][2]
        return None

    def neighbours(self, number: str) -> list[NumberRange]:
        """The ranges just below and just above `number` (E.164), for a number in none."""
        if not (number.startswith("+") and number[1:].isdigit()):
            return []
        at = bisect.bisect_right(self.starts, int(number[1:]))
        return [self.intervals[i][2] for i in (at - 1, at) if 0 <= i < len(self.intervals)]


def kept_of_a_call(estate: Estate, ivr: IVR) -> tuple[str, ...]:
    """The data classes a PBX holds of a call that enters `ivr`: its call record and log
    lines, its recording where the IVR or a queue it reaches records, and a message where
    it reaches voicemail."""
    groups = estate.index(SkillGroup)
    reached = [groups[name] for name in sorted(queues_reached([ivr], groups))]
    kept = {"cdr", "log"}
    if ivr.recording_class or any(group.recording_class for group in reached):
        kept.add("recording")
    if mailboxes([ivr], reached):
        kept.add("voicemail")
    return tuple(sorted(kept))


def _transfers(estate: Estate, numbers: NumberIndex, origin: str, ivr: IVR) -> Iterator[RoutedFlow]:
    """Transfers into another site's numbers: in the IVR, and as its queues' overflow."""
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    targets: list[tuple[str, Where]] = [
        (node.to, ("IVR", ivr.name, ("nodes", name, "to")))
        for name, node in sorted(ivr.nodes.items())
        if isinstance(node, Transfer)
    ]
    for name in sorted(queues_reached([ivr], groups)):
        overflow = groups[name].overflow
        if overflow and overflow.transfer:
            targets.append((overflow.transfer, ("SkillGroup", name, ("overflow", "transfer"))))
    for number, where in targets:
        into = numbers.answering(number)
        if into is not None and into.site != origin and into.ivr in ivrs:
            how = f"by transfer to {number}"
            yield RoutedFlow(origin, into.site, how, where, kept_of_a_call(estate, ivrs[into.ivr]))


def routed_flows(estate: Estate) -> list[RoutedFlow]:
    """Every flow of callers from the site whose numbers they call to another site, sorted."""
    ivrs = estate.index(IVR)
    index = NumberIndex.of(estate)
    found: dict[tuple[str, str, str, Where], set[str]] = {}
    for numbers in sorted(estate.of(NumberRange), key=lambda r: r.name):
        ivr = ivrs.get(numbers.ivr)
        if ivr is None:
            continue
        flows = list(_transfers(estate, index, numbers.site, ivr))
        pair, twin = estate.twin_of(numbers.site)
        if pair is not None and twin is not None:
            # the twin's agents are members of the site's queues, and the twin's PBXs take
            # the site's calls when its own are down
            where: Where = ("TwinPair", pair.name, ("sites",))
            kept = kept_of_a_call(estate, ivr)
            flows.append(RoutedFlow(numbers.site, twin, "as its twin", where, kept))
        for flow in flows:
            key = (flow.origin, flow.destination, flow.how, flow.where)
            found.setdefault(key, set()).update(flow.data_classes)
    return [
        RoutedFlow(origin, destination, how, where, tuple(sorted(classes)))
        for (origin, destination, how, where), classes in sorted(found.items())
    ]


def card_nodes(ivr: IVR) -> list[str]:
    """The IVR's nodes where callers key in payment card data (PCI DSS), by name."""
    return sorted(
        name for name, node in ivr.nodes.items() if isinstance(node, Collect) and node.card
    )


def card_ivrs(estate: Estate, trunk: str) -> list[str]:
    """The IVRs with card entry that calls from `trunk` enter: the caller's card digits
    (DTMF, in the media) cross that trunk's carrier link."""
    ivrs = estate.index(IVR)
    entered = {r.ivr for r in estate.where(NumberRange, "trunk", [trunk]) if r.ivr in ivrs}
    return sorted(name for name in entered if card_nodes(ivrs[name]))
