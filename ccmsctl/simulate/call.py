"""One call, simulated: where a call to a number goes at an instant with the keys a caller
presses, told step by step in the estate's words, each step with the place in the estate
that decided it.

The route in is route.py's; the PBX's part is its compiled dialplan run by interpret.py;
narrate.py tells what the trace shows; this module answers the prompts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccmsctl.model.ivr import IVR, LanguageSelect
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import trunk_context
from ccmsctl.model.routing import NumberIndex, Where
from ccmsctl.simulate.interpret import Call, Dialplan
from ccmsctl.simulate.narrate import Hop, Indexes, Narrator, Outcome, node_of, outcome_of
from ccmsctl.simulate.route import Entry, NoRouteError, Router

WAIT_LIMIT = 64  # prompts one simulated call answers: retries end long before


@dataclass(frozen=True)
class Simulation:
    number: str
    at: datetime
    caller: str
    numbers: str  # the NumberRange
    hops: tuple[Hop, ...]
    outcome: Outcome
    waited: float = 0.0  # seconds the caller spent waiting out prompts (timeouts)

    def path(self) -> str:
        """The IVR nodes in order, a schedule's with its decision: `choose-language →
        hours (open) → services → queue-claims`."""
        steps: list[str] = []
        for hop in self.hops:
            if hop.kind == "node":
                steps.append(hop.facts["node"])
            elif hop.kind == "schedule" and steps:
                steps[-1] += f" ({hop.facts['state']})"
        return " → ".join(steps) or "no IVR"


class Answers:
    """What the caller does at each prompt: the next of `keys` (one key at a menu, digits at
    a collect; "-" for nothing), or the language's key at a language menu when `language`
    is given; silence once the keys run out."""

    def __init__(self, ivrs: Mapping[str, IVR], keys: Sequence[str], language: str | None) -> None:
        self.ivrs = ivrs
        self.keys = list(keys)
        self.language = language

    def __call__(self, call: Call) -> str:
        node = node_of(self.ivrs, call.trace[-1].step.where)
        if self.language and isinstance(node, LanguageSelect):
            chosen = [o.digit for o in node.options if o.language == self.language]
            if chosen:
                return chosen[0]
        if not self.keys:
            return ""
        key = self.keys.pop(0)
        return "" if key == "-" else key


def simulate_call(
    estate: Estate,
    number: str,
    at: datetime,
    *,
    keys: Sequence[str] = (),
    language: str | None = None,
    caller: str = "",
    router: Router | None = None,
) -> Simulation:
    """The call to `number` at `at`; NoRouteError when it routes nowhere."""
    index = NumberIndex.of(estate)
    numbers = index.answering(number)
    if numbers is None:
        near = index.neighbours(number)
        nearest = "; nearest: " + ", ".join(r.name for r in near) if near else ""
        where: Where | None = ("NumberRange", near[0].name, ()) if near else None
        raise NoRouteError(f"{number} is in no NumberRange of the estate{nearest}", where)
    router = router or Router(estate)
    entry = router.entry(numbers)
    indexes = Indexes(estate)
    call = run_entry(entry, number, at, Answers(indexes.ivrs, keys, language))
    told = Narrator(indexes, entry, at).hops(call)
    hops = (*entry_hops(entry), *told)
    outcome = outcome_of(told, call)
    return Simulation(number, at, caller, numbers.name, hops, outcome, call.elapsed)


def dialplan_of(entry: Entry) -> Dialplan:
    return Dialplan(entry.calls.dialplan, {"CCMS_CHANNELS": str(entry.channels)})


def run_entry(entry: Entry, number: str, at: datetime, answer: Answers) -> Call:
    """The call through the PBX's dialplan, from the trunk's context, answered by `answer`."""
    dialplan = dialplan_of(entry)
    call = dialplan.run(dialplan.start(trunk_context(entry.trunk.name), number, at, "1"))
    for _ in range(WAIT_LIMIT):
        if call.waiting is None:
            break
        call = dialplan.run(dialplan.press(call, answer(call)))
    return call


def entry_hops(entry: Entry) -> list[Hop]:
    destination = entry.destination
    shared = " (the carrier shares calls among equal destinations)" if entry.shared else ""
    tried = ", ".join(target.name for target in entry.set.tried())
    what = f"a burst node of {entry.burst}" if entry.burst else f"a PBX of {entry.site}"
    vip = str(entry.edge.address) != destination.address
    entry_point = f"the VIP of {destination.site}" if vip else f"an edge of {destination.site}"
    return [
        Hop(
            "trunk",
            f"carrier {entry.trunk.carrier} delivers it on trunk {entry.trunk.name}",
            ("NumberRange", entry.numbers.name, ("trunk",)),
            {"trunk": entry.trunk.name, "numbers": entry.numbers.name},
        ),
        Hop(
            "edge",
            f"to {destination.uri}, {entry_point} (priority {destination.priority}){shared}: "
            f"edge {entry.edge.name}",
            ("Trunk", entry.trunk.name, ("sites",)),
            {"edge": entry.edge.name, "site": destination.site, "uri": destination.uri},
        ),
        Hop(
            "pbx",
            f"{entry.set.name} (dispatcher set {entry.set.id}, tried {tried}): "
            f"{entry.pbx} answers ({what})",
            ("NumberRange", entry.numbers.name, ("site",)),
            {"pbx": entry.pbx, "site": entry.site, "country": entry.country},
        ),
    ]
