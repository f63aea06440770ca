"""The `Alerting` kind: Prometheus thresholds and where alerts are routed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Name, Text, within


class Threshold(Model):
    name: Name
    metric: StrictStr = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$")
    above: float | None = Field(default=None, allow_inf_nan=False)
    below: float | None = Field(default=None, allow_inf_nan=False)
    for_: Annotated[Duration, within("0s", "7d")] = Field(alias="for")
    severity: Literal["page", "ticket", "info"] = "ticket"


class Alerting(Document):
    kind: Literal["Alerting"]
    receiver: Text = Field(description="Alertmanager receiver name")
    scrape_interval: Annotated[Duration, within("1s", "1h")] = Field(
        default="30s", validate_default=True
    )
    thresholds: tuple[Threshold, ...] = ()
