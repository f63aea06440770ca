"""What a review of a change is made of: the risk flags, the IVR tree's changes, the controls
that newly fail, each located at the line of the change; and the two sides compared."""

from __future__ import annotations

from dataclasses import dataclass

from ccmsctl.errors import Severity, SourceMap, Span
from ccmsctl.model.kinds import Estate


@dataclass(frozen=True)
class Where:
    """A line of the estate as the reviewer knows it: in the change, or (`at_base`) as it
    was in the base revision (a removed document)."""

    file: str
    line: int
    at_base: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (" (base)" if self.at_base else "")


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the estate, where its values were written, and how to
    show its files (the base is read from a checkout in a temporary folder)."""

    estate: Estate
    sources: SourceMap
    folder: str  # the estate folder the spans name
    shown: str  # what to show for it: the estate folder as the user gave it
    base: bool = False

    def at(self, kind: str, name: str, *path: str | int) -> Where:
        return self.located(self.sources.at(kind, name, *path))

    def located(self, span: Span) -> Where:
        """`span` (a finding's, an evidence's) as the reviewer knows its file."""
        file = span.file
        if file.startswith(self.folder):
            file = self.shown.rstrip("/") + file[len(self.folder.rstrip("/")) :]
        return Where(file, span.line, self.base)


# Each kind of risk flag and its code (R01xx: numbers and routes, R02xx: data, R03xx:
# capacity and failover, R04xx: compliance): a flag is a warning a reviewer must see, never
# an error (the change may be right)
RISK_CODES = {
    "DID removed": "R0101",
    "DID rerouted": "R0102",
    "call path lost": "R0103",
    "retention shortened": "R0201",
    "residency widened": "R0202",
    "recording moved abroad": "R0203",
    "trunk channels cut": "R0301",
    "twin pair weakened": "R0302",
    "waiver added": "R0401",
    "waiver extended": "R0402",
    "control newly failing": "R0403",
}


@dataclass(frozen=True)
class Risk:
    """A flag a reviewer must see: what kind of risk (its code), what changed, where."""

    kind: str  # one of RISK_CODES: "DID removed", "retention shortened", ...
    message: str
    where: Where

    @property
    def code(self) -> str:
        return RISK_CODES[self.kind]

    @property
    def severity(self) -> Severity:
        return Severity.WARNING


@dataclass(frozen=True)
class IvrChange:
    """One change of an IVR tree: `main-cn/services, digit 2: queue-sales -> queue-billing`."""

    text: str
    where: Where
