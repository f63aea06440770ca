"""The hosts of an Ansible inventory (a file or a folder, in any format Ansible reads), as
ccmsctl reaches them over SSH: address, port, user, key, extra SSH options, become; and the
operator's settings for the roles (SETTINGS), which the target's placement gives compile."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmsctl.errors import UserError

# What an inventory may set for the roles: pinned package versions, and whether ccmsctl
# installs packages at all (false where the host's software is managed otherwise).
SETTINGS = ("ccms_package_versions", "ccms_manage_packages")


class InventoryError(UserError):
    """The inventory cannot be read, or lacks hosts of the estate."""

    code = "E1304"


@dataclass(frozen=True)
class SshHost:
    name: str
    address: str
    port: int = 22
    user: str = ""
    key: str = ""
    options: tuple[str, ...] = ()  # ansible_ssh_common_args, split
    become: bool = False
    python: str = "/usr/bin/python3"  # ansible_python_interpreter
    settings: Mapping[str, Any] = field(default_factory=dict)  # of SETTINGS

    def manages_packages(self) -> bool:
        """Whether ccmsctl installs the roles' packages (ccms_manage_packages, default yes)."""
        value = self.settings.get("ccms_manage_packages", True)
        return str(value).lower() not in ("false", "no", "0", "off")

    def pins(self) -> dict[str, str]:
        """The package versions the inventory pins (ccms_package_versions)."""
        pins = self.settings.get("ccms_package_versions") or {}
        if not isinstance(pins, Mapping):
            return {}
        return {str(name): str(version) for name, version in pins.items()}

    def connection(self) -> dict[str, Any]:
        """Ansible's connection variables for the host (its settings go to compile, through
        the target's placement)."""
        found: dict[str, Any] = {
            "ansible_connection": "ssh",
            "ansible_host": self.address,
            "ansible_port": str(self.port),
            "ansible_python_interpreter": self.python,
        }
        if self.user:
            found["ansible_user"] = self.user
        if self.key:
            found["ansible_ssh_private_key_file"] = self.key
        if self.options:
            found["ansible_ssh_common_args"] = shlex.join(self.options)
        if self.become:
            found["ansible_become"] = "true"
        return found


DEVICE_KNOWN_HOSTS = "ccmsctl_device_known_hosts"


@dataclass(frozen=True)
class Inventory:
    """The hosts of an inventory by name, and the known_hosts file the network devices' SSH
    host keys are checked against: its `ccmsctl_device_known_hosts` (all's variables;
    relative to the inventory), else the user's ~/.ssh/known_hosts, as OpenSSH's own."""

    hosts: dict[str, SshHost]
    device_known_hosts: Path


def read_inventory(source: Path) -> Inventory:
    """The inventory at `source`, read once: every host, and where device keys are known."""
    if not source.exists():
        raise InventoryError(f"no inventory at {source}")
    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415
    from ansible.vars.manager import VariableManager  # noqa: PLC0415

    loader = DataLoader()
    manager = InventoryManager(loader=loader, sources=[str(source)])
    variables = VariableManager(loader=loader, inventory=manager)
    hosts = {}
    for host in manager.get_hosts():
        found = variables.get_vars(host=host)
        try:
            port = int(found.get("ansible_port", 22))
        except (TypeError, ValueError):
            raise InventoryError(
                f"{source}: host {host.name}: ansible_port is not a number"
            ) from None
        hosts[host.name] = SshHost(
            host.name,
            str(found.get("ansible_host", host.name)),
            port,
            str(found.get("ansible_user", "")),
            str(found.get("ansible_ssh_private_key_file", "")),
            tuple(shlex.split(str(found.get("ansible_ssh_common_args", "")))),
            str(found.get("ansible_become", "false")).lower() in ("true", "yes", "1"),
            str(found.get("ansible_python_interpreter", "/usr/bin/python3")),
            {name: found[name] for name in SETTINGS if name in found},
        )
    if not hosts:
        raise InventoryError(f"{source} is not an Ansible inventory with hosts")
    named = manager.groups["all"].get_vars().get(DEVICE_KNOWN_HOSTS)
    base = source if source.is_dir() else source.parent
    known = base / Path(str(named)).expanduser() if named else Path.home() / ".ssh/known_hosts"
    return Inventory(hosts, known)
