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
    port: int = Field(default=22, ge=1, le=65535, strict=True, json_schema_extra=BINDING)
    credentials: Credentials
    voice_vlan: Vlan
    access_ports: tuple[InterfaceName, ...] = ()
    uplinks: tuple[InterfaceName, ...] = ()
