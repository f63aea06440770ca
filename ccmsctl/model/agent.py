"""The `Agent` kind: a person who takes calls, with skills at levels 1 (novice) to 10."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ccmsctl.model.base import Document
from ccmsctl.model.types import DisplayName, Extension, Language, Name, Skill

Level = Annotated[int, Field(ge=1, le=10, strict=True)]


class Agent(Document):
    kind: Literal["Agent"]
    display_name: DisplayName
    site: Name
    extension: Extension
    languages: tuple[Language, ...] = Field(min_length=1)
    skills: dict[Skill, Level] = Field(min_length=1)
