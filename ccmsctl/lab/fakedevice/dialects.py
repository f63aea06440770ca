"""The command lines the fake devices speak, as data (the [lab] table of each platform's
platform.toml): prompts, the commands netmiko's driver for each platform sends, and the
replies a real device gives. What ccmsctl itself knows of a platform (hier_config's model,
the show command) comes from plan/platforms.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hier_config import Platform

from ccmsctl import tooling
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


def _dialect(name: str, table: Mapping[str, Any]) -> Dialect:
    return Dialect(
        Platform[PLATFORMS[name].hier],
        table["exec_prompt"],
        table["config_prompt"],
        table["sub_prompt"],
        dict(table.get("replies", {})),
        (PLATFORMS[name].show_running,),
        tuple(table["configure"]),
        tuple(table["leave"]),
        tuple(table["up"]),
        tuple(table["save"]),
        table["saved"],
        table.get("confirm", ""),
        table["invalid"],
        re.compile(table["sections"]),
        {key: re.compile(pattern) for key, pattern in table.get("nested", {}).items()},
    )


DIALECTS = {name: _dialect(name, data["lab"]) for name, data in tooling.network_platforms().items()}
