"""The `BurstPool` kind: cloud nodes that take calls when the sites run out of room."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.retention import DataClass
from ccmsctl.model.types import Country, Duration, Name, Token, within

Provider = Literal["aws", "azure", "gcp", "aliyun", "tencent", "huawei"]


class ScaleTrigger(Model):
    """Scale out when `metric` stays above `above` for `for_`."""

    metric: Literal["channel_utilisation", "queue_wait", "cpu"]
    above: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    for_: Annotated[Duration, within("0s", "1d")] = Field(alias="for")


class BurstPool(Document):
    kind: Literal["BurstPool"]
    provider: Provider
    region: Token = Field(description="the provider's region id, e.g. cn-shanghai")
    country: Country
    node_template: Token
    min: int = Field(ge=0, le=1000, strict=True)
    max: int = Field(ge=1, le=1000, strict=True)
    node_channels: int = Field(
        ge=1, le=100_000, strict=True, description="media channels one node carries"
    )
    serves: tuple[Name, ...] = Field(min_length=1, description="sites whose calls it may take")
    data_classes: tuple[DataClass, ...] = Field(description="data the nodes process or keep")
    trigger: ScaleTrigger

    @model_validator(mode="after")
    def _min_not_above_max(self) -> BurstPool:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self
