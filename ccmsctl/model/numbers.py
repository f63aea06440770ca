"""The `NumberRange` kind: DIDs a carrier delivers, and where calls to them go."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ccmsctl.model.base import BINDING, Document
from ccmsctl.model.types import E164, Name


class NumberRange(Document):
    """A contiguous block `first`..`last`, or a list of single `numbers`; all E.164 strings."""

    kind: Literal["NumberRange"] = Field(description="the document's kind: NumberRange")
    trunk: Name = Field(description="the trunk the numbers arrive on")
    site: Name = Field(description="the site whose PBX owns these numbers")
    ivr: Name = Field(description="the IVR a call to these numbers enters")
    first: E164 | None = Field(
        description="the first number of a contiguous range (E.164)",
        default=None,
        json_schema_extra=BINDING,
    )
    last: E164 | None = Field(
        description="the last number of the range, as long as the first",
        default=None,
        json_schema_extra=BINDING,
    )
    numbers: tuple[E164, ...] = Field(
        description="single numbers (E.164), instead of first and last",
        default=(),
        json_schema_extra=BINDING,
    )

    @model_validator(mode="after")
    def _one_form(self) -> NumberRange:
        if self.numbers and (self.first or self.last):
            raise ValueError("give either first/last or numbers, not both")
        if not self.numbers and not (self.first and self.last):
            raise ValueError("give first and last, or numbers")
        if self.first and self.last:
            if len(self.first) != len(self.last):
                raise ValueError("first and last must have the same number of digits")
            if self.last < self.first:
                raise ValueError("last comes before first")
        return self

    def spans(self) -> list[tuple[int, int]]:
        """Inclusive integer intervals this range claims (digits after the '+')."""
        if self.first and self.last:
            return [(int(self.first[1:]), int(self.last[1:]))]
        return [(int(number[1:]), int(number[1:])) for number in self.numbers]

    def count(self) -> int:
        return sum(last - first + 1 for first, last in self.spans())
