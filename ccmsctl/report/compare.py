"""What changed since a previous report (its JSON): each result that appeared, disappeared
or changed status, each control whose status changed, and waivers that began or ended to
silence a result — one section an auditor reads first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccmsctl.errors import UserError
from ccmsctl.report.model import Report, Row, Section

_SUPPORTED = (2,)


class CompareError(UserError):
    """The previous report cannot be read as a ccmsctl JSON report."""

    code = "E1605"


@dataclass(frozen=True)
class Previous:
    """What a previous report said: when, of which commit, and each control's and result's
    status (and waiver)."""

    commit: str
    time: str
    controls: dict[str, str]
    results: dict[tuple[str, str], tuple[str, str]]  # (control, subject) -> (status, waiver)


def read_previous(path: Path) -> Previous:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
        if document.get("version") not in _SUPPORTED:
            raise CompareError(f"{path}: not a ccmsctl JSON report of version 2")
        controls = {c["id"]: c["status"] for c in document["controls"]}
        results = {
            (c["id"], r["subject"]): (r["status"], (r.get("waiver") or {}).get("name", ""))
            for c in document["controls"]
            for r in c["results"]
        }
        return Previous(document["meta"]["commit"], document["meta"]["time"], controls, results)
    except OSError as error:
        raise CompareError(f"{path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CompareError(f"{path}: not a ccmsctl JSON report") from None


def changes(report: Report, previous: Previous) -> Section:
    """The section of what changed since `previous`, in control order."""
    now_results = {
        (control.id, result.subject): (
            result.status.value,
            result.waiver.name if result.waiver else "",
        )
        for control in report.controls
        for result in control.results
    }
    rows: list[Row] = []
    for control in report.controls:
        before = previous.controls.get(control.id, "")
        if before != control.status.value:
            rows.append(Row((control.id, "(the control)", before or "—", control.status.value, "")))
        keys = sorted(
            {key for key in (*now_results, *previous.results) if key[0] == control.id},
            key=lambda key: key[1],
        )
        for key in keys:
            was, now = previous.results.get(key), now_results.get(key)
            if was == now:
                continue
            note = _waiver_note(was[1] if was else "", now[1] if now else "")
            rows.append(
                Row((control.id, key[1], was[0] if was else "—", now[0] if now else "—", note))
            )
    gone = sorted(set(previous.controls) - {c.id for c in report.controls})
    rows.extend(Row((c, "(the control)", previous.controls[c], "—", "")) for c in gone)
    return Section(
        "changes",
        "Changes since the previous report",
        f"Against the report of commit {previous.commit} written {previous.time}: each "
        "control and result whose status changed, appeared or went, and each waiver that "
        "began or ended to silence one." + ("" if rows else " Nothing changed."),
        ("control", "subject", "before", "now", "waiver"),
        tuple(rows),
    )


def _waiver_note(was: str, now: str) -> str:
    if was == now:
        return ""
    if not was:
        return f"waived by {now} since"
    if not now:
        return f"waiver {was} no longer applies"
    return f"waiver {was} replaced by {now}"
