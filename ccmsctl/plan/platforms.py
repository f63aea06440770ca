"""Everything ccmsctl knows of each network platform, as data: how its configuration writes
comments, which top-level sections of a running configuration ccmsctl manages (everything
else on the device is left alone by remediation), hier_config's model of it, and how its
command line is driven (show, configure, leave, save or commit). Each platform's rules are
the [rules] table of templates/network/<platform>/platform.toml, beside the config.j2 that
renders its intended configuration (tooling.network_platforms())."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ccmsctl import tooling


@dataclass(frozen=True)
class PlatformRules:
    hier: str  # hier_config's model of the platform's configuration: a Platform's name
    comment: str  # how the platform's configuration writes a comment line
    managed: tuple[str, ...]  # top-level lines ccmsctl owns: {vlan}, {vlan_name}, {ports}
    interface_lines: str = "(?!)"  # lines ccmsctl owns inside an interface it manages
    leave_section: str = ""  # typed to leave a section's view before the next one (VRP: quit)
    show_running: str = "show running-config"
    # a candidate configuration made live by `commit` (Junos) instead of saving the running
    # one: ccmsctl commits with `commit confirmed`, checks the device from a new session,
    # then confirms
    candidate: bool = False
    # entering and leaving configuration mode, each with the prompt that ends it ({prompt}:
    # the device's name): waiting for the prompt instead of netmiko's check of the mode,
    # which on some drivers (Huawei) idles two seconds each time; empty: netmiko's own
    configure: tuple[str, str] = ("configure terminal", r"{prompt}\(config\)#")
    end: tuple[str, str] = ("end", r"{prompt}#")

    def owned(self, vlan: int, vlan_name: str, ports: tuple[str, ...]) -> re.Pattern[str]:
        """One pattern matching every top-level line this device's voice config owns."""
        values = {
            "vlan": str(vlan),
            "vlan_name": re.escape(vlan_name),
            "ports": "|".join(re.escape(port) for port in ports) or "(?!)",
        }
        return re.compile("|".join(f"(?:{m.format(**values)})" for m in self.managed))


def _rules(table: Mapping[str, Any]) -> PlatformRules:
    found = dict(table)
    for key in ("managed", "configure", "end"):
        if key in found:
            found[key] = tuple(found[key])
    return PlatformRules(**found)


PLATFORMS: Mapping[str, PlatformRules] = MappingProxyType(
    {name: _rules(data["rules"]) for name, data in tooling.network_platforms().items()}
)
