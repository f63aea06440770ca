"""The `Schedule` kind: weekly opening hours and public holidays in a time zone."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Clock, Text, TimeZone

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class OpeningHours(Model):
    days: tuple[Weekday, ...] = Field(min_length=1)
    open: Clock
    close: Clock

    @model_validator(mode="after")
    def _open_before_close(self) -> OpeningHours:
        if self.close <= self.open:
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        return self


class Holiday(Model):
    """A closed day, or an inclusive run of days from `date` to `until`."""

    MERGE_KEY = "date"

    name: Text
    date: datetime.date
    until: datetime.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.until is not None and self.until < self.date:
            raise ValueError("until comes before date")
        return self


class Schedule(Document):
    kind: Literal["Schedule"]
    timezone: TimeZone
    weekly: tuple[OpeningHours, ...] = Field(min_length=1)
    holidays: tuple[Holiday, ...] = ()
