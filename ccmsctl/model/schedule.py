"""The `Schedule` kind: weekly opening hours and public holidays in a time zone."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Clock, Text, TimeZone

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class OpeningHours(Model):
    days: tuple[Weekday, ...] = Field(description="the weekdays these hours apply to", min_length=1)
    open: Clock = Field(description="opening time (HH:MM), in the schedule's time zone")
    close: Clock = Field(
        description="closing time (HH:MM); before open: the hours run past midnight"
    )

    @model_validator(mode="after")
    def _open_before_close(self) -> OpeningHours:
        if self.close <= self.open:
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        return self


class Holiday(Model):
    """A closed day, or an inclusive run of days from `date` to `until`."""

    MERGE_KEY = "date"

    name: Text = Field(description="the holiday's name")
    date: datetime.date = Field(description="its (first) day")
    until: datetime.date | None = Field(
        default=None, description="its last day, for a holiday of several days"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.until is not None and self.until < self.date:
            raise ValueError("until comes before date")
        return self


class Schedule(Document):
    kind: Literal["Schedule"] = Field(description="the document's kind: Schedule")
    timezone: TimeZone = Field(description="the time zone the hours are in (IANA)")
    weekly: tuple[OpeningHours, ...] = Field(description="the weekly opening hours", min_length=1)
    holidays: tuple[Holiday, ...] = Field(
        default=(), description="days closed whatever the weekly hours say"
    )
