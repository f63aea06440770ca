"""The `Agent` kind: a person who takes calls, with skills at levels 1 (novice) to 10, and
the password their phone registers with (a secret reference)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ccmsctl.model.base import Document
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import DisplayName, Extension, Language, Name, Skill

Level = Annotated[int, Field(ge=1, le=10, strict=True)]


class Agent(Document):
    kind: Literal["Agent"]
    display_name: DisplayName
    site: Name
    extension: Extension
    sip_password: SecretRef = Field(description="what the agent's phone authenticates with")
    languages: tuple[Language, ...] = Field(min_length=1)
    skills: dict[Skill, Level] = Field(min_length=1)
