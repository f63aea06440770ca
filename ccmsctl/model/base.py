"""The one base for every model: closed and frozen, so a typo is an error, not a default."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ccmsctl.model.types import Name, Prose


class Model(BaseModel):
    """Closed (unknown keys are errors) and frozen (compiled views cannot change the estate)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Document(Model):
    """A top-level YAML document: `kind:` selects the model, `name:` identifies it."""

    name: Name
    description: Prose = ""
