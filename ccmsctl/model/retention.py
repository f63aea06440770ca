"""The `RetentionPolicy` kind: how long each data class is kept, where, how it is erased on
request and whether it is encrypted at rest.

`classes` are the retention classes that skill groups name for their recordings;
`legal_minimum` is what the jurisdiction's law requires at least, `legal_maximum` the longest
it allows; `erasure_deadline` is the longest the policy (law or contract) gives to meet a data
subject's erasure request; `require_encryption_at_rest` names the data classes that must be
encrypted at rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from ccmsctl.model.base import Document, Model
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Country, Duration, Name, within

DataClass = Literal["recording", "cdr", "transcript", "voicemail", "log"]
PERSONAL: tuple[DataClass, ...] = ("recording", "cdr", "transcript", "voicemail")
"""Data classes that hold a caller's personal data, and so are erased on request."""


class RetentionClass(Model):
    MERGE_KEY = "name"

    name: Name
    data_class: DataClass = Field(description="the kind of data: recording, cdr, voicemail or log")
    keep: Duration = Field(description="how long the data is kept before it is deleted")
    legal_hold: StrictBool = Field(
        default=False, description="never purged, and not erased on request, while the hold lasts"
    )
    erase_on_request: Annotated[Duration, within("1d", "365d")] | None = Field(
        default=None, description="deadline to erase a subject's data after a request"
    )
    encryption_at_rest: StrictBool = Field(
        default=False,
        description="recordings, and call-record files once rotated, are encrypted on the PBX "
        "to encryption_certificate; only the holder of its private key can read them",
    )
    encryption_certificate: SecretRef | None = Field(
        default=None, description="PEM certificate whose public key the data is encrypted to"
    )
    store: tuple[Name, ...] = Field(min_length=1, description="sites that may hold this data")

    @model_validator(mode="after")
    def _coherent(self) -> RetentionClass:
        if self.legal_hold and self.erase_on_request is not None:
            raise ValueError(
                "a class under legal hold is not erased on request: drop erase_on_request"
            )
        if self.encryption_at_rest and self.encryption_certificate is None:
            raise ValueError("encryption_at_rest needs the encryption_certificate to encrypt to")
        if self.encryption_certificate is not None and not self.encryption_at_rest:
            raise ValueError("an encryption_certificate without encryption_at_rest: true")
        if self.encryption_at_rest and self.data_class not in ("recording", "cdr"):
            raise ValueError(
                f"ccmsctl encrypts recordings and call records at rest, not {self.data_class} "
                "data: rely on the host's disk encryption and set encryption_at_rest: false"
            )
        return self


class RetentionPolicy(Document):
    kind: Literal["RetentionPolicy"] = Field(description="the document's kind: RetentionPolicy")
    jurisdiction: Country = Field(description="the country whose law the policy follows")
    legal_minimum: dict[DataClass, Duration] = Field(
        description="the least each data class must be kept", default_factory=dict
    )
    legal_maximum: dict[DataClass, Duration] = Field(
        default_factory=dict,
        description="longest the law or contract lets each data class be kept (a class under "
        "legal hold excepted)",
    )
    require_encryption_at_rest: tuple[DataClass, ...] = Field(
        default=(), description="data classes every class of this policy must encrypt at rest"
    )
    erasure_deadline: Annotated[Duration, within("1d", "365d")] | None = Field(
        default=None,
        description="longest time to meet an erasure request; every class of personal data "
        "not under legal hold must promise erase_on_request within it",
    )
    classes: tuple[RetentionClass, ...] = Field(
        description="the retention classes groups and IVRs name", min_length=1
    )


def retention_classes(policies: Iterable[RetentionPolicy]) -> dict[str, RetentionClass]:
    """Every retention class of `policies` by name (the first of a name: E0201 speaks of a
    second)."""
    found: dict[str, RetentionClass] = {}
    for policy in policies:
        for retention in policy.classes:
            found.setdefault(retention.name, retention)
    return found
