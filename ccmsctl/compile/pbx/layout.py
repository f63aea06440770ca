"""Where a PBX keeps what it writes, and which retention class keeps it: Asterisk's folders,
the call-record fields, the recording, call-record, voicemail and log classes of a site, and
the certificates of those encrypted at rest."""

from __future__ import annotations

from ccmsctl.compile.dialplan import (
    RECORDING_KEYS,
    RECORDINGS,
)
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import RetentionClass, RetentionPolicy
from ccmsctl.model.routing import (
    mailboxes_at,
)
from ccmsctl.model.site import Site

# Asterisk's folders on a PBX (modules and sounds stay where Asterisk is installed)
FOLDERS = {
    "astetcdir": "/etc/asterisk",
    "astvarlibdir": "/var/lib/asterisk",
    "astdbdir": "/var/lib/asterisk",
    "astkeydir": "/var/lib/asterisk",
    "astspooldir": "/var/spool/asterisk",
    "astrundir": "/run/asterisk",
    "astlogdir": "/var/log/asterisk",
    "astcachedir": "/var/cache/asterisk",
}


CDR_FOLDER = f"{FOLDERS['astlogdir']}/cdr-custom"  # cdr_custom writes a relative file here


VOICEMAIL = f"{FOLDERS['astspooldir']}/voicemail"  # messages: CONTEXT/BOX/FOLDER/msgNNNN.*


LOG_FILE = "messages.log"  # in astlogdir


QUEUE_LOG_FILE = "queue_log"  # in astlogdir: each queue call's events (queue-stats reads it)


RETENTION_JOBS = "etc/cron.d/ccmsctl-retention"


# The fields of each call's record: the CDR's own, then what the dialplan adds (CDR(ccms_*))
CDR_FIELDS = (
    "start(%FT%T%z)",
    "answer(%FT%T%z)",
    "end(%FT%T%z)",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "disposition",
    "duration",
    "billsec",
    "uniqueid",
    "ccms_trunk(uservar)",
    "ccms_did(uservar)",
    "ccms_call_id(uservar)",
    "ccms_ivr_path(uservar)",
    "ccms_skill_group(uservar)",
    "ccms_recording(uservar)",
)


def classes_at(estate: Estate, site: Site, data_class: str) -> list[RetentionClass]:
    """The retention classes of `data_class` the site stores, by policy and class name."""
    return [
        retention
        for policy in sorted(estate.of(RetentionPolicy), key=lambda p: p.name)
        for retention in policy.classes
        if retention.data_class == data_class and site.name in retention.store
    ]


def key_file(retention: RetentionClass) -> str:
    """Where a class encrypted at rest has its certificate on the PBX (relative path)."""
    return f"{RECORDING_KEYS[1:]}/{retention.name}.pem"


def encryption_target(retention: RetentionClass | None, root: str) -> str | None:
    if retention is None or not retention.encryption_at_rest:
        return None
    return f"{root}/{key_file(retention)}"


def cdr_names() -> tuple[str, ...]:
    """The names of a call record's columns, in order (CDR_FIELDS without their formats)."""
    return tuple(name.split("(")[0] for name in CDR_FIELDS)


def written_classes(estate: Estate, site: Site) -> list[RetentionClass]:
    """The classes the site's PBXs write into: each recording class the site stores, its
    call-record class, its voicemail class where callers leave messages, and its log class."""
    cdr, log = cdr_class(estate, site), log_class(estate, site)
    voicemail = voicemail_class(estate, site) if mailboxes_at(estate, site.name) else None
    return [
        *classes_at(estate, site, "recording"),
        *([cdr] if cdr else []),
        *([voicemail] if voicemail else []),
        *([log] if log else []),
    ]


def recording_folders(estate: Estate, site: Site) -> tuple[str, ...]:
    """The folders the site's PBXs record into: one per recording retention class it stores."""
    return tuple(f"{RECORDINGS}/{c.name}" for c in classes_at(estate, site, "recording"))


def cdr_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the site's call records are kept by (the first CDR class that stores at
    the site); None: the site keeps no call records."""
    return next(iter(classes_at(estate, site, "cdr")), None)


def voicemail_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the voicemail messages left at the site's PBXs are kept by (the first
    voicemail class that stores at the site); None: none (E0805 where messages are left)."""
    return next(iter(classes_at(estate, site, "voicemail")), None)


def log_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the site's PBX logs are kept by; None: the logs are not rotated."""
    return next(iter(classes_at(estate, site, "log")), None)


def encrypted_classes(estate: Estate, site: Site) -> list[RetentionClass]:
    """The classes the site's PBXs encrypt at rest (recordings and the call-record class)."""
    return [c for c in written_classes(estate, site) if c.encryption_at_rest]


def encrypts_at_rest(estate: Estate, site: Site) -> bool:
    return bool(encrypted_classes(estate, site))
