"""What a compliance report is made of: controls, their results with evidence, the sections
an auditor reads, and the run it describes. Plain frozen data; the formats print it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ccmsctl.errors import Span


class Status(StrEnum):
    """A result's status; a control takes the worst of its results, in this order."""

    ERROR = "error"
    FAILED = "failed"
    WAIVED = "waived"
    PASSED = "passed"
    NOT_APPLICABLE = "not applicable"


_RANK = {
    Status.ERROR: 4,
    Status.FAILED: 3,
    Status.WAIVED: 2,
    Status.PASSED: 1,
    Status.NOT_APPLICABLE: 0,
}


def worst(statuses: Iterable[Status]) -> Status:
    """error > failed > waived > passed > not applicable; nothing at all: not applicable."""
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
    code: str = ""  # the finding code behind a failed or waived result
    waiver: WaiverNote | None = None


@dataclass(frozen=True)
class ControlResult:
    id: str
    title: str
    requirement: str
    frameworks: tuple[str, ...]
    impact: str
    results: tuple[Result, ...]

    @property
    def status(self) -> Status:
        return worst(result.status for result in self.results)


@dataclass(frozen=True)
class Row:
    """One row of a section's table: cells by column, and the evidence behind it."""

    cells: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


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
class Meta:
    """The run the report describes."""

    estate: str
    commit: str
    dirty: bool
    version: str
    time: str
    frameworks: tuple[str, ...] = ()


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
        """0 pass (waived results included), 1 error, 2 failing controls."""
        return {Status.ERROR: 1, Status.FAILED: 2}.get(self.status, 0)
