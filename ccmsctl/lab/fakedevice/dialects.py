"""The command lines the fake devices speak, as data: prompts, the commands netmiko's driver
for each platform sends, and the replies a real device gives. What ccmsctl itself knows of a
platform (hier_config's model, the show command) comes from plan/platforms.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hier_config import Platform

from ccmsctl.plan.platforms import PLATFORMS


@dataclass(frozen=True)
class Dialect:
    """What one platform's command line looks like: differences as data."""

    platform: Platform
    exec_prompt: str  # {host}
    config_prompt: str  # {host}
    sub_prompt: str  # {host}, {view}
    replies: dict[str, str]  # exec commands answered with fixed text (paging, width)
    show: tuple[str, ...]
    configure: tuple[str, ...]
    leave: tuple[str, ...]  # back to exec from anywhere
    up: tuple[str, ...]  # one level up
    save: tuple[str, ...]
    saved: str
    confirm: str  # a question save asks first, "" if none
    invalid: str
    sections: re.Pattern[str]
    nested: dict[str, re.Pattern[str]] = field(default_factory=dict)


_IOS_SECTIONS = re.compile(r"^(interface|vlan|ip access-list|class-map|policy-map|router|line) ")
DIALECTS = {
    "cisco_ios": Dialect(
        Platform[PLATFORMS["cisco_ios"].hier],
        "{host}#",
        "{host}(config)#",
        "{host}(config-sub)#",
        {"terminal length 0": "", "terminal width 511": ""},
        (PLATFORMS["cisco_ios"].show_running,),
        ("configure terminal",),
        ("end", "\x1a"),
        ("exit",),
        ("write memory", "write mem"),
        "Building configuration...\r\n[OK]\r\n",
        "",
        "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n",
        _IOS_SECTIONS,
        {"policy-map": re.compile(r"^class ")},
    ),
    "arista_eos": Dialect(
        Platform[PLATFORMS["arista_eos"].hier],
        "{host}#",
        "{host}(config)#",
        "{host}(config-sub)#",
        {
            "terminal length 0": "Pagination disabled.\r\n",
            "terminal width 511": "Width set to 511 columns.\r\n",
        },
        (PLATFORMS["arista_eos"].show_running,),
        ("configure terminal", "configure"),
        ("end",),
        ("exit",),
        ("write memory", "copy running-config startup-config"),
        "Copy completed successfully.\r\n",
        "",
        "% Invalid input\r\n",
        _IOS_SECTIONS,
        {"policy-map": re.compile(r"^class ")},
    ),
    "huawei_vrp": Dialect(
        Platform[PLATFORMS["huawei_vrp"].hier],
        "<{host}>",
        "[{host}]",
        "[{host}-{view}]",
        {
            "screen-length 0 temporary": "Info: The configuration takes effect on the current "
            "user terminal interface only.\r\n"
        },
        (PLATFORMS["huawei_vrp"].show_running,),
        ("system-view",),
        ("return",),
        ("quit",),
        ("save",),
        "Info: Save the configuration successfully.\r\n",
        "Warning: The current configuration will be written to the device. Continue? [Y/N]:",
        "Error: Unrecognized command found at '^' position.\r\n",
        re.compile(
            r"^(interface|vlan|acl name|traffic classifier|traffic behavior"
            r"|traffic policy) "
        ),
    ),
    # Junos has a command line of its own (Junos below); only these fields are used
    "juniper_junos": Dialect(
        Platform[PLATFORMS["juniper_junos"].hier],
        "{host}> ",
        "{host}# ",
        "{host}# ",
        {
            "set cli screen-width 511": "Screen width set to 511\r\n",
            "set cli complete-on-space off": "Disabling complete-on-space\r\n",
            "set cli screen-length 0": "Screen length set to 0\r\n",
        },
        (PLATFORMS["juniper_junos"].show_running,),
        ("configure", "configure private"),
        ("exit configuration-mode",),
        ("exit",),
        (),
        "",
        "",
        "syntax error.\r\n",
        re.compile("(?!)"),
    ),
}
