"""The `Site` kind: a data center, office or cloud region, with its hosts."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import BINDING, Document, Model
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, Country, Name, Text, TimeZone

HostRole = Literal["edge", "pbx"]


class Host(Model):
    """A server of the site; its roles decide which artifacts it gets."""

    MERGE_KEY = "name"

    name: Name
    roles: tuple[HostRole, ...] = Field(
        description="what runs on the host: edge (Kamailio, keepalived), pbx (Asterisk)",
        min_length=1,
    )
    address: Address = Field(description="the host's IPv4 address: SSH, SIP and the ACLs use it")
    interface: StrictStr = Field(
        default="eth0", pattern=r"^[A-Za-z0-9_.:-]{1,15}$", description="NIC for VRRP (edge)"
    )
    channels: int = Field(
        default=0,
        ge=0,
        le=100_000,
        strict=True,
        json_schema_extra=BINDING,
        description="calls from trunks a PBX takes at once (pbx); 0 sets no limit, and the "
        "capacity checks count it as none",
    )


class TlsIdentity(Model):
    """What the site's edges present to carriers on their TLS listener: a PEM certificate
    (with its chain) and its private key, both behind secret references, delivered by apply
    to each edge (key readable by Kamailio's group only)."""

    certificate: SecretRef = Field(
        description="the PEM certificate the site's edges present on TLS"
    )
    private_key: SecretRef = Field(description="the PEM private key of that certificate")


class MlpsFiling(Model):
    """The site's MLPS 2.0 filing with the public security bureau, and its last graded
    assessment (GB/T 28448): level 3 systems are assessed every year, level 4 every half
    year, level 2 every two years."""

    number: Text = Field(description="the filing certificate's number")
    bureau: Text = Field(description="the public security bureau it is filed with")
    assessed: datetime.date = Field(description="the date of the last graded assessment")


class Site(Document):
    """Where hosts stand and whose law applies: country, region, time zone."""

    kind: Literal["Site"] = Field(description="the document's kind: Site")
    type: Literal["datacenter", "office", "cloud"] = Field(
        default="datacenter", description="what kind of place it is: datacenter, office or cloud"
    )
    country: Country = Field(
        description="the country the site stands in (ISO 3166-1): residency rules apply by it"
    )
    region: Text = Field(description="the region, for grouping and reports")
    timezone: TimeZone = Field(description="the site's IANA time zone")
    hosts: tuple[Host, ...] = Field(default=(), description="the site's servers: edges and PBXs")
    tls: TlsIdentity | None = Field(
        default=None, description="certificate and key of the edges' TLS listener"
    )
    mlps_level: int | None = Field(
        default=None,
        ge=1,
        le=5,
        strict=True,
        description="the China MLPS 2.0 protection level the site is filed under (CN sites)",
    )
    mlps_filing: MlpsFiling | None = Field(
        default=None,
        description="the filing of the site's MLPS level, and its last graded assessment "
        "(the report's CC-MLPS-1 checks it is there and not overdue)",
    )

    def hosts_with(self, role: HostRole) -> tuple[Host, ...]:
        return tuple(host for host in self.hosts if role in host.roles)
