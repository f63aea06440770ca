"""The `Estate` kind: one per estate, naming it and its defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Language, Text
from ccmsctl.model.waiver import WaiverPolicy


class Limits(Model):
    """How much work the estate may ask for. The defaults suit a large contact center; raise
    them here, on purpose, when the estate really is bigger."""

    dids_per_range: int = Field(
        default=100_000, ge=1, le=10_000_000, strict=True, description="DIDs in one NumberRange"
    )
    dids: int = Field(
        default=1_000_000, ge=1, le=10_000_000, strict=True, description="DIDs in the estate"
    )


class CapacityTarget(Model):
    """What the estate is sized for at the busy hour."""

    blocking: float = Field(
        default=0.01,
        gt=0,
        le=0.2,
        strict=True,
        description="share of calls that may find every trunk channel busy (Erlang B)",
    )


class ReportScope(Model):
    """What the compliance report speaks for beyond what ccmsctl configures (its sites'
    edges and PBXs, its burst pools), and what it does not."""

    includes: tuple[Text, ...] = Field(default=(), description="systems also in scope")
    excludes: tuple[Text, ...] = Field(
        default=(), description="systems out of scope, e.g. agents' phones, the CRM"
    )


ESTATE_FORMAT = 2  # the estate format this version writes (ccmsctl/load/migrate.py)


class EstateInfo(Document):
    """What the estate is called, who runs it, and its SIP domain."""

    kind: Literal["Estate"] = Field(description="the document's kind: Estate")
    format: int = Field(
        default=1,
        ge=1,
        strict=True,
        description="the estate format the documents are written for; an estate that "
        "states none is of format 1 (`ccmsctl fmt --migrate` brings it up to date)",
    )
    organisation: Text = Field(
        default="", description="the organisation the contact center serves (the report's cover)"
    )
    contact: Text = Field(default="", description="who is paged for this estate")
    sip_domain: StrictStr = Field(
        description="the estate's SIP domain: the edges answer to it (Kamailio's alias) and "
        "ping from it",
        pattern=r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$",
    )
    default_language: Language = Field(
        default="en-US", description="callers' language where an IVR names none (BCP 47)"
    )
    limits: Limits = Field(
        default=Limits(),
        description="ceilings on DIDs, raised on purpose: a typo in a range cannot make millions",
    )
    capacity: CapacityTarget = Field(
        default=CapacityTarget(),
        description="the blocking target capacity plans each trunk and PBX for",
    )
    scope: ReportScope = Field(
        default=ReportScope(), description="what the compliance report covers and does not"
    )
    waivers: WaiverPolicy = Field(
        default=WaiverPolicy(), description="what a Waiver may silence, for how long"
    )
    node_exporter: bool = Field(
        default=True,
        description="install Debian's prometheus-node-exporter on every host and keep it "
        "running (the generated alerts read its disk figures and the VRRP and queue figures "
        "the hosts write to its textfile folder); false where the monitoring baseline runs "
        "its own on port 9100, reading Debian's textfile folder",
    )
