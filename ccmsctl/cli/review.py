"""`plan --base REF`: the offline review of a change against another Git revision, as text,
JSON Lines, a pull request's Markdown comment or GitHub annotations. No host is read."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from ccmsctl.cli.app import validated
from ccmsctl.cli.estate import OutputError, write_atomically
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.fanout import workers_available
from ccmsctl.compile.memo import SiteMemo
from ccmsctl.errors import Severity
from ccmsctl.load.estate import environment_names, load_estate
from ccmsctl.plan.diff import base_states, make_plan, reviewable
from ccmsctl.plan.network import device_changes
from ccmsctl.plan.provenance import RevisionError, checkout_estate
from ccmsctl.review.build import Review, review
from ccmsctl.review.comment import github_annotations, markdown_comments
from ccmsctl.review.model import Side


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    github = "github"


def review_of(directory: Path, ref: str, env: str | None = None) -> Review:
    """The estate (environment `env` of it) against its state at Git revision `ref`:
    compiled files, models, controls. An environment the estate did not have at `ref` (the
    change adds it) is compared with the base as it was."""
    loaded = validated(directory, env)
    with tempfile.TemporaryDirectory(prefix="ccmsctl-base-") as folder:
        old_dir = checkout_estate(directory, ref, Path(folder))
        old = load_estate(old_dir, env if env in environment_names(old_dir) else None)
        if any(f.severity is Severity.ERROR for f in old.findings):
            raise RevisionError(f"the estate at {ref} does not load; compare with another base")
        memo = SiteMemo.default()
        before = compile_estate(old.estate, workers=workers_available(), memo=memo)
        after = compile_estate(loaded.estate, workers=workers_available(), memo=memo)
        plan = make_plan(reviewable(after), base_states(reviewable(before)))
        running = {name: config.decode() for name, config in before.devices.items()}
        devices = device_changes(after, running)
        shown = str(directory)
        base = Side(old.estate, old.sources, str(old_dir), shown, base=True)
        change = Side(loaded.estate, loaded.sources, shown, shown)
        return review(base, change, before, after, plan, devices, ref, date.today())


def print_review(found: Review, output: PlanFormat, comment_dir: Path | None) -> None:
    if output is PlanFormat.github:
        for line in github_annotations(found):
            typer.echo(line)
        typer.echo(found.plan.summary(), err=True)
        return
    parts = markdown_comments(found)
    if comment_dir is not None:
        if comment_dir.exists() and not comment_dir.is_dir():
            raise OutputError(f"{comment_dir}: not a folder; --comment-dir takes a folder")
        try:
            comment_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{comment_dir}: {error.strerror}") from None
        for old in comment_dir.glob("comment-*.md"):
            old.unlink()
        for number, part in enumerate(parts, 1):
            write_atomically(comment_dir / f"comment-{number}.md", part)
        typer.echo(f"{len(parts)} comment(s) in {comment_dir}", err=True)
        return
    typer.echo("\n\n".join(parts), nl=False)


def review_json(found: Review) -> list[str]:
    """JSON Lines of the risk flags and IVR changes (after the plan's own lines)."""
    lines = [
        json.dumps(
            {
                "type": "risk",
                "code": risk.code,
                "severity": risk.severity.value,
                "kind": risk.kind,
                "message": risk.message,
                "file": risk.where.file,
                "line": risk.where.line,
                "at_base": risk.where.at_base,
            }
        )
        for risk in found.risks
    ]
    lines += [
        json.dumps(
            {"type": "ivr_change", "text": c.text, "file": c.where.file, "line": c.where.line}
        )
        for c in found.ivr
    ]
    lines += [
        json.dumps(
            {"type": "call_change", "text": c.text, "file": c.where.file, "line": c.where.line},
            ensure_ascii=False,
        )
        for c in found.calls
    ]
    return lines
