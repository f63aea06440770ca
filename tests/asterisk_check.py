"""The asterisk role's health check (playbooks/action_plugins/ccms_asterisk.py), loaded as a
module for the tests, and its host commands run locally against a CLI."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

from ccmsctl import tooling


def check_plugin() -> ModuleType:
    name = "ccms_asterisk_plugin"
    if name in sys.modules:
        return sys.modules[name]
    path = tooling.playbooks() / "action_plugins" / "ccms_asterisk.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Ansible's dataclass patch looks the module up
    spec.loader.exec_module(module)
    return module


def host_answer(etc: str, cli: list[str], load: tuple[str, ...] = ()) -> dict[str, str]:
    """Run the check's host command (with its module loads first, where `load` names
    some) on this machine, taken apart as the plugin does."""
    plugin = check_plugin()
    argv = (
        ["sh", "-c", plugin.LOAD + plugin.GATHER, "sh", " ".join(load), etc, *cli]
        if load
        else ["sh", "-c", plugin.GATHER, "sh", etc, *cli]
    )
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    parts: dict[str, str] = plugin.parts(done.stdout)
    return parts
