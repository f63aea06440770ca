"""Push voice configuration to network devices with netmiko over SSH.

Per device: read the running configuration, compute the remediation (plan/network.py: only
what ccmsctl owns), send it with `send_config_set(error_pattern=...)` so a device's error
stops that device at the command it refused, then save. A device that needs nothing gets no
command at all. Credentials come from secret references at push time and are never printed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoBaseException,
    NetmikoTimeoutException,
)

from ccmsctl.compile.network.platforms import PLATFORMS
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.secret import SecretRef
from ccmsctl.plan.network import Remediation, remediate

ERRORS = r"% Invalid|% Incomplete|% Ambiguous|Error:|error:"


class DevicePushError(Exception):
    """A device could not be reached, or refused a command."""


@dataclass(frozen=True)
class PushResult:
    device: str
    sent: tuple[str, ...]
    saved: bool


def resolve(secret: SecretRef) -> str:
    """The value behind an env: reference (vault: references are resolved by Ansible)."""
    scheme, _, name = secret.secret.partition(":")
    if scheme != "env":
        raise DevicePushError(
            f"{secret.secret.split('#')[0]}: only env: secrets can be resolved by ccmsctl itself"
        )
    value = os.environ.get(name)
    if value is None:
        raise DevicePushError(f"environment variable {name} is not set")
    return value


def _remediation(device: NetworkDevice, running: str, intended: str) -> Remediation:
    rules = PLATFORMS[device.platform]
    owned = rules.owned(
        device.voice_vlan.id, device.voice_vlan.name, (*device.access_ports, *device.uplinks)
    )
    return remediate(
        device.platform, running, intended, owned, rules.comment, rules.interface_lines
    )


def push(
    device: NetworkDevice, intended: str, *, address: str, port: int, timeout: float = 10
) -> PushResult:
    """Bring `device` to `intended`; raises DevicePushError naming the device (and command)."""
    password = resolve(device.credentials.password)
    try:
        with ConnectHandler(
            device_type=device.platform,
            host=address,
            port=port,
            username=device.credentials.username,
            password=password,
            conn_timeout=timeout,
            auth_timeout=timeout,
            banner_timeout=timeout,
            timeout=timeout,
        ) as connection:
            rules = PLATFORMS[device.platform]
            running = str(connection.send_command(rules.show_running))
            commands = typed(
                _remediation(device, running, intended).commands,
                PLATFORMS[device.platform].leave_section,
            )
            if not commands:
                return PushResult(device.name, (), saved=False)
            try:
                connection.send_config_set(list(commands), error_pattern=ERRORS)
            except ConfigInvalidException as error:
                refused = _refused(str(error), commands)
                raise DevicePushError(
                    f"{device.name} refused {refused!r}; the rest of its "
                    "commands were not sent and nothing was saved"
                ) from None
            connection.save_config()
            return PushResult(device.name, commands, saved=True)
    except (NetmikoBaseException, NetmikoTimeoutException, NetmikoAuthenticationException) as error:
        raise DevicePushError(
            f"{device.name} ({address}:{port}): {type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}"
        ) from None
    except OSError as error:
        raise DevicePushError(f"{device.name} ({address}:{port}) unreachable: {error}") from None


def typed(lines: tuple[str, ...], leave_section: str) -> tuple[str, ...]:
    """Indented remediation lines as typed at the device: stripped, with the platform's
    command to leave a view wherever the indentation steps back (VRP's `quit`)."""
    typed_lines: list[str] = []
    depth = 0
    for line in lines:
        level = (len(line) - len(line.lstrip())) // 2
        if leave_section:
            typed_lines += [leave_section] * max(depth - level, 0)
        typed_lines.append(line.strip())
        depth = level
    return tuple(typed_lines)


def _refused(message: str, commands: tuple[str, ...]) -> str:
    """The command the device refused, from netmiko's error text."""
    for command in reversed(commands):
        if re.search(re.escape(command), message):
            return command
    return message.splitlines()[0] if message else "a command"
