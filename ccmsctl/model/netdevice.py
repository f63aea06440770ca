"""The `NetworkDevice` kind: a switch or router of a site that carries voice."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ccmsctl import tooling
from ccmsctl.model.base import BINDING, Document, Model
from ccmsctl.model.secret import SecretRef
from ccmsctl.model.types import Address, InterfaceName, LoginName, Name, Network

# the platforms ccmsctl drives: a folder each under templates/network/
PLATFORM_NAMES = tuple(tooling.network_platforms())


def _known(platform: str) -> str:
    if platform not in PLATFORM_NAMES:
        raise ValueError(f"unknown platform {platform!r}: one of {', '.join(PLATFORM_NAMES)}")
    return platform


Platform = Annotated[
    str, AfterValidator(_known), Field(json_schema_extra={"enum": list(PLATFORM_NAMES)})
]


class Vlan(Model):
    id: int = Field(description="the VLAN id", ge=1, le=4094, strict=True)
    name: Name
    subnet: Network | None = Field(default=None, description="the VLAN's subnet")


class Credentials(Model):
    username: LoginName
    password: SecretRef = Field(description="the login's password (a secret reference)")


class NetworkDevice(Document):
    kind: Literal["NetworkDevice"] = Field(description="the document's kind: NetworkDevice")
    site: Name
    platform: Platform = Field(
        description="the device's OS: cisco_ios, cisco_nxos, arista_eos, juniper_junos or "
        "huawei_vrp"
    )
    management: Address = Field(description="the address ccmsctl reaches it on over SSH")
    port: int = Field(
        description="the SSH port",
        default=22,
        ge=1,
        le=65535,
        strict=True,
        json_schema_extra=BINDING,
    )
    credentials: Credentials = Field(description="the login ccmsctl uses")
    voice_vlan: Vlan = Field(description="the VLAN of the voice network")
    access_ports: tuple[InterfaceName, ...] = Field(
        default=(), description="ports where phones and PBXs connect (in the voice VLAN)"
    )
    uplinks: tuple[InterfaceName, ...] = Field(
        default=(), description="ports that carry the voice VLAN tagged"
    )
