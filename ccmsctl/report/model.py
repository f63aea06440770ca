"""What a compliance report is made of: controls, their results with evidence, the sections
an auditor reads, and the run it describes. Plain frozen data; the formats print it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from ccmsctl.errors import Span


class Status(StrEnum):
    """A result's status; a control takes the worst of its results, in this order."""

    ERROR = "error"
    FAILED = "failed"
    UNVERIFIED = "unverified"  # its evidence's host could not be read: never passed
    WAIVED = "waived"
    PASSED = "passed"
    NOT_APPLICABLE = "not applicable"


_RANK = {
    Status.ERROR: 5,
    Status.FAILED: 4,
    Status.UNVERIFIED: 3,
    Status.WAIVED: 2,
    Status.PASSED: 1,
    Status.NOT_APPLICABLE: 0,
}


Severity = Literal["critical", "high", "medium", "low"]


def worst(statuses: Iterable[Status]) -> Status:
    """error > failed > unverified > waived > passed > not applicable; nothing at all:
    not applicable."""
    return max(statuses, key=_RANK.__getitem__, default=Status.NOT_APPLICABLE)


@dataclass(frozen=True)
class Evidence:
    """One line that shows a control holds, located by a Span: in the model (the estate's
    file) or in a generated artifact (the file `host:path`), with the sha256 of the whole
    file it stands in."""

    source: str  # "model" or "artifact"
    span: Span
    text: str
    sha256: str
    state: str = ""  # an artifact's on its host (report --target): deployed, drifted, ...

    @property
    def where(self) -> str:
        """`file:line` (a model's), `host:path:line` (an artifact's)."""
        return f"{self.span.file}:{self.span.line}"


@dataclass(frozen=True)
class WaiverNote:
    """The waiver that accepted a failing result: who, from when, until when, why."""

    name: str
    approved_by: str
    approved_on: str
    expires: str
    reason: str


@dataclass(frozen=True)
class Result:
    """The control on one subject ("RetentionPolicy/cn-retention: rec-cn-standard")."""

    subject: str
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    code: str = ""  # the finding code behind a failed or waived result, else the control's
    waiver: WaiverNote | None = None
    remediation: str = ""  # what to do, on a result that does not pass


@dataclass(frozen=True)
class ControlResult:
    id: str
    title: str
    requirement: str
    frameworks: tuple[str, ...]
    impact: str
    results: tuple[Result, ...]
    severity: Severity = "high"

    @property
    def status(self) -> Status:
        return worst(result.status for result in self.results)

    def counts(self) -> dict[str, int]:
        """How many of its results have each status (every status, zero included)."""
        return {s.value: sum(r.status is s for r in self.results) for s in Status}


@dataclass(frozen=True)
class Row:
    """One row of a section's table: cells by column, and the evidence behind it."""

    cells: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    warn: bool = False  # a weakness to see at a glance: a plain transport, an unencrypted store


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Flow:
    """Where a jurisdiction's data class goes: a place (site or burst pool) in a country, as
    a store, a processor, where routing takes its callers, or several; `mechanism` for a
    transfer out of the jurisdiction; `via`, the routing that takes callers there."""

    jurisdiction: str
    data_class: str
    place: str
    country: str
    role: str  # "store", "process", "routed", or several: "store, process"
    mechanism: str = ""
    via: str = ""  # "callers of hk-1 by transfer to +852...; callers of sh-2 as its twin"

    @property
    def cross_border(self) -> bool:
        return self.country != self.jurisdiction


ROLES = ("store", "process", "routed")


def roles_text(roles: set[str]) -> str:
    """Roles in their one order: store, process, routed."""
    return ", ".join(sorted(roles, key=lambda role: (*ROLES, role).index(role)))


@dataclass(frozen=True)
class Collected:
    """When a host's files were read for the report, and the host's state of record then
    (or why it could not be read)."""

    host: str
    time: str
    commit: str = ""
    applied_at: str = ""
    applied_by: str = ""
    error: str = ""


@dataclass(frozen=True)
class Meta:
    """The run the report describes; `target`: the hosts its evidence was checked on ("":
    the design only, not the running estate), each host's reading in `collected`."""

    estate: str
    commit: str
    dirty: bool
    version: str
    time: str
    frameworks: tuple[str, ...] = ()
    target: str = ""
    collected: tuple[Collected, ...] = ()
    generated_by: str = ""  # who ran the report (the operator, as a host's record names one)


@dataclass(frozen=True)
class Report:
    meta: Meta
    controls: tuple[ControlResult, ...]
    sections: tuple[Section, ...]
    flows: tuple[Flow, ...] = field(default_factory=tuple)

    @property
    def status(self) -> Status:
        return worst(control.status for control in self.controls)

    def exit_code(self) -> int:
        """0 pass (waived results included), 1 error, 2 failing (or unverified) controls."""
        return {Status.ERROR: 1, Status.FAILED: 2, Status.UNVERIFIED: 2}.get(self.status, 0)
