"""The `Waiver` kind: an accepted, time-boxed exception to a check, and the estate's policy
on what may be waived, for how long and by whom."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictStr
from pydantic_core import PydanticCustomError

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Prose, Text, within

_PLACEHOLDERS = frozenset({"nobody", "none", "n/a", "na", "tbd", "tba", "todo", "unknown", "-"})


def _real_approver(value: str) -> str:
    if value.strip().lower().rstrip(".") in _PLACEHOLDERS or not value.strip():
        raise PydanticCustomError(
            "approver",
            "'{value}' is not an approver: name the person or role who accepted it",
            {"value": value},
        )
    return value


Approver = Annotated[Text, AfterValidator(_real_approver)]
CodePattern = Annotated[StrictStr, Field(pattern=r"^[EW]([0-9]{4}|[0-9]{0,3}\*)$")]


class WaiverPolicy(Model):
    """What the estate lets a Waiver silence: codes (`W0901`) or code families (`W*`, `E08*`),
    for at most `max_lifetime` from approval. Residency errors (E07*) are never waivable
    unless listed by their own code or family."""

    waivable: tuple[CodePattern, ...] = Field(
        default=("W*",), description="codes or families (W*, E08*) a waiver may silence"
    )
    max_lifetime: Annotated[Duration, within("1d", "1095d")] = Field(
        default=timedelta(days=365), description="longest a waiver may run from its approval"
    )

    def allows(self, code: str) -> bool:
        """Whether a waiver may silence `code`; E07* only when listed as such."""
        for pattern in self.waivable:
            if pattern == code:
                return True
            if pattern.endswith("*") and code.startswith(pattern[:-1]):
                if code.startswith("E07") and not pattern.startswith("E07"):
                    continue
                return True
        return False

    def too_long(self, waiver: Waiver) -> bool:
        """Whether `waiver` runs longer from its approval than the policy allows."""
        return waiver.expires - waiver.approved_on > self.max_lifetime

    def admits(self, waiver: Waiver) -> bool:
        """Whether `waiver` may silence its finding at all (its dates aside)."""
        return self.allows(waiver.code) and not self.too_long(waiver)


class Waiver(Document):
    """Silences finding `code` on the document `target` ("Kind/name") from `approved_on`
    until `expires`, if the estate's waiver policy allows it."""

    kind: Literal["Waiver"] = Field(description="the document's kind: Waiver")
    code: StrictStr = Field(
        description="the finding code waived (E or W and four digits)", pattern=r"^[EW][0-9]{4}$"
    )
    target: StrictStr = Field(
        description="the document it applies to: Kind/name",
        pattern=r"^[A-Za-z]{1,20}/[a-z0-9][a-z0-9._-]{0,63}$",
    )
    reason: Prose = Field(description="why the finding is accepted", min_length=10)
    approved_by: Approver = Field(description="who accepted it (a named person, not a team)")
    approved_on: date = Field(description="when it was approved")
    expires: date = Field(description="its last day")
    ticket: Text = Field(
        default="",
        description="the change or risk ticket that records the acceptance (the report "
        "names it beside the findings the waiver silences)",
    )

    def live(self, today: date) -> bool:
        return self.approved_on <= today <= self.expires
