"""The `NetworkDevice` kind: a switch or router of a site that carries voice."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Literal

from pydantic import Field, StrictStr

from ccmsctl.model.base import Document, Model
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Name

Platform = Literal["cisco_ios", "arista_eos", "juniper_junos", "huawei_vrp"]


class Vlan(Model):
    id: int = Field(ge=1, le=4094, strict=True)
    name: Name
    subnet: IPv4Network | IPv6Network | None = None


class Credentials(Model):
    username: StrictStr
    password: SecretRef


class NetworkDevice(Document):
    kind: Literal["NetworkDevice"]
    site: Name
    platform: Platform
    management: IPv4Address | IPv6Address
    port: int = Field(default=22, ge=1, le=65535, strict=True)
    credentials: Credentials
    voice_vlan: Vlan
    access_ports: tuple[StrictStr, ...] = ()
    uplinks: tuple[StrictStr, ...] = ()
