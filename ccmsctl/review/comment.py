"""The review as a pull request's comment (Markdown, split under GitHub's limit), as GitHub
annotations on the changed lines, and as text lines after a plan."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.escape import (
    github_annotation,
    html_text,
    markdown_code,
    markdown_fence,
    markdown_text,
    visible,
)
from ccmsctl.plan.diff import SYMBOL, Change, unified_diff
from ccmsctl.review.build import Review
from ccmsctl.review.model import Where

LIMIT = 65_000  # GitHub refuses a comment over 65,536 characters


def risk_lines(review: Review) -> list[str]:
    """The risk flags and IVR changes as plain lines (after `plan --base`'s text)."""
    lines = [
        f"! {risk.code} {risk.kind}: {visible(risk.message)} ({visible(str(risk.where))})"
        for risk in review.risks
    ]
    lines += [f"ivr: {visible(c.text)} ({visible(str(c.where))})" for c in review.ivr]
    lines += [f"call: {visible(c.text)} ({visible(str(c.where))})" for c in review.calls]
    return lines


def _summary(review: Review) -> str:
    parts = [f"**{review.plan.summary()}**", f"{len(review.risks)} risk flag(s)"]
    if review.ivr:
        parts.append(f"{len(review.ivr)} IVR change(s)")
    if review.calls:
        parts.append(f"{len(review.calls)} call path change(s)")
    return " · ".join(parts)


def _host_block(host: str, changes: list[Change], room: int) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    told = ", ".join(f"{n} to {a}" for a, n in sorted(counts.items()))
    lines = [f"<details><summary><code>{html_text(host)}</code>: {told}</summary>", ""]
    lines += [f"- {markdown_code(f'{SYMBOL[change.action]} {change.path}')}" for change in changes]
    diff = "".join(unified_diff(change) for change in changes)
    if diff.strip():
        if len(diff) > room:
            kept = diff[: max(room, 0)].rsplit("\n", 1)[0]
            cut = diff.count("\n") - kept.count("\n")
            diff = kept + f"\n... {cut} more line(s): run ccmsctl plan --base REF --diff\n"
        lines += ["", markdown_fence(diff, "diff")]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _blocks(review: Review) -> Iterator[str]:
    """The comment's parts, in order; each fits a comment on its own."""
    if review.risks:
        rows = [
            f"| {r.code} {markdown_text(r.kind)} | {markdown_code(str(r.where), in_table=True)} | "
            f"{markdown_text(r.message)} |"
            for r in review.risks
        ]
        yield "### Risk flags\n\n| risk | where | what |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    if review.ivr:
        lines = [f"- {markdown_code(c.text)} — {markdown_code(str(c.where))}" for c in review.ivr]
        yield "### IVR changes\n\n" + "\n".join(lines) + "\n"
    if review.calls:
        lines = [f"- {markdown_text(c.text)} — {markdown_code(str(c.where))}" for c in review.calls]
        yield "### Call paths changed\n\n" + "\n".join(lines) + "\n"
    if review.waivers:
        rows = [
            f"| {markdown_text(w.name)} | {markdown_text(w.code)} | {markdown_text(w.target)} | "
            f"{markdown_text(w.approved_by)} | "
            f"{w.approved_on.isoformat()} | {w.expires.isoformat()} |"
            for w in review.waivers
        ]
        yield (
            "### Waivers\n\n| waiver | code | target | approved by | from | until |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
        )
    devices = set(review.plan.desired.devices)
    hosts = [h for h in review.plan.hosts() if h not in devices]
    if hosts:
        yield "### Changes by host\n"
    for host in hosts:
        changes = [c for c in review.plan.changes if c.host == host]
        yield _host_block(host, changes, LIMIT - 2_000)
    if review.devices:
        yield "### Network devices\n"
    for device in review.devices:
        yield (
            f"<details><summary><code>{html_text(device.device)}</code> "
            f"({html_text(device.platform)}): {len(device.commands)} command(s)</summary>\n\n"
            + markdown_fence("\n".join(device.commands))
            + "\n\n</details>\n"
        )


def markdown_comments(review: Review) -> list[str]:
    """The comment, as one or more parts each under LIMIT characters."""
    title = (
        f"## ccmsctl plan: {markdown_code(review.directory)} against {markdown_code(review.ref)}"
    )
    head = f"{title}\n\n{_summary(review)}\n"
    parts: list[list[str]] = [[head]]
    for block in _blocks(review):
        if sum(len(b) + 1 for b in parts[-1]) + len(block) > LIMIT - 200:
            parts.append([])
        parts[-1].append(block)
    if len(parts) == 1:
        return ["\n".join(parts[0])]
    total = len(parts)
    return [
        "\n".join(part if n == 1 else [f"{title} (part {n} of {total})\n", *part])
        + ("" if n == total else f"\n_continued in part {n + 1} of {total}_\n")
        for n, part in enumerate(parts, 1)
    ]


def _annotation(level: str, where: Where, title: str, message: str) -> str:
    if where.at_base:
        message += " (removed: the line was in the base revision)"
        return github_annotation(level, where.file, title, message)
    return github_annotation(level, where.file, title, message, where.line)


def github_annotations(review: Review) -> list[str]:
    lines = [
        _annotation(r.severity.value, r.where, f"ccmsctl {r.code}: {r.kind}", r.message)
        for r in review.risks
    ]
    lines += [_annotation("notice", c.where, "ccmsctl: IVR change", c.text) for c in review.ivr]
    lines += [
        _annotation("notice", c.where, "ccmsctl: call path changed", c.text) for c in review.calls
    ]
    return lines
