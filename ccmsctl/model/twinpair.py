"""The `TwinPair` kind: two sites that back each other up."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from pydantic import Field

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Duration, Name


class Vip(Model):
    """The virtual address a site's edge pair holds with VRRP."""

    site: Name
    address: IPv4Address | IPv6Address


class HealthCheck(Model):
    interval: Duration = Field(default="2s", validate_default=True)
    timeout: Duration = Field(default="1s", validate_default=True)
    failures: int = Field(default=3, ge=1, le=20, strict=True)


class TwinPair(Document):
    """Twin data centers: which is primary, their VIPs, and how fast failover must be."""

    kind: Literal["TwinPair"]
    sites: tuple[Name, Name]
    mode: Literal["active-standby", "active-active"]
    primary: Name | None = Field(default=None, description="required for active-standby")
    vips: tuple[Vip, ...] = ()
    health_check: HealthCheck = HealthCheck()
    rto: Duration = Field(description="recovery time objective, e.g. 60s")
