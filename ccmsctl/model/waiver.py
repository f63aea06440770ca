"""The `Waiver` kind: an accepted, time-boxed exception to a check."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document
from ccmsctl.model.types import Prose, Text


class Waiver(Document):
    """Silences finding `code` on the document `target` ("Kind/name") until `expires`."""

    kind: Literal["Waiver"]
    code: StrictStr = Field(pattern=r"^[EW][0-9]{4}$")
    target: StrictStr = Field(pattern=r"^[A-Za-z]{1,20}/[a-z0-9][a-z0-9._-]{0,63}$")
    reason: Prose = Field(min_length=10)
    approved_by: Text
    expires: date
