"""The `NetworkDevice` kind: a switch or router of a site that carries voice."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ccmsctl.model.base import Document, Model
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, InterfaceName, LoginName, Name, Network

Platform = Literal["cisco_ios", "arista_eos", "juniper_junos", "huawei_vrp"]


class Vlan(Model):
    id: int = Field(ge=1, le=4094, strict=True)
    name: Name
    subnet: Network | None = None


class Credentials(Model):
    username: LoginName
    password: SecretRef


class NetworkDevice(Document):
    kind: Literal["NetworkDevice"]
    site: Name
    platform: Platform
    management: Address
    port: int = Field(default=22, ge=1, le=65535, strict=True)
    credentials: Credentials
    voice_vlan: Vlan
    access_ports: tuple[InterfaceName, ...] = ()
    uplinks: tuple[InterfaceName, ...] = ()
