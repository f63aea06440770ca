"""Retention meets the law and the contract: no class keeps data for less than the legal
minimum or (unless under legal hold) longer than the legal maximum, every class of personal
data not under legal hold promises erasure on request within its policy's erasure deadline,
and data its policy requires encrypted at rest is."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import PERSONAL, RetentionPolicy
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


def _too_long(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            maximum = policy.legal_maximum.get(retention.data_class)
            if maximum is not None and retention.keep > maximum and not retention.legal_hold:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "keep")),
                    f"retention class '{retention.name}' keeps {retention.data_class} "
                    f"{retention.keep.days} days; the legal maximum is {maximum.days} days",
                    "shorten keep, or put the class under legal_hold where the law requires it",
                )


def _unencrypted(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for policy in estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            required = retention.data_class in policy.require_encryption_at_rest
            if required and not retention.encryption_at_rest:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "name")),
                    f"retention class '{retention.name}' keeps {retention.data_class} data "
                    f"unencrypted; {policy.name} requires it encrypted at rest",
                    "encryption_at_rest: true, with the encryption_certificate to encrypt to",
                )


def _erasure_late(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for policy in estate.of(RetentionPolicy):
        deadline = policy.erasure_deadline
        if deadline is None:
            continue
        for index, retention in enumerate(policy.classes):
            if retention.data_class not in PERSONAL or retention.legal_hold:
                continue
            promised = retention.erase_on_request
            if promised is None:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "name")),
                    f"retention class '{retention.name}' holds {retention.data_class} data "
                    f"but promises no erasure on request; {policy.name} requires it within "
                    f"{deadline.days} days",
                    f"erase_on_request: {deadline.days}d",
                )
            elif promised > deadline:
                yield check.finding(
                    sources,
                    ("RetentionPolicy", policy.name, ("classes", index, "erase_on_request")),
                    f"retention class '{retention.name}' erases on request within "
                    f"{promised.days} days; {policy.name} requires {deadline.days} at most",
                )


CHECKS = (
    Check(
        "E0801", Severity.ERROR, "A retention class is shorter than the legal minimum.", _too_short
    ),
    Check(
        "E0802",
        Severity.ERROR,
        "A class of personal data does not promise erasure on request within its policy's "
        "erasure deadline.",
        _erasure_late,
    ),
    Check(
        "E0803",
        Severity.ERROR,
        "A retention class keeps data longer than the legal maximum.",
        _too_long,
    ),
    Check(
        "E0804",
        Severity.ERROR,
        "A retention class does not encrypt at rest data its policy requires encrypted.",
        _unencrypted,
    ),
)
