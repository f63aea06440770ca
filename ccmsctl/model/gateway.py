"""The `Gateway` kind: a media gateway (E1/PRI or analogue) at a site."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Name


class Gateway(Document):
    """A TDM gateway seen by the PBX as a SIP peer."""

    kind: Literal["Gateway"]
    site: Name
    vendor: StrictStr
    model: StrictStr = ""
    address: IPv4Address | IPv6Address
    interface: Literal["e1", "t1", "fxo", "fxs"] = "e1"
    spans: int = Field(default=1, ge=1, le=64, strict=True)
    secret: SecretRef | None = None
