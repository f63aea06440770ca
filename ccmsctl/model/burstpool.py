"""The `BurstPool` kind: cloud nodes that take calls when the sites run out of room."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.retention import DataClass
from ccmsctl.model.types import Country, Duration, Name


class ScaleTrigger(Model):
    """Scale out when `metric` stays above `above` for `for_`."""

    metric: Literal["channel_utilisation", "queue_wait", "cpu"]
    above: float = Field(gt=0)
    for_: Duration = Field(alias="for")


class BurstPool(Document):
    kind: Literal["BurstPool"]
    provider: StrictStr
    region: StrictStr
    country: Country
    node_template: StrictStr
    min: int = Field(ge=0, strict=True)
    max: int = Field(ge=1, strict=True)
    serves: tuple[Name, ...] = Field(min_length=1, description="sites whose calls it may take")
    data_classes: tuple[DataClass, ...] = Field(description="data the nodes process or keep")
    trigger: ScaleTrigger

    @model_validator(mode="after")
    def _min_not_above_max(self) -> BurstPool:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self
