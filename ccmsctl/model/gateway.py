"""The `Gateway` kind: a media gateway (E1/PRI or analogue) at a site."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccmsctl.model.base import BINDING, Document
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, Name, Text


class Gateway(Document):
    """A TDM gateway seen by the PBX as a SIP peer."""

    kind: Literal["Gateway"] = Field(description="the document's kind: Gateway")
    site: Name = Field(description="the site the gateway stands in")
    vendor: Text = Field(description="the gateway's maker")
    model: Text = Field(default="", description="the gateway's model")
    address: Address = Field(description="the gateway's IPv4 address")
    interface: Literal["e1", "t1", "fxo", "fxs"] = Field(
        default="e1", description="its TDM interface: e1, t1, fxo or fxs"
    )
    spans: int = Field(
        description="how many spans (E1/T1 lines) it has",
        default=1,
        ge=1,
        le=64,
        strict=True,
        json_schema_extra=BINDING,
    )
    secret: SecretRef | None = Field(
        default=None, description="the credential it authenticates with (a secret reference)"
    )
