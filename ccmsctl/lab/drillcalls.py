"""What the failover drill's callers saw: the calls in SIPp's log, and each phase measured
from them.

Recovery is measured from the callers' log: the kill at K; the calls placed after K; the
last of them that failed; recovery ends with the first answer to a call placed after that
one. Failback likewise from the restore, ending with the first call the primary site's
PBXs answer again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kill = Literal["edge", "site", "pbx"]
SETUP_SECONDS = 10.0  # how long the drill's callers wait for an answer (SIPp's -recv_timeout)


@dataclass
class Call:
    number: int
    sent: float
    answered: float | None = None
    pbx: str = ""
    ended: float | None = None


def read_calls(log: Path) -> dict[int, Call]:
    """The calls in SIPp's log: `sent N`, `answered N PBX`, `ended N`, each with SIPp's
    `[timestamp]` (its last field is seconds since the epoch)."""
    calls: dict[int, Call] = {}
    try:
        text = log.read_text(errors="replace")
    except FileNotFoundError:
        return calls
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5 or not fields[1].isdigit():
            continue
        event, number = fields[0], int(fields[1])
        try:
            stamp = float(fields[4])
        except ValueError:
            continue
        if event == "sent":
            calls[number] = Call(number, stamp)
        elif number in calls and event == "answered":
            calls[number].answered = stamp
            calls[number].pbx = fields[5].removeprefix("pbx@") if len(fields) > 5 else ""
        elif number in calls and event == "ended":
            calls[number].ended = stamp
    return calls


@dataclass(frozen=True)
class Phase:
    """One disruption (failover) or its repair (failback), from the callers' side."""

    name: str
    at: float  # when the kill or restore happened
    recovery: float | None  # seconds until calls succeed again; None: they never did
    failed: int  # calls placed after `at` that were not answered
    in_progress: int  # calls established (answered) when it happened
    kept: int  # of those, the ones that ended with a successful BYE
    answered_by: tuple[str, ...]  # sites whose PBXs answered calls placed in the phase
    in_setup: int = 0  # calls placed, not yet answered, when it happened
    setup_answered: int = 0  # of those, the ones answered afterwards
    on_killed: int = 0  # of the established calls, those on a PBX that was killed

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "recovery_seconds": None if self.recovery is None else round(self.recovery, 2),
            "calls_failed": self.failed,
            "calls_in_progress": self.in_progress,
            "calls_kept": self.kept,
            "calls_dropped": self.in_progress - self.kept,
            "calls_in_setup": self.in_setup,
            "calls_in_setup_answered": self.setup_answered,
            "calls_on_killed_pbxs": self.on_killed,
            "answered_by": list(self.answered_by),
        }


def measure(
    name: str,
    calls: Sequence[Call],
    at: float,
    until_time: float,
    site_of: dict[str, str],
    hold: float,
    wanted: str | None = None,
    dead: frozenset[str] = frozenset(),
) -> Phase:
    """The phase from `at` to `until_time`: recovery ends with the first answer to a call
    placed after the last failed one (and, with `wanted`, answered by that site's PBXs).
    A call was up at `at` if it was answered before and ended after it, or never ended but
    was answered less than `hold` seconds before (its hang-up, not yet due, failed later).
    A call was in setup at `at` if it was placed before and not yet answered, at most
    SETUP_SECONDS before (the callers give up on an answer after that). `dead`: the
    addresses of the PBXs killed at `at`."""
    placed = sorted((c for c in calls if at <= c.sent < until_time), key=lambda c: c.sent)
    failed = [c for c in placed if c.answered is None]
    after = [c for c in placed if not failed or c.sent > failed[-1].sent]
    good = [
        c.answered
        for c in after
        if c.answered is not None and (wanted is None or site_of.get(c.pbx) == wanted)
    ]
    up = [
        c
        for c in calls
        if c.answered is not None
        and c.answered < at
        and ((c.ended or 0) >= at or (c.ended is None and c.answered > at - hold))
    ]
    setting_up = [
        c
        for c in calls
        if at - SETUP_SECONDS < c.sent < at and (c.answered is None or c.answered >= at)
    ]
    return Phase(
        name=name,
        at=at,
        recovery=min(good) - at if good else None,
        failed=len(failed),
        in_progress=len(up),
        kept=sum(1 for c in up if c.ended is not None),
        answered_by=tuple(sorted({site_of.get(c.pbx, "?") for c in placed if c.answered})),
        in_setup=len(setting_up),
        setup_answered=sum(1 for c in setting_up if c.answered is not None),
        on_killed=sum(1 for c in up if c.pbx in dead),
    )


@dataclass(frozen=True)
class DrillResult:
    pair: str
    kill: Kill
    killed: tuple[str, ...]
    took_over: str  # the edge holding the VIP that took the calls (the other edge, or the twin's)
    load: float
    hold: float
    rto: float
    failover: Phase
    failback: Phase
    calls: int
    asterisk: bool = False  # the PBXs ran Asterisk (else SIPp stand-ins)
    # an edge killed: the calls up on the trunk that the edge taking the VIP over counted,
    # and the calls up by the callers' log then (established before the kill, not ended)
    counted: tuple[int, int] | None = None

    @property
    def met(self) -> bool:
        return self.failover.recovery is not None and self.failover.recovery <= self.rto

    def to_json(self) -> dict[str, Any]:
        return {
            "pair": self.pair,
            "kill": self.kill,
            "killed": list(self.killed),
            "took_over": self.took_over,
            "load_calls_per_second": self.load,
            "call_hold_seconds": self.hold,
            "calls": self.calls,
            "pbx": "asterisk" if self.asterisk else "sipp",
            "taker_counted_calls": None if self.counted is None else self.counted[0],
            "calls_up_when_counted": None if self.counted is None else self.counted[1],
            "rto_seconds": self.rto,
            "rto_met": self.met,
            "phases": [self.failover.to_json(), self.failback.to_json()],
        }
