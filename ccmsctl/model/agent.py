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
    kind: Literal["Agent"] = Field(description="the document's kind: Agent")
    display_name: DisplayName = Field(
        description="the agent's name as people read it (caller ID name on the phone)"
    )
    site: Name
    extension: Extension
    sip_password: SecretRef = Field(description="what the agent's phone authenticates with")
    languages: tuple[Language, ...] = Field(
        description="the languages the agent takes calls in", min_length=1
    )
    skills: dict[Skill, Level] = Field(
        description="each skill with its level, 1 to 10 (higher rings first)", min_length=1
    )
