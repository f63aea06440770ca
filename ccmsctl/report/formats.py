"""The report as JSON, SARIF 2.1.0 (code-scanning tools) and JUnit XML (CI test tabs): the
same controls and results, for machines. Deterministic for the same report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from ccmsctl.report.model import Evidence, Report, Result, Status


def to_json(report: Report) -> str:
    document: dict[str, Any] = {
        "version": 2,  # 2: evidence located by a span (file, line, column), not a string
        "meta": asdict(report.meta),
        "status": report.status.value,
        "exit_code": report.exit_code(),
        "controls": [
            {**asdict(control), "status": control.status.value, "counts": control.counts()}
            for control in report.controls
        ],
        "sections": [asdict(section) for section in report.sections],
        "flows": [{**asdict(flow), "cross_border": flow.cross_border} for flow in report.flows],
    }
    document[CONTENT_DIGEST] = content_digest(document)
    return _dumps(document)


CONTENT_DIGEST = "content_sha256"  # of the JSON document as written without this key


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def content_digest(document: dict[str, Any]) -> str:
    """sha256 of the report's JSON text without its own `content_sha256`: a reader checks
    a report by writing it again without the key (`ccmsctl verify-report` does)."""
    rest = {key: value for key, value in document.items() if key != CONTENT_DIGEST}
    return hashlib.sha256(_dumps(rest).encode()).hexdigest()


def _location(evidence: Evidence) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": evidence.span.file},
            "region": {"startLine": max(evidence.span.line, 1)},
        }
    }


_LEVEL = {Status.WAIVED: "note", Status.UNVERIFIED: "warning"}
# GitHub code scanning's scale for a rule's severity (0.1-10)
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _sarif_result(control_id: str, result: Result) -> dict[str, Any]:
    model = [e for e in result.evidence if e.source == "model"][:1]
    entry: dict[str, Any] = {
        "ruleId": control_id,
        "level": _LEVEL.get(result.status, "error"),
        "message": {"text": f"{result.subject}: {result.message}"},
        "locations": [_location(e) for e in model],
        "properties": {"code": result.code, "remediation": result.remediation},
    }
    if result.waiver is not None:
        waiver = result.waiver
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"Waiver/{waiver.name} by {waiver.approved_by} until "
                f"{waiver.expires}: {waiver.reason}",
            }
        ]
    return entry


def to_sarif(report: Report) -> str:
    rules = [
        {
            "id": control.id,
            "name": control.title,
            "shortDescription": {"text": control.title},
            "fullDescription": {"text": control.requirement},
            "help": {"text": f"Impact: {control.impact}"},
            "properties": {
                "frameworks": list(control.frameworks),
                "severity": control.severity,
                "security-severity": SECURITY_SEVERITY[control.severity],
            },
        }
        for control in report.controls
    ]
    results = [
        _sarif_result(control.id, result)
        for control in report.controls
        for result in control.results
        if result.status in (Status.ERROR, Status.FAILED, Status.UNVERIFIED, Status.WAIVED)
    ]
    document = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ccmsctl",
                        "version": report.meta.version,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {"commit": report.meta.commit, "dirty": report.meta.dirty},
            }
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_junit(report: Report) -> str:
    # here, not at the top: its parser (pyexpat) would cost every command 50 ms to start
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    cases = [(control, result) for control in report.controls for result in control.results]
    suite = ET.Element(
        "testsuite",
        {
            "name": f"ccmsctl compliance: {report.meta.estate}",
            "tests": str(len(cases)),
            "failures": str(sum(r.status is Status.FAILED for _, r in cases)),
            "errors": str(sum(r.status is Status.ERROR for _, r in cases)),
            "skipped": str(sum(r.status is Status.NOT_APPLICABLE for _, r in cases)),
            "timestamp": report.meta.time,
        },
    )
    for control, result in cases:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"{control.id} {control.title}", "name": result.subject},
        )
        evidence = "\n".join(f"{e.where}: {e.text}" for e in result.evidence)
        if result.status is Status.FAILED:
            ET.SubElement(case, "failure", {"message": result.message}).text = evidence
        elif result.status is Status.ERROR:
            ET.SubElement(case, "error", {"message": result.message})
        elif result.status is Status.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", {"message": result.message})
        else:
            note = result.message
            if result.waiver is not None:
                note = (
                    f"WAIVED by {result.waiver.approved_by} until {result.waiver.expires}: {note}"
                )
            ET.SubElement(case, "system-out").text = f"{note}\n{evidence}"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
