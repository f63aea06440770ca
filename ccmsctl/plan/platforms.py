"""Everything ccmsctl knows of each network platform, as data, in one place: how its
configuration writes comments, which top-level sections of a running configuration ccmsctl
manages (everything else on the device is left alone by remediation), hier_config's model of
it, and how its command line is driven (show, configure, leave, save or commit). The
intended configuration comes from templates/network/<platform>.j2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType


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


PLATFORMS = MappingProxyType(
    {
        "cisco_ios": PlatformRules(
            "CISCO_IOS",
            "!",
            (
                r"^vlan {vlan}$",
                r"^ip access-list extended CCMS-",
                r"^class-map .*CCMS-",
                r"^policy-map CCMS-",
                r"^interface ({ports})$",
            ),
            interface_lines=r"^\s+(switchport mode |switchport voice vlan "
            r"|service-policy input CCMS-|ip access-group CCMS-|mls qos trust )",
        ),
        "arista_eos": PlatformRules(
            "ARISTA_EOS",
            "!",
            (
                r"^vlan {vlan}$",
                r"^ip access-list CCMS-",
                r"^class-map .*CCMS-",
                r"^policy-map .*CCMS-",
                r"^interface ({ports})$",
            ),
            interface_lines=r"^\s+(switchport mode |switchport phone "
            r"|service-policy type qos input CCMS-|ip access-group CCMS-|qos trust )",
        ),
        "juniper_junos": PlatformRules(
            "JUNIPER_JUNOS",
            "#",
            (
                r"^set vlans {vlan_name} ",
                r"^set switch-options voip interface ({ports})\.",
                r"^set firewall family inet filter CCMS-",
                r"^set class-of-service .*CCMS-",
                r"^set interfaces ({ports}) unit 0 family inet filter input CCMS-",
            ),
            show_running="show configuration | display set",
            candidate=True,
            configure=("", ""),
            end=("", ""),
        ),
        "huawei_vrp": PlatformRules(
            "HUAWEI_VRP",
            "#",
            (
                r"^vlan {vlan}$",
                r"^acl name CCMS-",
                r"^traffic (classifier|behavior|policy) CCMS-",
                r"^interface ({ports})$",
            ),
            interface_lines=r"^\s+(voice-vlan |traffic-policy CCMS-|port link-type "
            r"|traffic-filter inbound acl name CCMS-|trust dscp)",
            leave_section="quit",
            show_running="display current-configuration",
            configure=("system-view", r"\[{prompt}\]"),
            end=("return", r"<{prompt}>"),
        ),
    }
)
