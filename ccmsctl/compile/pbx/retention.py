"""The retention jobs of a site's PBXs: per class, the cron lines that purge what its class no
longer keeps and encrypt what it keeps encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from ccmsctl.compile.dialplan import (
    RECORDINGS,
    encrypt_command,
)
from ccmsctl.compile.pbx.layout import (
    CDR_FOLDER,
    FOLDERS,
    LOG_FILE,
    QUEUE_LOG_FILE,
    VOICEMAIL,
    cdr_class,
    classes_at,
    encryption_target,
    log_class,
)
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import RetentionClass
from ccmsctl.model.site import Site


@dataclass(frozen=True)
class CronJob:
    """A retention class's jobs on the site's PBXs: its comment, then cron lines."""

    comment: str
    lines: tuple[str, ...]


def cron_jobs(
    estate: Estate, site: Site, root: str, voicemail: RetentionClass | None
) -> list[CronJob]:
    """Per retention class the site stores: recordings, and the messages of `voicemail`
    (the class of the PBX's mailboxes, if it has any), deleted when older than `keep`; the
    call-record file and the log rotated at midnight, and rotated files deleted when older
    than `keep`. Under legal hold nothing is deleted."""
    minutes = iter(range(0, 60 * 7, 7))

    def job(retention: RetentionClass, rotate: str | None, purge: str) -> CronJob:
        keep = retention.keep.days
        comment = f"{retention.name}: {retention.data_class}, keep {keep} days"
        lines = [f"0 0 * * * root {rotate}"] if rotate else []
        if retention.legal_hold:
            comment += ", LEGAL HOLD: not purged"
        else:
            lines.append(f"{next(minutes) % 60} 3 * * * root {purge} -mtime +{keep} -delete")
        return CronJob(comment, tuple(lines))

    jobs = [
        job(retention, None, f"find {root}{RECORDINGS}/{retention.name} -type f")
        for retention in classes_at(estate, site, "recording")
    ]
    cdr = cdr_class(estate, site)
    if cdr is not None:
        folder, name = f"{root}{CDR_FOLDER}", cdr.name
        day = "$(date -d yesterday -I)"
        rotate = f"cd {folder} && f={name}-{day}.csv && if [ -f {name}.csv ]; then mv {name}.csv $f"
        certificate = encryption_target(cdr, root)
        if certificate is not None:
            rotate += f" && {encrypt_command('$f', certificate)}"
        rotate += "; fi"
        jobs.append(job(cdr, rotate, f"find {folder} -name '{name}-*.csv*' -type f"))
    if voicemail is not None:
        # a message is its msgNNNN.txt (who left it, when) and its sound files; Asterisk
        # numbers the messages of a folder again when the box is opened, and makes the
        # folder with the first message
        folder = f"{root}{VOICEMAIL}"
        messages = f"[ ! -d {folder} ] || find {folder} -name 'msg[0-9][0-9][0-9][0-9].*' -type f"
        jobs.append(job(voicemail, None, messages))
    log = log_class(estate, site)
    if log is not None:
        logs = f"{root}{FOLDERS['astlogdir']}"
        rotate = f"asterisk -C {root}/etc/asterisk/asterisk.conf -rx 'logger rotate'"
        # `logger rotate` rotates Asterisk's queue_log too (callers' numbers are in it)
        rotated = f"\\( -name '{LOG_FILE}.*' -o -name '{QUEUE_LOG_FILE}.*' \\)"
        jobs.append(job(log, rotate, f"find {logs} {rotated} -type f"))
    return jobs
