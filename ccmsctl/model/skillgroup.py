"""The `SkillGroup` kind: a queue of agents chosen by skill, with its service targets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import E164, Duration, Extension, Language, Name, Skill, within

Strategy = Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear"]


AnswerTime = Annotated[Duration, within("1s", "1h")]  # (a field is named `within`)


class ServiceLevel(Model):
    """`percent` of calls answered `within` the time, e.g. 80% in 20 s."""

    percent: int = Field(
        description="the share of calls to answer within the time", ge=1, le=100, strict=True
    )
    within: AnswerTime = Field(description="the answer time the target counts")


class Forecast(Model):
    """Busiest hour's offered calls and average handle time, for capacity checks."""

    peak_calls_per_hour: int = Field(
        description="calls in the busiest hour", ge=0, le=1_000_000, strict=True
    )
    average_handle_time: Annotated[Duration, within("1s", "4h")] = Field(
        description="talk plus wrap-up time per call"
    )


class Overflow(Model):
    """Where a call goes after `max_wait`: exactly one of the targets."""

    skill_group: Name | None = Field(
        default=None, description="another skill group the caller waits for next"
    )
    transfer: E164 | None = Field(default=None, description="an E.164 number the call is sent to")
    voicemail: Extension | None = Field(
        default=None, description="a mailbox the caller leaves a message in"
    )


class SkillGroup(Document):
    kind: Literal["SkillGroup"] = Field(description="the document's kind: SkillGroup")
    sites: tuple[Name, ...] = Field(min_length=1, description="sites whose PBX hosts the queue")
    skills: tuple[Skill, ...] = Field(min_length=1, description="skills every member needs")
    strategy: Strategy = Field(
        default="leastrecent",
        description="how the queue picks the agent to ring (Asterisk's strategies)",
    )
    weight: int = Field(
        description="the queue's priority over others sharing agents (higher first)",
        default=0,
        ge=0,
        le=100,
        strict=True,
    )
    wrapup: Annotated[Duration, within("0s", "1h")] = Field(
        description="time an agent gets after a call before the next rings",
        default="10s",
        validate_default=True,
    )
    service_level: ServiceLevel = Field(description="the answer-time target")
    max_wait: Annotated[Duration, within("1s", "1d")] = Field(
        description="the longest a caller waits before the overflow"
    )
    overflow: Overflow | None = Field(
        default=None, description="where a caller goes after max_wait"
    )
    languages: tuple[Language, ...] = Field(
        description="the languages its callers speak", min_length=1
    )
    recording_class: Name | dict[Name, Name] | None = Field(
        default=None,
        description="the retention class of the group's recordings, or one per site "
        "({site: class}) for a group whose sites are under different laws",
    )
    forecast: Forecast | None = Field(
        default=None, description="the busiest hour's load, for capacity planning"
    )

    def recording_class_at(self, site: str, twin: str | None = None) -> str | None:
        """The retention class a PBX of `site` records this group's calls into (a site that
        takes its twin's calls on failover records them as its twin would)."""
        if isinstance(self.recording_class, dict):
            found = self.recording_class.get(site)
            return found if found or twin is None else self.recording_class.get(twin)
        return self.recording_class

    def recording_references(self) -> list[tuple[tuple[str, ...], str]]:
        """(path in the document, retention class) for each class the group names."""
        if isinstance(self.recording_class, dict):
            return [(("recording_class", s), c) for s, c in self.recording_class.items()]
        return [(("recording_class",), self.recording_class)] if self.recording_class else []
