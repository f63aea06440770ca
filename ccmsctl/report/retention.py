"""Controls on keeping and deleting: retention at least the legal minimum, purge at the
class's maximum on every PBX that writes it, erasure on request within the deadline, and
encryption at rest where the policy asks."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.compile.pbx.layout import RETENTION_JOBS, key_file, written_classes
from ccmsctl.model.retention import PERSONAL, RetentionClass, RetentionPolicy
from ccmsctl.model.site import Site
from ccmsctl.report.control import Control
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import Evidence, Result, Status

EXTENSIONS = "etc/asterisk/extensions.conf"


def classes(inputs: Inputs) -> Iterator[tuple[RetentionPolicy, int, RetentionClass]]:
    for policy in inputs.estate.of(RetentionPolicy):
        for index, retention in enumerate(policy.classes):
            yield policy, index, retention


def writers(inputs: Inputs, retention: RetentionClass) -> list[str]:
    """The PBXs that write data of `retention`: those of sites whose PBXs write into it."""
    sites = {
        site.name
        for site in inputs.estate.of(Site)
        if any(c.name == retention.name for c in written_classes(inputs.estate, site))
    }
    return list(inputs.hosts("pbx", sites))


def subject(policy: RetentionPolicy, retention: RetentionClass) -> str:
    return f"RetentionPolicy/{policy.name}: {retention.name}"


def purge_evidence(inputs: Inputs, retention: RetentionClass) -> tuple[list[Evidence], list[str]]:
    """The purge line (or the legal-hold note) of `retention` on each PBX writing it, and
    the PBXs where it is missing."""
    found: list[Evidence] = []
    missing: list[str] = []
    needle = "LEGAL HOLD" if retention.legal_hold else f"-mtime +{retention.keep.days} -delete"
    for host in writers(inputs, retention):
        line = inputs.artifact(host, RETENTION_JOBS, needle, within=f"# {retention.name}:")
        if line is None:
            missing.append(host)
        else:
            found.append(line)
    return found, missing


def _legal_minimum(inputs: Inputs) -> Iterator[Result]:
    for policy, index, retention in classes(inputs):
        minimum = policy.legal_minimum.get(retention.data_class)
        if minimum is None or retention.keep < minimum:
            continue  # no minimum: nothing to hold; too short: E0801 says so
        model = [
            inputs.model("RetentionPolicy", policy.name, "classes", index, "keep"),
            inputs.model("RetentionPolicy", policy.name, "legal_minimum", retention.data_class),
        ]
        found, _ = purge_evidence(inputs, retention)
        yield Result(
            subject(policy, retention),
            Status.PASSED,
            f"{retention.data_class} kept {retention.keep.days} days; the legal minimum "
            f"is {minimum.days}"
            + (" (under legal hold: never purged)" if retention.legal_hold else ""),
            (*model, *found),
        )


def _purged(inputs: Inputs) -> Iterator[Result]:
    for policy, index, retention in classes(inputs):
        maximum = policy.legal_maximum.get(retention.data_class)
        if maximum is not None and retention.keep > maximum and not retention.legal_hold:
            continue  # E0803 says so
        model = inputs.model("RetentionPolicy", policy.name, "classes", index, "keep")
        if not writers(inputs, retention):
            yield Result(
                subject(policy, retention),
                Status.NOT_APPLICABLE,
                f"no PBX writes {retention.data_class} data into this class",
                (model,),
            )
            continue
        found, missing = purge_evidence(inputs, retention)
        if missing:
            yield Result(
                subject(policy, retention),
                Status.FAILED,
                f"no purge job for this class on {', '.join(missing)}",
                (model, *found),
            )
        elif retention.legal_hold:
            held = inputs.model("RetentionPolicy", policy.name, "classes", index, "legal_hold")
            yield Result(
                subject(policy, retention),
                Status.PASSED,
                "under legal hold: kept, and not purged, until the hold is lifted",
                (held, *found),
            )
        else:
            bound = f" (legal maximum: {maximum.days})" if maximum is not None else ""
            yield Result(
                subject(policy, retention),
                Status.PASSED,
                f"deleted daily once older than {retention.keep.days} days{bound} on every "
                "PBX writing it",
                (model, *found),
            )


def _erasure(inputs: Inputs) -> Iterator[Result]:
    for policy, index, retention in classes(inputs):
        if retention.data_class not in PERSONAL:
            continue
        where = ("RetentionPolicy", policy.name, "classes", index)
        promised, deadline = retention.erase_on_request, policy.erasure_deadline
        if retention.legal_hold:
            yield Result(
                subject(policy, retention),
                Status.PASSED,
                "under legal hold: erasure requests are recorded and met when the hold ends",
                (inputs.model(*where, "legal_hold"),),
            )
        elif promised is None and deadline is None:
            yield Result(
                subject(policy, retention),
                Status.FAILED,
                f"{retention.data_class} data with no erasure commitment: neither the class "
                "(erase_on_request) nor its policy (erasure_deadline) sets one",
                (inputs.model(*where, "name"),),
            )
        elif promised is not None and (deadline is None or promised <= deadline):
            evidence = [inputs.model(*where, "erase_on_request")]
            if deadline is not None:
                evidence.append(inputs.model("RetentionPolicy", policy.name, "erasure_deadline"))
            yield Result(
                subject(policy, retention),
                Status.PASSED,
                f"erased within {promised.days} days of a request"
                + (f"; the policy's deadline is {deadline.days}" if deadline else ""),
                tuple(evidence),
            )


def _at_rest(inputs: Inputs) -> Iterator[Result]:
    for policy, index, retention in classes(inputs):
        where = ("RetentionPolicy", policy.name, "classes", index)
        hosts = writers(inputs, retention)
        required = retention.data_class in policy.require_encryption_at_rest
        if required and not retention.encryption_at_rest:
            continue  # E0804 says so
        if not retention.encryption_at_rest or not hosts:
            reason = "not asked by its class" if hosts else "no PBX writes this class"
            yield Result(
                subject(policy, retention),
                Status.NOT_APPLICABLE,
                f"{retention.data_class} data not encrypted by ccmsctl: {reason}",
                (inputs.model(*where, "name"),),
            )
            continue
        certificate = key_file(retention)
        path = EXTENSIONS if retention.data_class == "recording" else RETENTION_JOBS
        found = [inputs.artifact(host, path, f"/{certificate} ") for host in hosts]
        delivered = [h for h in hosts if certificate in inputs.artifacts.secrets.get(h, {})]
        missing = sorted(
            {h for h, e in zip(hosts, found, strict=True) if e is None}
            | (set(hosts) - set(delivered))
        )
        evidence = (inputs.model(*where, "encryption_at_rest"), *(e for e in found if e))
        yield Result(
            subject(policy, retention),
            Status.FAILED if missing else Status.PASSED,
            f"not encrypted on {', '.join(missing)}"
            if missing
            else f"encrypted (CMS, AES-256) to the class's certificate, {certificate} on "
            f"{len(hosts)} PBX(s), as it is written",
            evidence,
        )


CONTROLS = (
    Control(
        "CC-RET-1",
        "Retention meets the legal minimum",
        "Each retention class keeps its data at least as long as its jurisdiction's law "
        "requires, and its purge job deletes nothing younger.",
        ("PIPL Art. 19", "GDPR Art. 5(1)(e)", "PDPO DPP2", "CCPA 1798.100(a)(3)"),
        "Records destroyed before the law allows: evidence lost, regulatory penalty.",
        ("E0801",),
        _legal_minimum,
        severity="high",
        remediation=(
            "Raise the class's keep to at least its jurisdiction's legal minimum and apply."
        ),
    ),
    Control(
        "CC-RET-2",
        "Data is purged at its class's maximum",
        "No class keeps data longer than its policy's legal maximum, every PBX that "
        "writes a class's data deletes it once it is older than the class keeps it, unless "
        "the class is under legal hold, and the voicemail callers leave and the PBXs' logs "
        "are kept by a class.",
        ("PIPL Art. 19", "GDPR Art. 5(1)(e)", "PDPO DPP2", "CCPA 1798.100(a)(3)"),
        "Personal data kept longer than disclosed: storage limitation breached.",
        ("E0803", "E0805", "W0806"),
        _purged,
        severity="high",
        remediation=(
            "Give the class a keep within the policy's maximum (and a class for voicemail and "
            "logs), then apply so every PBX that writes it purges it."
        ),
    ),
    Control(
        "CC-ERA-1",
        "Erasure on request within the deadline",
        "Every class of personal data (recordings, call records, transcripts, voicemail) not "
        "under legal hold promises erasure on request within its policy's erasure deadline.",
        ("PIPL Art. 47", "GDPR Art. 17", "CCPA 1798.105", "PDPO DPP2"),
        "A data subject's erasure request missed: complaint, regulator inquiry.",
        ("E0802",),
        _erasure,
        severity="high",
        remediation=(
            "Give each class of personal data an erase_on_request within the policy's erasure "
            "deadline."
        ),
    ),
    Control(
        "CC-ENC-2",
        "Encryption at rest where the policy asks",
        "Data a policy requires encrypted at rest is: recordings, and call-record files once "
        "rotated, are encrypted on the PBX to the class's certificate, whose private key is "
        "not on it.",
        ("PIPL Art. 51", "GDPR Art. 32", "China MLPS 2.0", "PDPO DPP4", "CCPA 1798.150"),
        "A stolen disk or backup exposes callers' conversations.",
        ("E0804",),
        _at_rest,
        severity="high",
        remediation=(
            "Set encryption_at_rest on the class (with its certificate reference) and apply."
        ),
    ),
)
