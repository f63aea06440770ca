"""The report as Markdown: for a repository's docs, a wiki, or a pull request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ccmsctl.escape import markdown_code, markdown_text
from ccmsctl.report.model import ControlResult, Evidence, Report, Result, Section, Status

ICON = {
    Status.ERROR: "ERROR",
    Status.FAILED: "FAILED",
    Status.UNVERIFIED: "UNVERIFIED",
    Status.WAIVED: "WAIVED",
    Status.PASSED: "passed",
    Status.NOT_APPLICABLE: "n/a",
}


@dataclass(frozen=True)
class Shared:
    """Evidence lines that are the same line of the same file on several hosts, shown once
    with the hosts listed (`where`: `sh1-pbx-1, sh1-pbx-2: etc/asterisk/x.conf:12`)."""

    evidence: Evidence
    hosts: tuple[str, ...]

    @property
    def where(self) -> str:
        if not self.hosts:
            return self.evidence.where
        path = self.evidence.span.file.partition(":")[2]
        return f"{', '.join(self.hosts)}: {path}:{self.evidence.span.line}"


def shared(items: Iterable[Evidence]) -> list[Shared]:
    """`items` with the identical lines of one generated file across hosts (same path,
    line, text, digest and state) as one, in the order they first appear."""
    groups: dict[tuple[str, ...], list[Evidence]] = {}
    for e in items:
        key: tuple[str, ...]
        if e.source == "artifact":
            path = e.span.file.partition(":")[2]
            key = ("artifact", path, str(e.span.line), e.text, e.sha256, e.state)
        else:
            key = (e.source, e.span.file, str(e.span.line), e.text)
        groups.setdefault(key, []).append(e)
    return [
        Shared(
            group[0],
            tuple(e.span.file.partition(":")[0] for e in group) if key[0] == "artifact" else (),
        )
        for key, group in groups.items()
    ]


def _evidence(items: Iterable[Evidence]) -> list[str]:
    return [
        f"  - {markdown_text(s.evidence.source)} {markdown_code(s.where)}: "
        f"{markdown_code(s.evidence.text)} (sha256 {s.evidence.sha256})"
        f"{f' — **{s.evidence.state}**' if s.evidence.state else ''}"
        for s in shared(items)
    ]


def scope(report: Report) -> str:
    """What the report's evidence shows: the design, or what the target's hosts run."""
    meta = report.meta
    if not meta.target:
        return (
            "This report covers the design (the estate and the files compiled from it), not "
            "the running estate: run it with --target to check each file on its host."
        )
    unread = [c.host for c in meta.collected if c.error]
    return (
        f"Each generated file cited was read on its host of {meta.target} and marked "
        "deployed, drifted, missing or unverified"
        + (f"; not read: {', '.join(unread)}" if unread else "")
        + "."
    )


def collected_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """host, read at, commit applied, applied at and by, or why it could not be read."""
    return [
        (
            c.host,
            c.time,
            c.commit or "—",
            f"{c.applied_at or '—'} {c.applied_by}".strip(),
            c.error or "read",
        )
        for c in report.meta.collected
    ]


def _result(result: Result) -> list[str]:
    lines = [
        f"- **{ICON[result.status]}** {markdown_text(result.subject)}: "
        f"{markdown_text(result.message)}"
    ]
    if result.remediation and result.status is not Status.WAIVED:
        lines.append(f"  - remediation: {markdown_text(result.remediation)}")
    if result.waiver is not None:
        w = result.waiver
        lines.append(
            f"  - waived by Waiver/{markdown_text(w.name)}: {markdown_text(w.approved_by)}, "
            f"{w.approved_on} until {w.expires}. {markdown_text(w.reason)}"
        )
    return lines + _evidence(result.evidence)


def counted(control: ControlResult) -> str:
    """`3 passed, 1 FAILED, 2 n/a`: its results by status, those it has."""
    return ", ".join(f"{n} {ICON[Status(s)]}" for s, n in control.counts().items() if n) or "none"


def _control(control: ControlResult) -> list[str]:
    return [
        f"### {control.id}: {control.title} — {ICON[control.status]}",
        "",
        f"{control.requirement}",
        "",
        f"Severity: {control.severity}. Results: {counted(control)}. "
        f"Frameworks: {', '.join(control.frameworks) or '—'}. Impact: {control.impact}",
        "",
        *(line for result in control.results for line in _result(result)),
        "",
    ]


def table(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    heads = list(columns)
    return [
        "| " + " | ".join(heads) + " |",
        "|" + "---|" * len(heads),
        *("| " + " | ".join(markdown_text(c) for c in row) + " |" for row in rows),
    ]


def _section(section: Section) -> list[str]:
    return [
        f"## {section.title}",
        "",
        section.intro,
        "",
        *table(section.columns, (row.cells for row in section.rows)),
        "",
    ]


def to_markdown(report: Report) -> str:
    meta = report.meta
    counts = Counter(control.status for control in report.controls)
    summary = ", ".join(f"{counts[s]} {ICON[s]}" for s in Status if counts[s])
    lines = [
        f"# Compliance report: {markdown_text(meta.estate)}",
        "",
        *table(
            ("commit", "working tree", "ccmsctl", "generated", "by", "target", "frameworks"),
            [
                (
                    meta.commit,
                    "dirty: uncommitted changes" if meta.dirty else "clean",
                    meta.version,
                    meta.time,
                    meta.generated_by or "—",
                    meta.target or "none: the design only",
                    ", ".join(meta.frameworks) or "—",
                )
            ],
        ),
        "",
        f"**Result: {ICON[report.status]}** — {len(report.controls)} controls: {summary}.",
        "",
        markdown_text(scope(report)),
        "",
        *(
            [
                *table(("host", "read at", "commit", "applied", "reading"), collected_rows(report)),
                "",
            ]
            if report.meta.collected
            else []
        ),
        "## Controls",
        "",
        *table(
            ("control", "title", "severity", "status", "results", "frameworks"),
            (
                (
                    c.id,
                    c.title,
                    c.severity,
                    ICON[c.status],
                    counted(c),
                    ", ".join(c.frameworks) or "—",
                )
                for c in report.controls
            ),
        ),
        "",
        *(line for control in report.controls for line in _control(control)),
        *(line for section in report.sections for line in _section(section)),
    ]
    return "\n".join(lines).rstrip() + "\n"
