"""The `Alerting` kind: Prometheus thresholds and where alerts are routed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Name, Text, within


class Threshold(Model):
    name: Name
    metric: StrictStr = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$")
    above: float | None = Field(default=None, allow_inf_nan=False)
    below: float | None = Field(default=None, allow_inf_nan=False)
    for_: Annotated[Duration, within("0s", "7d")] = Field(alias="for")
    severity: Literal["page", "ticket", "info"] = "ticket"

    @model_validator(mode="after")
    def _bounded(self) -> Threshold:
        if self.above is None and self.below is None:
            raise ValueError("a threshold needs `above`, `below` or both")
        return self


class Alerting(Document):
    kind: Literal["Alerting"]
    receiver: Text = Field(
        description="the Alertmanager receiver its alerts are routed to (the generated "
        "prometheus/alertmanager-route.yml matches them by their `receiver` label)"
    )
    scrape_interval: Annotated[Duration, within("1s", "1h")] = Field(
        default="30s",
        validate_default=True,
        description="how often Prometheus scrapes the estate and evaluates its rules; a "
        "target is down after three missed scrapes",
    )
    thresholds: tuple[Threshold, ...] = ()
