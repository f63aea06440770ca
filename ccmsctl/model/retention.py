"""The `RetentionPolicy` kind: how long each data class is kept, and where.

`classes` are the retention classes that skill groups name for their recordings;
`legal_minimum` is what the jurisdiction's law requires at least.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Country, Duration, Name

DataClass = Literal["recording", "cdr", "transcript", "log"]


class RetentionClass(Model):
    name: Name
    data_class: DataClass
    keep: Duration
    legal_hold: StrictBool = False
    erase_on_request: Duration | None = Field(
        default=None, description="deadline to erase a subject's data after a request"
    )
    encryption_at_rest: StrictBool = True
    store: tuple[Name, ...] = Field(min_length=1, description="sites that may hold this data")


class RetentionPolicy(Document):
    kind: Literal["RetentionPolicy"]
    jurisdiction: Country
    legal_minimum: dict[DataClass, Duration] = Field(default_factory=dict)
    classes: tuple[RetentionClass, ...] = Field(min_length=1)
