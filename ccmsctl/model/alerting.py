"""The `Alerting` kind: Prometheus thresholds and where alerts are routed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr, field_validator, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Name, Network, Text, within


class Threshold(Model):
    MERGE_KEY = "name"

    name: Name
    metric: StrictStr = Field(
        description="the Prometheus metric the rule watches",
        pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$",
    )
    above: float | None = Field(
        description="alert when the metric is above this", default=None, allow_inf_nan=False
    )
    below: float | None = Field(
        description="alert when the metric is below this", default=None, allow_inf_nan=False
    )
    for_: Annotated[Duration, within("0s", "7d")] = Field(
        description="how long the condition must hold", alias="for"
    )
    severity: Literal["page", "ticket", "info"] = Field(
        default="ticket", description="page, ticket or info: how the alert is routed"
    )
    runbook: Text = Field(
        default="",
        description="what to do when it fires: a URL or one line of text (the alert's "
        "runbook annotation)",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Threshold:
        if self.above is None and self.below is None:
            raise ValueError("a threshold needs `above`, `below` or both")
        return self

    @field_validator("runbook")
    @classmethod
    def _literal(cls, value: str) -> str:
        if "{{" in value or "}}" in value:
            raise ValueError(
                "a runbook may not hold '{{' or '}}': Prometheus reads them as a template"
            )
        return value


class Alerting(Document):
    kind: Literal["Alerting"] = Field(description="the document's kind: Alerting")
    receiver: StrictStr = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$",
        description="the Alertmanager receiver its alerts are routed to (the generated "
        "prometheus/alertmanager-route.yml matches them by their `receiver` label); letters, "
        "digits, spaces and . _ @ - only, as Prometheus would read braces or quotes in a "
        "label as a template",
    )
    scrape_interval: Annotated[Duration, within("1s", "1h")] = Field(
        default="30s",
        validate_default=True,
        description="how often Prometheus scrapes the estate and evaluates its rules; a "
        "target is down after three missed scrapes",
    )
    thresholds: tuple[Threshold, ...] = Field(
        default=(), description="the alert rules of the estate's own thresholds"
    )
    scrapers: tuple[Network, ...] = Field(
        default=(),
        description="the addresses Prometheus scrapes the estate from: each edge answers "
        "its /metrics (port 9494) to these only, and 403 to any other source; empty: to "
        "anyone who reaches the port",
    )
