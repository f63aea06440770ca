"""The one base for every model: closed and frozen, so a typo is an error, not a default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from ccmsctl.model.types import Name, Prose

# A field whose value an environment is expected to set for itself (an address, a number, a
# size, a secret reference): `ccmsctl env diff` lists a difference in one apart from the
# differences that mean staging no longer tests what production runs.
BINDING: JsonDict = {"x-binding": True}


class Model(BaseModel):
    """Closed (unknown keys are errors) and frozen (compiled views cannot change the estate).
    `MERGE_KEY`: the field that names an item of a list of this model, by which an
    environment's patch merges the list (None: the list has no key and cannot be patched)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)
    MERGE_KEY: ClassVar[str | None] = None


class Document(Model):
    """A top-level YAML document: `kind:` selects the model, `name:` identifies it."""

    name: Name
    description: Prose = Field(
        default="", description="what this document is for, for the people reading the estate"
    )
