"""Retention meets the law and the contract: no class keeps data for less than the legal
minimum or (unless under legal hold) longer than the legal maximum, every class of personal
data not under legal hold promises erasure on request within its policy's erasure deadline,
data its policy requires encrypted at rest is, and the voicemail callers leave at a site is
kept by a class of its own there, as are the PBXs' logs (a warning: they are rotated and
purged by the site's log class only)."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.ivr import IVR, Voicemail
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import PERSONAL, DataClass, RetentionPolicy
from ccmsctl.model.routing import ivrs_answered, queues_hosted
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
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


def _stored_at(estate: Estate, data_class: DataClass) -> set[str]:
    """The sites where some retention class of `data_class` is stored."""
    return {
        site
        for policy in estate.of(RetentionPolicy)
        for retention in policy.classes
        if retention.data_class == data_class
        for site in retention.store
    }


def _voicemail_unkept(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    stored = _stored_at(estate, "voicemail")
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    # where the messages are left (an IVR's voicemail node, a group's overflow), and the
    # sites whose PBXs take them there with no voicemail class
    unkept: dict[tuple[str, str, tuple[str | int, ...], str], list[Site]] = {}
    for site in sorted(estate.of(Site), key=lambda s: s.name):
        if site.name in stored or not site.hosts_with("pbx"):
            continue
        for ivr in ivrs_answered(estate, site.name):
            for node, step in ivrs[ivr].nodes.items():
                if isinstance(step, Voicemail):
                    where = ("IVR", ivr, ("nodes", node), f"IVR '{ivr}' node '{node}'")
                    unkept.setdefault(where, []).append(site)
        for name in sorted(queues_hosted(estate, site.name)):
            overflow = groups[name].overflow
            if overflow and overflow.voicemail:
                where = (
                    "SkillGroup",
                    name,
                    ("overflow", "voicemail"),
                    f"skill group '{name}' overflows to voicemail",
                )
                unkept.setdefault(where, []).append(site)
    for (kind, name, path, what), sites in sorted(unkept.items()):
        names = ", ".join(site.name for site in sites)
        countries = ", ".join(sorted({site.country for site in sites}))
        yield check.finding(
            sources,
            (kind, name, path),
            f"{what}: callers' messages are left on the PBXs of {names}, where no retention "
            "class of voicemail data is stored; they would never be purged or erased",
            f"add a class with data_class: voicemail (keep, erase_on_request) and store: "
            f"[{names}] to the RetentionPolicy of {countries}",
        )


def _logs_unkept(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    stored = _stored_at(estate, "log")
    for site in sorted(estate.of(Site), key=lambda s: s.name):
        if site.name in stored or not site.hosts_with("pbx"):
            continue
        yield check.finding(
            sources,
            ("Site", site.name, ("name",)),
            f"the PBXs of {site.name} keep their logs (messages.log, and queue_log, which "
            "holds callers' numbers) with no retention class of log data stored there: "
            "they are never rotated or purged",
            f"add a class with data_class: log, keep and store: [{site.name}] to the "
            f"RetentionPolicy of {site.country}",
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
    Check(
        "E0805",
        Severity.ERROR,
        "Callers leave voicemail at a site where no retention class of voicemail is stored.",
        _voicemail_unkept,
    ),
    Check(
        "W0806",
        Severity.WARNING,
        "A site's PBX logs are kept with no log retention class: never rotated or purged.",
        _logs_unkept,
    ),
)
