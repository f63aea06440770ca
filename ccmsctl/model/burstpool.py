"""The `BurstPool` kind: cloud nodes that take calls when the sites run out of room."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from itertools import islice
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ccmsctl.model.base import BINDING, Document, Model
from ccmsctl.model.retention import DataClass
from ccmsctl.model.types import Country, Duration, Name, Network, Token, within

Provider = Literal["aws", "azure", "gcp", "aliyun", "tencent", "huawei"]


class ScaleTrigger(Model):
    """Scale out when `metric` stays above `above` for `for_`."""

    metric: Literal["channel_utilisation", "queue_wait", "cpu"] = Field(
        description="what is watched: channel_utilisation, queue_wait or cpu"
    )
    above: float = Field(
        description="the value past which the pool grows", gt=0, le=1_000_000, allow_inf_nan=False
    )
    for_: Annotated[Duration, within("0s", "1d")] = Field(
        description="how long the value must stay past it", alias="for"
    )


@dataclass(frozen=True)
class BurstNode:
    """One running node of a pool: `<pool>-<n>`, on the n-th host address of its subnet."""

    name: str
    pool: str
    address: IPv4Address


class BurstPool(Document):
    kind: Literal["BurstPool"] = Field(description="the document's kind: BurstPool")
    provider: Provider = Field(description="the cloud provider")
    region: Token = Field(description="the provider's region id, e.g. cn-shanghai")
    country: Country = Field(description="the country the nodes run in (residency applies)")
    node_template: Token
    min: int = Field(
        description="the fewest nodes running",
        ge=0,
        le=1000,
        strict=True,
        json_schema_extra=BINDING,
    )
    max: int = Field(
        description="the most nodes running", ge=1, le=1000, strict=True, json_schema_extra=BINDING
    )
    node_channels: int = Field(
        ge=1,
        le=100_000,
        strict=True,
        description="media channels one node carries",
        json_schema_extra=BINDING,
    )
    serves: tuple[Name, ...] = Field(min_length=1, description="sites whose calls it may take")
    data_classes: tuple[DataClass, ...] = Field(description="data the nodes process or keep")
    trigger: ScaleTrigger = Field(description="when the pool grows")
    subnet: Network = Field(
        description="the nodes' addresses: node 1 on its first host address, and so on"
    )
    nodes: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        strict=True,
        json_schema_extra=BINDING,
        description="nodes running now, `min` if not given (`ccmsctl burst scale` sets it)",
    )

    @model_validator(mode="after")
    def _sized(self) -> BurstPool:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if not self.min <= self.running <= self.max:
            raise ValueError(f"nodes ({self.running}) is outside min..max ({self.min}..{self.max})")
        room = sum(1 for _ in islice(self.subnet.hosts(), self.max))
        if room < self.max:
            raise ValueError(
                f"subnet {self.subnet} holds {room} nodes, fewer than max ({self.max})"
            )
        if len(f"{self.name}-{self.max}") > 64:
            raise ValueError(f"name {self.name!r} is too long to name its nodes ({self.name}-N)")
        return self

    @property
    def running(self) -> int:
        return self.min if self.nodes is None else self.nodes

    def burst_nodes(self) -> tuple[BurstNode, ...]:
        """The nodes running now, in order."""
        addresses = islice(self.subnet.hosts(), self.running)
        return tuple(
            BurstNode(f"{self.name}-{n}", self.name, address)
            for n, address in enumerate(addresses, start=1)
        )
