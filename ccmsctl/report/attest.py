"""Attestation: the report's evidence against what the target's hosts run. Every generated
file a result cites is read on its host (the same read a plan makes: the target's
`host_states`) and marked deployed (the host's copy is the one cited, byte for byte),
drifted (the host's copy differs), missing (the host has none), or unverified (the host
could not be read). A result whose evidence drifted or is missing fails, naming the files;
one whose host could not be read is unverified, never passed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ccmsctl.artifacts import Artifacts
from ccmsctl.errors import UserError
from ccmsctl.plan.make import wanted
from ccmsctl.plan.state import sha256
from ccmsctl.plan.target import Target
from ccmsctl.report.model import (
    Collected,
    ControlResult,
    Evidence,
    Report,
    Result,
    Row,
    Section,
    Status,
)

DEPLOYED = "deployed"
DRIFTED = "drifted"
MISSING = "missing"
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Observed:
    """What one host runs: the sha256 of each file ccmsctl manages there, as read when."""

    host: str
    files: Mapping[str, str]
    collected: Collected


def observe(target: Target, artifacts: Artifacts, now: Callable[[], str]) -> dict[str, Observed]:
    """Each host's files as the target reads them now; a host that cannot be read has no
    files and says why."""
    try:
        states = target.host_states(wanted(artifacts))
    except UserError as error:
        when = now()
        return {
            host: Observed(host, {}, Collected(host, when, error=error.line()))
            for host in sorted(artifacts.hosts)
        }
    when = now()
    found = {}
    for host, state in sorted(states.items()):
        record = state.record
        collected = Collected(
            host,
            when,
            record.commit if record else "",
            record.applied_at if record else "",
            record.applied_by if record else "",
        )
        files = {path: sha256(content) for path, content in state.files.items()}
        found[host] = Observed(host, files, collected)
    return found


def attest(report: Report, observed: Mapping[str, Observed], target: str) -> Report:
    """`report` with each generated file's evidence marked by what its host runs, the
    results judged by it, and the target and collection times in its metadata."""
    controls = tuple(_control(control, observed) for control in report.controls)
    sections = tuple(_section(section, observed) for section in report.sections)
    meta = replace(
        report.meta,
        target=target,
        collected=tuple(observed[host].collected for host in sorted(observed)),
    )
    return replace(report, meta=meta, controls=controls, sections=sections)


def state_of(evidence: Evidence, observed: Mapping[str, Observed]) -> str:
    host, _, path = evidence.span.file.partition(":")
    seen = observed.get(host)
    if seen is None or seen.collected.error:
        return UNVERIFIED
    digest = seen.files.get(path)
    if digest is None:
        return MISSING
    return DEPLOYED if digest == evidence.sha256 else DRIFTED


def _marked(items: tuple[Evidence, ...], observed: Mapping[str, Observed]) -> tuple[Evidence, ...]:
    return tuple(
        replace(e, state=state_of(e, observed)) if e.source == "artifact" else e for e in items
    )


def _control(control: ControlResult, observed: Mapping[str, Observed]) -> ControlResult:
    return replace(control, results=tuple(_result(r, observed) for r in control.results))


def _result(result: Result, observed: Mapping[str, Observed]) -> Result:
    evidence = _marked(result.evidence, observed)
    off = sorted({e.span.file for e in evidence if e.state in (DRIFTED, MISSING)})
    unread = sorted({e.span.file.partition(":")[0] for e in evidence if e.state == UNVERIFIED})
    status, message = result.status, result.message
    if off and status in (Status.PASSED, Status.WAIVED, Status.NOT_APPLICABLE):
        states = {e.span.file: e.state for e in evidence}
        named = ", ".join(f"{file} {states[file]}" for file in off)
        status, message = Status.FAILED, f"{message}; not as deployed: {named}"
    elif unread and status is Status.PASSED:
        status = Status.UNVERIFIED
        message = f"{message}; not verified on {', '.join(unread)} (could not be read)"
    return replace(result, evidence=evidence, status=status, message=message)


def _section(section: Section, observed: Mapping[str, Observed]) -> Section:
    rows = tuple(Row(row.cells, _marked(row.evidence, observed)) for row in section.rows)
    return replace(section, rows=rows)
