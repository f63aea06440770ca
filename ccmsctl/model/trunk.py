"""The `Trunk` kind: a carrier's SIP trunk into one or more sites."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from ccmsctl.model.base import BINDING, Document, Model
from ccmsctl.model.numbering import NUMBERING
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, Country, Name, SipUser, Text

Codec = Literal["PCMA", "PCMU", "G722", "G729", "opus"]


class Peer(Model):
    """A carrier signalling address: it is admitted by the edge ACL."""

    MERGE_KEY = "address"

    address: Address = Field(description="a carrier signalling address, admitted by the edges' ACL")
    port: int = Field(
        description="the peer's SIP port",
        default=5060,
        ge=1,
        le=65535,
        strict=True,
        json_schema_extra=BINDING,
    )


class TrunkAuth(Model):
    username: SipUser
    password: SecretRef = Field(description="the carrier account's password (a secret reference)")


class Trunk(Document):
    """Carrier, transport, peers, codecs and the channel limit that bounds concurrent calls."""

    kind: Literal["Trunk"] = Field(description="the document's kind: Trunk")
    carrier: Text = Field(description="the carrier's name, as people call it")
    sites: tuple[Name, ...] = Field(
        description="the sites the trunk reaches (their edges admit its peers)", min_length=1
    )
    transport: Literal["udp", "tcp", "tls"] = Field(
        default="udp", description="SIP transport toward the carrier: udp, tcp or tls"
    )
    peers: tuple[Peer, ...] = Field(
        description="the carrier's signalling addresses, in the order calls out try them",
        min_length=1,
    )
    codecs: tuple[Codec, ...] = Field(
        description="the codecs offered to the carrier, in order of preference",
        default=("PCMA",),
        min_length=1,
    )
    channels: int = Field(
        ge=1,
        le=100_000,
        strict=True,
        description="concurrent call limit",
        json_schema_extra=BINDING,
    )
    srtp: StrictBool = Field(default=False, description="media toward the carrier as SDES-SRTP")
    registration: StrictBool = Field(default=False, description="register to the carrier")
    auth: TrunkAuth | None = Field(
        default=None, description="the account the PBXs authenticate (and register) with"
    )
    national_numbers: Country | None = Field(
        default=None,
        description="the country whose national form the carrier writes called numbers in "
        "(021..., the trunk prefix and no country code); the edge reads them as E.164. "
        "Unset: E.164 (+8621..., or the same digits without the +)",
    )

    @field_validator("national_numbers")
    @classmethod
    def _numbering_known(cls, country: str | None) -> str | None:
        if country is not None and country not in NUMBERING:
            raise PydanticCustomError(
                "numbering",
                "no national numbering of '{country}' is known: give its numbers in E.164",
                {"country": country},
            )
        return country
