"""What is on a host now: its record of the last apply, the managed files as they are, and
what it lacks of what its roles keep besides files (the upkeep: packages, services running,
recording folders).

The record lives at var/lib/ccmsctl/record.json under the host's root and is written by the
apply (the Ansible common role), atomically. This module reads it, and the files, from a
local root (the lab); a target over SSH reads the same from each host.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

RECORD = "var/lib/ccmsctl/record.json"


@dataclass(frozen=True)
class Record:
    """What the last apply installed: the commit, when, each file's sha256, and which of
    the files hold secrets (the record is readable by root only); who applied it, and the
    newer commit it stepped back from where an apply was allowed to roll back."""

    commit: str
    applied_at: str
    files: Mapping[str, str]
    sensitive: tuple[str, ...] = ()
    applied_by: str = ""
    stepped_back_from: str = ""

    def to_json(self) -> str:
        body: dict[str, object] = {
            "commit": self.commit,
            "applied_at": self.applied_at,
            "files": dict(self.files),
            "sensitive": sorted(self.sensitive),
        }
        if self.applied_by:
            body["applied_by"] = self.applied_by
        if self.stepped_back_from:
            body["stepped_back_from"] = self.stepped_back_from
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Wanted:
    """What a plan reads of a host: its managed files, and what its roles keep up besides
    them (the plan's HostVars): packages installed, services running, recording folders
    made, as compile placed the host for its target (the lab installs no package)."""

    paths: tuple[str, ...]
    packages: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    pins: Mapping[str, str] = field(default_factory=dict)  # package -> its pinned version
    folder_stat: str = ""  # a recording folder as made (`stat -c %U:%G:%a`; "": any)


@dataclass(frozen=True)
class Step:
    """One upkeep step: `install` a package (`subject`; `version`: its pin, "" for any;
    `has`: the version it replaces), `start` a service, `make` a recording folder."""

    action: str  # install, start, make
    subject: str
    version: str = ""
    has: str = ""

    def __str__(self) -> str:
        text = f"{self.action} {self.subject} {self.version}".rstrip()
        return f"{text} (has {self.has})" if self.has else text


@dataclass(frozen=True)
class HostState:
    """A host's record (None before the first apply), its managed files' current bytes
    (a path missing from `files` is absent on the host), and its upkeep: the steps the
    apply's roles would take besides installing files (`install asterisk 22.0.0-1`,
    `start kamailio`, `make /var/spool/...`), none when the host has all it should."""

    record: Record | None
    files: Mapping[str, bytes] = field(default_factory=dict)
    upkeep: tuple[Step, ...] = ()

    def fingerprint(self, sensitive: Iterable[str] = ()) -> str:
        """Changes whenever the record or any managed file does: a saved plan checks it.
        The `sensitive` files (and those the record says hold secrets) count only by
        whether they are there: their bytes go into the plan's secrets digest instead."""
        hidden = set(sensitive) | set(self.sensitive_paths())
        digest = hashlib.sha256()
        record = self.record.to_json() if self.record else "no record"
        if self.record is not None and hidden:
            files = {p: h for p, h in self.record.files.items() if p not in hidden}
            record = replace(self.record, files=files).to_json()
        digest.update(record.encode())
        for step in self.upkeep:
            digest.update(f"\0upkeep\0{step}".encode())
        for path in sorted(self.files):
            content = "(sensitive)" if path in hidden else sha256(self.files[path])
            digest.update(f"\0{path}\0{content}".encode())
        return digest.hexdigest()

    def sensitive_paths(self) -> tuple[str, ...]:
        return self.record.sensitive if self.record else ()


def upkeep(
    wanted: Wanted,
    *,
    installed: Mapping[str, str],
    running: Collection[str],
    folders: Collection[str],
) -> tuple[Step, ...]:
    """The steps that give the host what `wanted` lists (its packages at their pins):
    `installed` maps each installed package to its version, `running` names the services
    that run, `folders` the recording folders that are as the retention role makes them."""
    steps = []
    for package in wanted.packages:
        have, pin = installed.get(package, ""), wanted.pins.get(package, "")
        if not have or (pin and have != pin):
            steps.append(Step("install", package, pin, have))
    steps += [Step("start", service) for service in wanted.services if service not in running]
    steps += [Step("make", folder) for folder in wanted.folders if folder not in folders]
    return tuple(steps)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse_record(text: str) -> Record | None:
    """The record, or None if it is missing fields or not JSON (then everything is re-sent)."""
    try:
        data = json.loads(text)
        files = {str(path): str(digest) for path, digest in data["files"].items()}
        sensitive = tuple(str(path) for path in data.get("sensitive", []))
        return Record(
            str(data["commit"]),
            str(data["applied_at"]),
            files,
            sensitive,
            str(data.get("applied_by", "")),
            str(data.get("stepped_back_from", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def read_local_state(root: Path, paths: Iterable[str]) -> HostState:
    """The state of a host whose root is a local folder: its record, and `paths` plus every
    path the record names (the upkeep is the caller's to add)."""
    record_file = root / RECORD
    record = (
        parse_record(record_file.read_text(encoding="utf-8")) if record_file.is_file() else None
    )
    wanted = set(paths) | set(record.files if record else ())
    files = {path: (root / path).read_bytes() for path in sorted(wanted) if (root / path).is_file()}
    return HostState(record, files)
