"""The configuration a lab device starts from, before ccmsctl ever touched it."""

from __future__ import annotations


def seed_config(platform: str, hostname: str, ports: tuple[str, ...]) -> str:
    """A device's configuration before ccmsctl ever touched it: its name and its ports with
    the descriptions the site's engineers gave them."""
    if platform == "juniper_junos":
        lines = [f"set system host-name {hostname}"]
        lines += [f'set interfaces {port} description "patch {n}"' for n, port in enumerate(ports)]
        return "\n".join(lines) + "\n"
    name = "sysname" if platform == "huawei_vrp" else "hostname"
    blocks = [f"{name} {hostname}"]
    blocks += [f"interface {port}\n description patch {n}" for n, port in enumerate(ports)]
    return "\n".join(blocks) + "\n"
