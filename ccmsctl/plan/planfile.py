"""A plan saved to a file, to be applied exactly as reviewed.

The file holds the plan's changes and upkeep steps, every desired file's bytes, where the
plan came from and a fingerprint of each target host's state. It holds no secret: the files
made of secrets are kept as their references, and what they hold (the values, the hosts'
copies) only as one salted scrypt digest that apply checks. It is still written with mode
0600, atomically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ConfigDict, TypeAdapter, ValidationError

from ccmsctl.errors import Span, UserError
from ccmsctl.files import write_private
from ccmsctl.plan.ancestry import StepBack
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.provenance import Provenance

FORMAT = "ccmsctl-plan"
VERSION = 6


class PlanFileError(UserError):
    """The file is not a plan this version of ccmsctl can read."""

    code = "E1202"


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
    environment: str | None = None  # the estate's environment planned (None: the base)
    steps_back: tuple[StepBack, ...] = ()  # hosts whose newer commit this plan would undo


# The file is JSON; pydantic turns the plan's dataclasses into it and back, bytes as base64
# (the wrapping tuple lets the config reach the dataclasses inside)
_ADAPTER: TypeAdapter[tuple[SavedPlan]] = TypeAdapter(
    tuple[SavedPlan], config=ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")
)


def dump(saved: SavedPlan) -> bytes:
    """The plan file's bytes: its format and version, then the plan (deterministic: the same
    plan gives the same bytes)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "plan": _ADAPTER.dump_python((saved,), mode="json")[0],
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def load(data: bytes, name: str = "<plan>") -> SavedPlan:
    """The plan in the bytes of the plan file `name`; PlanFileError if they are not one this
    version of ccmsctl reads (located where the file is not JSON)."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        at = Span(name, error.lineno, error.colno)
        raise PlanFileError(f"unreadable plan file: {error.msg}", at) from None
    except ValueError as error:
        raise PlanFileError(f"unreadable plan file: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PlanFileError("not a ccmsctl plan file")
    if document.get("version") != VERSION:
        raise PlanFileError(f"not a ccmsctl plan file of version {VERSION}: plan again")
    try:
        return _ADAPTER.validate_json(json.dumps([document.get("plan")]))[0]
    except ValidationError as error:
        where = ".".join(str(part) for part in error.errors()[0]["loc"][1:])
        raise PlanFileError(f"unreadable plan file: {where}: {error.errors()[0]['msg']}") from None


def write_plan_file(path: Path, saved: SavedPlan) -> None:
    write_private(path, dump(saved))
