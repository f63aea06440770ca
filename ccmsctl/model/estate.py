"""The `Estate` kind: one per estate, naming it and its defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document
from ccmsctl.model.types import Language


class EstateInfo(Document):
    """What the estate is called, who runs it, and its SIP domain."""

    kind: Literal["Estate"]
    organisation: StrictStr = ""
    contact: StrictStr = Field(default="", description="who is paged for this estate")
    sip_domain: StrictStr = Field(pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
    default_language: Language = "en-US"
