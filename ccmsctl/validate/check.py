"""What a semantic check is: a stable code, a severity, a one-line summary and a function.

The summary is the first line of the code's page in docs/codes/. Checks never raise on a
broken estate: they see only documents that passed their schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    summary: str
    run: Callable[[Estate, SourceMap, Check], Iterable[Finding]]

    def finding(
        self,
        sources: SourceMap,
        where: tuple[str, str, tuple[str | int, ...]],
        message: str,
        hint: str = "",
        *,
        nth: int = 0,
    ) -> Finding:
        """A finding of this check on document (kind, name) at `path` within it."""
        kind, name, path = where
        span = sources.at(kind, name, *path, nth=nth)
        return Finding(self.code, self.severity, span, message, hint, f"{kind}/{name}")
