"""The `Alerting` kind: Prometheus thresholds and where alerts are routed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Name


class Threshold(Model):
    name: Name
    metric: StrictStr = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    above: float | None = None
    below: float | None = None
    for_: Duration = Field(alias="for")
    severity: Literal["page", "ticket", "info"] = "ticket"


class Alerting(Document):
    kind: Literal["Alerting"]
    receiver: StrictStr = Field(description="Alertmanager receiver name")
    scrape_interval: Duration = Field(default="30s", validate_default=True)
    thresholds: tuple[Threshold, ...] = ()
