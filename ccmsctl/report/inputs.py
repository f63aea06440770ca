"""What a report is made from, and how evidence is found in it: the estate and where each of
its values was written, the validation outcome, and the compiled artifacts. Reads the
estate's files only to fingerprint them."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ccmsctl.artifacts import Artifacts
from ccmsctl.errors import Finding, SourceMap, Span
from ccmsctl.model.kinds import Estate
from ccmsctl.report.model import Evidence
from ccmsctl.validate.run import Outcome


@dataclass(frozen=True)
class Inputs:
    estate: Estate
    sources: SourceMap
    outcome: Outcome
    artifacts: Artifacts
    today: date = date.min  # the day the report describes (overdue assessments, waivers)
    _files: dict[str, tuple[str, list[str]]] = field(default_factory=dict, compare=False)
    _artifacts: dict[tuple[str, str], tuple[str, list[str]]] = field(
        default_factory=dict, compare=False
    )

    def model(self, kind: str, name: str, *path: str | int) -> Evidence:
        """The estate's line at `path` of document (kind, name)."""
        return self._at(self.sources.at(kind, name, *path))

    def at_finding(self, finding: Finding) -> Evidence:
        return self._at(finding.span)

    def _at(self, span: Span) -> Evidence:
        digest, lines = self._file(span.file)
        text = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
        return Evidence("model", Span(span.file, span.line, 1), text, digest)

    def artifact(self, host: str, path: str, needle: str, within: str = "") -> Evidence | None:
        """The first line of `host`'s `path` holding `needle`; with `within`, only in the
        block (lines up to a blank one, or the next section) that starts at the first line
        holding `within`. None when there is none."""
        digest, lines = self._generated(host, path)
        inside = not within
        for number, line in enumerate(lines, 1):
            if within and within in line:
                inside = True
            elif within and inside and (not line.strip() or line.startswith("[")):
                return None
            if inside and needle in line:
                where = Span(f"{host}:{path}", number, 1)
                return Evidence("artifact", where, line.strip(), digest)
        return None

    def lines(self, host: str, path: str) -> list[str]:
        """The lines of `host`'s generated `path` (none when it has no such file)."""
        return self._generated(host, path)[1]

    def _generated(self, host: str, path: str) -> tuple[str, list[str]]:
        """sha256 and lines of a generated file, decoded once however many controls ask."""
        if (host, path) not in self._artifacts:
            content = self.artifacts.hosts.get(host, {}).get(path)
            self._artifacts[host, path] = (
                (
                    hashlib.sha256(content).hexdigest(),
                    content.decode("utf-8", "replace").splitlines(),
                )
                if content is not None
                else ("", [])
            )
        return self._artifacts[host, path]

    def hosts(self, role: str, sites: Collection[str]) -> Iterator[str]:
        """The hosts of `role` at `sites`, by name."""
        for host in sorted(self.artifacts.host_vars):
            facts = self.artifacts.host_vars[host]
            if role in facts.roles and facts.site in sites:
                yield host

    def _file(self, file: str) -> tuple[str, list[str]]:
        """sha256 and lines of an estate file, read once."""
        if file not in self._files:
            try:
                data = Path(file).read_bytes()
            except OSError:
                data = b""
            lines = data.decode("utf-8", "replace").splitlines()
            self._files[file] = (hashlib.sha256(data).hexdigest() if data else "", lines)
        return self._files[file]
