"""How a located finding is written, in one place: as text (`file:line:col: error[CODE]:
message`, its hint on the next line), as a GitHub annotation, and as JSON. Every estate
string in them is content, never structure (ccmsctl/escape.py)."""

from __future__ import annotations

from ccmsctl.errors import Finding, Severity
from ccmsctl.escape import github_annotation, visible


def finding_text(finding: Finding) -> str:
    where = visible(str(finding.span))
    line = f"{where}: {finding.severity.value}[{finding.code}]: {visible(finding.message)}"
    return f"{line}\n  hint: {visible(finding.hint)}" if finding.hint else line


def finding_github(finding: Finding) -> str:
    level = "error" if finding.severity is Severity.ERROR else "warning"
    span = finding.span
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return github_annotation(level, span.file, finding.code, message, span.line, span.col)


def finding_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "file": finding.span.file,
        "line": finding.span.line,
        "col": finding.span.col,
        "message": finding.message,
        "hint": finding.hint,
        "subject": finding.subject,
    }
