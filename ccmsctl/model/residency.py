"""The `ResidencyPolicy` kind: in which countries a jurisdiction's data may be kept."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.retention import DataClass
from ccmsctl.model.types import Country

Mechanism = Literal[
    "adequacy",
    "standard-contract",
    "scc",
    "bcr",
    "certification",
    "security-assessment",
    "consent",
]


class ResidencyRule(Model):
    MERGE_KEY = "data_class"

    data_class: DataClass = Field(description="the kind of data the rule is for")
    allowed_countries: tuple[Country, ...] = Field(
        description="the countries the data may be stored or processed in", min_length=1
    )
    cross_border: Literal["forbidden", "allowed"] = Field(
        default="forbidden",
        description="whether it may leave the jurisdiction: forbidden or allowed",
    )
    mechanism: Mechanism | None = Field(
        default=None, description="the legal mechanism a transfer abroad relies on"
    )

    @model_validator(mode="after")
    def _mechanism_for_transfer(self) -> ResidencyRule:
        if self.cross_border == "allowed" and self.mechanism is None:
            raise ValueError("a cross-border transfer needs a mechanism")
        return self


class InTransit(Model):
    """What protects calls between the jurisdiction's sites and their carriers."""

    sip_tls: StrictBool = Field(default=False, description="signalling over SIP/TLS")
    srtp: StrictBool = Field(default=False, description="media as SRTP")


class ResidencyPolicy(Document):
    kind: Literal["ResidencyPolicy"] = Field(description="the document's kind: ResidencyPolicy")
    jurisdiction: Country = Field(description="the country whose law the policy follows")
    rules: tuple[ResidencyRule, ...] = Field(description="a rule per data class", min_length=1)
    encryption_in_transit: InTransit = Field(
        default=InTransit(),
        description="what every trunk of a site in the jurisdiction must use toward its carrier",
    )

    @model_validator(mode="after")
    def _forbidden_stays_home(self) -> ResidencyPolicy:
        for rule in self.rules:
            abroad = sorted(set(rule.allowed_countries) - {self.jurisdiction})
            if rule.cross_border == "forbidden" and abroad:
                raise ValueError(
                    f"{rule.data_class}: cross-border transfer is forbidden, "
                    f"yet {', '.join(abroad)} is allowed"
                )
        return self

    def allowed(self, data_class: str) -> frozenset[str] | None:
        """Countries where `data_class` may be kept; None when no rule speaks of it."""
        countries = {
            country
            for rule in self.rules
            if rule.data_class == data_class
            for country in rule.allowed_countries
        }
        return frozenset(countries) if countries else None
