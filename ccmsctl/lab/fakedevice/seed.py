"""The configuration a lab device starts from, before ccmsctl ever touched it."""

from __future__ import annotations

from ccmsctl import tooling


def seed_config(platform: str, hostname: str, ports: tuple[str, ...]) -> str:
    """A device's configuration before ccmsctl ever touched it: its name and its ports with
    the descriptions the site's engineers gave them (the [seed] table of its platform)."""
    seed = tooling.network_platforms()[platform]["seed"]
    lines = [seed["hostname"].format(hostname=hostname)]
    lines += [seed["port"].format(port=port, n=n) for n, port in enumerate(ports)]
    return "\n".join(lines) + "\n"
