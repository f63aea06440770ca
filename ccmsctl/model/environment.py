"""The `Environment` kind and what an environment's overlay documents may do.

An estate's base holds every document; `environments/<name>/` holds one `Environment`
document naming the environment, and documents that change the base for it, each saying how
with `overlay:` — `add` a document the base lacks, `patch` one it has (mappings merged, lists
of named items merged by their key, anything else replaced, `null` back to the default), or
`remove` one. An item of a keyed list is removed with `overlay: remove` beside its key.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from pydantic import Field
from pydantic.fields import FieldInfo

from ccmsctl.model.base import BINDING, Document
from ccmsctl.model.secret import SecretRef

ENVIRONMENTS = "environments"  # the estate's folder of environment overlays
OVERLAY = "overlay"  # the key saying what an overlay document or list item does


class Overlay(StrEnum):
    add = "add"
    patch = "patch"
    remove = "remove"


class Environment(Document):
    """One environment of the estate (staging, production): its folder's overlay applies to
    the base for every command given `--env NAME`."""

    kind: Literal["Environment"] = Field(description="the document's kind: Environment")


def is_binding(value: object, field: FieldInfo | None) -> bool:
    """Whether `value` (of `field`, where it has one) is a binding: a value each environment
    sets for itself — an address or network, a secret reference, or a field the model marks
    (numbers, sizes, ports)."""
    if isinstance(value, IPv4Address | IPv4Network | SecretRef):
        return True
    extra = field.json_schema_extra if field is not None else None
    return isinstance(extra, dict) and all(extra.get(key) == on for key, on in BINDING.items())
