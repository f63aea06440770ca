"""The `TwinPair` kind: two sites that back each other up."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ccmsctl.model.base import Document, Model
from ccmsctl.model.types import Address, Duration, Name, within


class Vip(Model):
    """The virtual address a site's edge pair holds with VRRP."""

    MERGE_KEY = "site"

    site: Name
    address: Address = Field(
        description="the VIP the site's edges hold by VRRP: carriers send calls to it"
    )


class HealthCheck(Model):
    """How the pair's edges check Kamailio and the PBXs: keepalived's check of its own
    Kamailio, the dispatcher's OPTIONS to the PBXs, and how long a PBX may be silent to a
    call before the next one is tried."""

    interval: Annotated[Duration, within("1s", "1h")] = Field(
        default="2s", validate_default=True, description="time between checks"
    )
    timeout: Annotated[Duration, within("1s", "1h")] = Field(
        default="1s",
        validate_default=True,
        description="how long a check (or a PBX a call) may go unanswered before it fails",
    )
    failures: int = Field(
        default=3, ge=1, le=20, strict=True, description="failed checks in a row that fail over"
    )


class TwinPair(Document):
    """Twin data centers: which is primary, their VIPs, and how fast failover must be."""

    kind: Literal["TwinPair"] = Field(description="the document's kind: TwinPair")
    sites: tuple[Name, Name] = Field(description="the two sites that back each other up")
    mode: Literal["active-standby", "active-active"] = Field(
        description="active-standby (the primary takes calls, the other waits) or active-active"
    )
    primary: Name | None = Field(default=None, description="required for active-standby")
    vips: tuple[Vip, ...] = Field(
        default=(),
        description="each site's VIP (sites without one take calls on their edges' own addresses)",
    )
    health_check: HealthCheck = Field(
        default=HealthCheck(), description="how edges and PBXs are checked and failed over"
    )
    rto: Annotated[Duration, within("1s", "1d")] = Field(
        description="recovery time objective, e.g. 60s"
    )

    def primary_site(self) -> str:
        """The side changed last and preferred by callers: `primary`, or in active-active
        the first site by name."""
        return self.primary if self.primary in self.sites else sorted(self.sites)[0]

    def vip_of(self, site: str) -> Vip | None:
        """The VIP `site`'s edges hold, if the pair gives it one."""
        return next((vip for vip in self.vips if vip.site == site), None)

    def standby_site(self) -> str:
        """The side changed first."""
        primary = self.primary_site()
        return next((site for site in self.sites if site != primary), primary)

    def side_of(self, site: str) -> Literal["primary", "standby", "secondary"]:
        """What `site` is in the pair, in the one vocabulary every output uses: `primary`,
        and the other side `standby` (active-standby) or `secondary` (active-active, where
        neither waits)."""
        if site == self.primary_site():
            return "primary"
        return "standby" if self.mode == "active-standby" else "secondary"

    def preference_of(self, site: str) -> int:
        """How the carriers rank `site`: 1, or 2 for the standby side (they try it when the
        primary does not answer); an active-active pair takes calls on both sides alike."""
        return 2 if self.side_of(site) == "standby" else 1
