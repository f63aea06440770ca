"""How long the PBX keeps its data, as its cron jobs say: the files of /etc/cron.d beside its
configuration folder that speak of Asterisk's folders. A job that deletes a class's files
older than N days (`find FOLDER ... -mtime +N -delete`) says its keep period: recordings
by class folder, call records by file name, voicemail messages, rotated logs. A call-record
rotation that encrypts (`openssl cms -encrypt`) says the class is encrypted at rest. A
recording class with no purge in a file that purges recordings is kept forever: held."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ccmsctl.errors import Span
from ccmsctl.importing.conf import Statement
from ccmsctl.importing.ledger import Ledger

_SCHEDULE = r"^[0-9*/,-]+ [0-9*/,-]+ \* \* \* root "
_RECORDINGS = re.compile(
    _SCHEDULE + r"find (?:\S*)/var/spool/asterisk/recording/([a-z0-9._-]+) -type f "
    r"-mtime \+([0-9]+) -delete$"
)
_CDR = re.compile(
    _SCHEDULE + r"find (?:\S*)/var/log/asterisk/cdr-custom -name '([a-z0-9._-]+)-\*\.csv\*' "
    r"-type f -mtime \+([0-9]+) -delete$"
)
_VOICEMAIL = re.compile(
    _SCHEDULE + r"\[ ! -d \S+ \] \|\| find (?:\S*)/var/spool/asterisk/voicemail "
    r"-name 'msg\[0-9\]\[0-9\]\[0-9\]\[0-9\]\.\*' -type f -mtime \+([0-9]+) -delete$"
)
_LOGS = re.compile(
    _SCHEDULE + r"find (?:\S*)/var/log/asterisk .*-name 'messages\.log\.\*'.* -type f "
    r"-mtime \+([0-9]+) -delete$"
)
_CDR_ROTATE = re.compile(_SCHEDULE + r"cd \S+/cdr-custom && f=([a-z0-9._-]+)-\$\(date ")
_LOG_ROTATE = re.compile(_SCHEDULE + r"asterisk -C \S+ -rx 'logger rotate'$")
_ENVIRONMENT = re.compile(r"^(SHELL|PATH)=")


@dataclass
class Kept:
    """Keep periods (days) the jobs say, by data class; recording classes by name."""

    recordings: dict[str, int] = field(default_factory=dict)  # in the file's order
    cdr: dict[str, int] = field(default_factory=dict)
    encrypted: set[str] = field(default_factory=set)  # call-record classes sealed on rotation
    voicemail: int = 0
    logs: int = 0
    read: bool = False  # some job speaks of recordings, so one with none is held
    found: bool = False  # some file speaks of Asterisk: logs it does not rotate are not kept

    def keep(self, data_class: str, name: str) -> int:
        if data_class == "recording":
            return self.recordings.get(name, 0)
        if data_class == "cdr":
            return self.cdr.get(name, 0)
        return self.voicemail if data_class == "voicemail" else self.logs


def read_jobs(folder: Path, ledger: Ledger, prefix: str) -> Kept:
    """The keep periods in the cron jobs beside the configuration `folder` (its
    ../cron.d); every line of a file that speaks of Asterisk accounted for."""
    kept = Kept()
    jobs = folder.parent / "cron.d"
    for path in sorted(jobs.glob("*")) if jobs.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "asterisk" not in text or not path.is_file():
            continue
        shown = f"{prefix}cron.d/{path.name}"
        kept.found = True
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            statement = Statement(Span(shown, number, 1), stripped)
            ledger.add_statements([statement])
            if _job(stripped, kept):
                ledger.model(statement)
            else:
                ledger.leave(statement, "a cron job no retention class says")
    return kept


def _job(line: str, kept: Kept) -> bool:
    if found := _RECORDINGS.match(line):
        kept.recordings[found.group(1)] = int(found.group(2))
        kept.read = True
    elif found := _CDR.match(line):
        kept.cdr[found.group(1)] = int(found.group(2))
    elif found := _VOICEMAIL.match(line):
        kept.voicemail = int(found.group(1))
    elif found := _LOGS.match(line):
        kept.logs = int(found.group(1))
    elif found := _CDR_ROTATE.match(line):
        if "openssl cms -encrypt" in line:
            kept.encrypted.add(found.group(1))
    elif not (_LOG_ROTATE.match(line) or _ENVIRONMENT.match(line)):
        return False
    return True
