"""A plan saved to a file, to be applied exactly as reviewed.

The file holds the plan's changes and upkeep steps, every desired file's bytes, where the
plan came from and a fingerprint of each target host's state. It holds no secret: the files
made of secrets are kept as their references, and what they hold (the values, the hosts'
copies) only as one salted scrypt digest that apply checks. It is still written with mode
0600, atomically.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ccmsctl.artifacts import Artifacts, DeviceIntent, HostVars, Secret, SecretFile
from ccmsctl.errors import UserError
from ccmsctl.plan.diff import Change, DeviceChange, Plan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.state import Step

FORMAT = "ccmsctl-plan"
VERSION = 4


class PlanFileError(UserError):
    """The file is not a plan this version of ccmsctl can read."""


@dataclass(frozen=True)
class SavedPlan:
    estate_dir: str
    target: str
    provenance: Provenance
    # host -> HostState.fingerprint(), "device:<name>" -> sha256 of its running configuration,
    # when planned
    fingerprints: Mapping[str, str]
    plan: Plan
    secrets_digest: str = ""  # secret_digest() of the secret files, desired and on the hosts


def _b64(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode()


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _tuples(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON's lists back into the tuples the dataclasses hold."""
    return {
        key: tuple(tuple(v) if isinstance(v, list) else v for v in value)
        if isinstance(value, list)
        else value
        for key, value in fields.items()
    }


def _secret_file_of(data: dict[str, Any]) -> SecretFile:
    parts = tuple(
        part if isinstance(part, str) else Secret(str(part["reference"]), str(part["kind"]))
        for part in data["parts"]
    )
    return SecretFile(parts, str(data["mode"]), str(data["group"]), str(data["syntax"]))


def dump(saved: SavedPlan) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "estate_dir": saved.estate_dir,
        "target": saved.target,
        "provenance": vars(saved.provenance),
        "fingerprints": dict(saved.fingerprints),
        "changes": [
            {
                "host": c.host,
                "path": c.path,
                "action": c.action,
                "reason": c.reason,
                "before": _b64(c.before),
                "after": _b64(c.after),
                "sensitive": c.sensitive,
            }
            for c in saved.plan.changes
        ],
        "desired": {
            host: {path: _b64(content) for path, content in files.items()}
            for host, files in saved.plan.desired.hosts.items()
        },
        "devices": [
            {
                "device": d.device,
                "platform": d.platform,
                "address": d.address,
                "commands": list(d.commands),
                "rollback": list(d.rollback),
                "running": d.running,
            }
            for d in saved.plan.devices
        ],
        "desired_devices": {
            name: _b64(config) for name, config in saved.plan.desired.devices.items()
        },
        "desired_estate": {
            path: _b64(content) for path, content in saved.plan.desired.estate.items()
        },
        "host_vars": {name: asdict(v) for name, v in saved.plan.desired.host_vars.items()},
        "device_intents": {
            name: asdict(intent) for name, intent in saved.plan.desired.device_intents.items()
        },
        "secrets": {
            host: {path: asdict(f) for path, f in files.items()}
            for host, files in saved.plan.desired.secrets.items()
        },
        "secrets_digest": saved.secrets_digest,
        "upkeep": {
            host: [asdict(step) for step in steps] for host, steps in saved.plan.upkeep.items()
        },
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def load(data: bytes) -> SavedPlan:
    try:
        document: dict[str, Any] = json.loads(data)
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise PlanFileError(f"not a ccmsctl plan file of version {VERSION}: plan again")
        changes = tuple(
            Change(
                c["host"],
                c["path"],
                c["action"],
                c["reason"],
                _bytes(c["before"]),
                _bytes(c["after"]),
                bool(c["sensitive"]),
            )
            for c in document["changes"]
        )
        desired = Artifacts(
            {
                host: {path: base64.b64decode(content) for path, content in files.items()}
                for host, files in document["desired"].items()
            },
            estate={
                path: base64.b64decode(content)
                for path, content in document["desired_estate"].items()
            },
            devices={
                name: base64.b64decode(config)
                for name, config in document["desired_devices"].items()
            },
            host_vars={name: HostVars(**_tuples(v)) for name, v in document["host_vars"].items()},
            device_intents={
                name: DeviceIntent(**_tuples(v)) for name, v in document["device_intents"].items()
            },
            secrets={
                host: {path: _secret_file_of(f) for path, f in files.items()}
                for host, files in document["secrets"].items()
            },
        )
        devices = tuple(
            DeviceChange(
                d["device"],
                d["platform"],
                d["address"],
                tuple(d["commands"]),
                tuple(d["rollback"]),
                str(d["running"]),
            )
            for d in document["devices"]
        )
        return SavedPlan(
            document["estate_dir"],
            document["target"],
            Provenance(**document["provenance"]),
            document["fingerprints"],
            Plan(
                changes,
                desired,
                devices,
                {
                    str(host): tuple(Step(**step) for step in steps)
                    for host, steps in document["upkeep"].items()
                },
            ),
            str(document["secrets_digest"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise PlanFileError(f"unreadable plan file: {error}") from None


def write_plan_file(path: Path, saved: SavedPlan) -> None:
    write_private(path, dump(saved))


def write_private(path: Path, data: bytes) -> None:
    """Write `path` with mode 0600 via a temporary file and a rename."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}."
    )
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
