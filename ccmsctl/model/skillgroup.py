"""The `SkillGroup` kind: a queue of agents chosen by skill, with its service targets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import E164, Duration, Extension, Language, Name, Skill

Strategy = Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear"]


class ServiceLevel(Model):
    """`percent` of calls answered `within` the time, e.g. 80% in 20 s."""

    percent: int = Field(ge=1, le=100, strict=True)
    within: Duration


class Forecast(Model):
    """Busiest hour's offered calls and average handle time, for capacity checks."""

    peak_calls_per_hour: int = Field(ge=0, strict=True)
    average_handle_time: Duration


class Overflow(Model):
    """Where a call goes after `max_wait`: exactly one of the targets."""

    skill_group: Name | None = None
    transfer: E164 | None = None
    voicemail: Extension | None = None


class SkillGroup(Document):
    kind: Literal["SkillGroup"]
    sites: tuple[Name, ...] = Field(min_length=1, description="sites whose PBX hosts the queue")
    skills: tuple[Skill, ...] = Field(min_length=1, description="skills every member needs")
    strategy: Strategy = "leastrecent"
    weight: int = Field(default=0, ge=0, le=100, strict=True)
    wrapup: Duration = Field(default="10s", validate_default=True)
    service_level: ServiceLevel
    max_wait: Duration
    overflow: Overflow | None = None
    languages: tuple[Language, ...] = Field(min_length=1)
    recording_class: Name | None = Field(default=None, description="a retention class")
    forecast: Forecast | None = None
