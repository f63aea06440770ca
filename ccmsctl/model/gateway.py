"""The `Gateway` kind: a media gateway (E1/PRI or analogue) at a site."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccmsctl.model.base import BINDING, Document
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, Name, Text


class Gateway(Document):
    """A TDM gateway seen by the PBX as a SIP peer."""

    kind: Literal["Gateway"]
    site: Name
    vendor: Text
    model: Text = ""
    address: Address
    interface: Literal["e1", "t1", "fxo", "fxs"] = "e1"
    spans: int = Field(default=1, ge=1, le=64, strict=True, json_schema_extra=BINDING)
    secret: SecretRef | None = None
