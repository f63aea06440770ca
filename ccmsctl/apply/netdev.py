"""Read and push voice configuration on network devices with netmiko over SSH.

Per device: read the running configuration and check it is the one the plan was made from
(its sha256: a device that changed since is refused, not re-planned), send exactly the
plan's commands with `send_config_set(error_pattern=...)` so a device's error stops that
device at the command it refused, then make them permanent: `write memory` (or the
platform's save) on devices that run what they are told, `commit confirmed` on Junos, which
ccmsctl confirms with a plain `commit` only after a new SSH session reaches the device and
finds the intended configuration (a change that cuts the device off rolls itself back).

A refused command leaves the device as it was: Junos discards the candidate (`rollback 0`);
elsewhere the plan's rollback is sent, and nothing is saved. A device that needs nothing
gets no command at all. Passwords come from the target (the estate's secret references, or
the lab's own) and are never printed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # netmiko is imported where a device is reached: it takes long to load
    from netmiko import BaseConnection
    from netmiko.juniper.juniper import JuniperBase

from ccmsctl.artifacts import DeviceIntent
from ccmsctl.plan.diff import DeviceChange
from ccmsctl.plan.network import converged
from ccmsctl.plan.platforms import PLATFORMS
from ccmsctl.plan.state import sha256
from ccmsctl.plan.target import PushResult

# ccmsctl reports what goes wrong on a device itself; paramiko's own log lines (a peer that
# resets the connection at logout) are not for the operator
logging.getLogger("paramiko").addHandler(logging.NullHandler())

ERRORS = r"% Invalid|% Incomplete|% Ambiguous|Error:|error:|syntax error|unknown command"
CONFIRM_MINUTES = 5


class DevicePushError(Exception):
    """A device could not be reached, or refused a command."""


@dataclass(frozen=True)
class Access:
    """How to reach a device: its address and port, the password to log in with, and the
    known_hosts file its SSH host key must be in (an unknown or changed key is refused)."""

    address: str
    port: int
    password: str
    known_hosts: Path
    timeout: float = 10


@contextmanager
def connected(name: str, device: DeviceIntent, access: Access) -> Iterator[BaseConnection]:
    """An SSH session to the device `name`; every failure becomes a DevicePushError naming
    it."""
    from netmiko import ConnectHandler  # noqa: PLC0415
    from netmiko.exceptions import (  # noqa: PLC0415
        NetmikoAuthenticationException,
        NetmikoBaseException,
        NetmikoTimeoutException,
    )

    where = f"{name} ({access.address}:{access.port})"
    try:
        with ConnectHandler(
            device_type=device.platform,
            host=access.address,
            port=access.port,
            username=device.username,
            password=access.password,
            conn_timeout=access.timeout,
            auth_timeout=access.timeout,
            banner_timeout=access.timeout,
            timeout=access.timeout,
            # host keys checked as OpenSSH's StrictHostKeyChecking=yes does: only against
            # the target's known_hosts file, an unknown key refused, a changed key refused
            ssh_strict=True,
            system_host_keys=False,
            alt_host_keys=True,
            alt_key_file=str(access.known_hosts),
        ) as connection:
            yield connection
    except (NetmikoBaseException, NetmikoTimeoutException, NetmikoAuthenticationException) as error:
        raise DevicePushError(f"{where}: {_connect_failure(error, access)}") from None
    except OSError as error:
        raise DevicePushError(f"{where} unreachable: {error}") from None


def _connect_failure(error: Exception, access: Access) -> str:
    """What netmiko's error says, in one line: a host key refused (paramiko's text, which
    netmiko wraps) is said as such."""
    text = str(error)
    if "not found in known_hosts" in text:
        return (
            f"its SSH host key is not in {access.known_hosts}: refused (add the device's key "
            "there, checked against the device itself)"
        )
    if "does not match" in text and "Host key" in text:
        return (
            f"its SSH host key is not the one in {access.known_hosts}: refused (if the device "
            "was replaced, check its new key and put it there)"
        )
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {first}"


def read_running(connection: BaseConnection, device: DeviceIntent) -> str:
    return str(connection.send_command(PLATFORMS[device.platform].show_running))


def push(
    name: str, device: DeviceIntent, intended: str, change: DeviceChange, access: Access
) -> PushResult:
    """Send the device `name` exactly the commands of `change`, the plan's for it to run
    `intended`, if it still runs the configuration they were computed from (else
    DevicePushError: nothing is sent); then make them permanent. A command the device
    refuses stops it there, and what it took is undone with the plan's rollback. Every
    failure is a DevicePushError naming the device (and the command)."""
    from netmiko.exceptions import ConfigInvalidException  # noqa: PLC0415

    rules = PLATFORMS[device.platform]
    with connected(name, device, access) as connection:
        if sha256(read_running(connection, device).encode()) != change.running:
            raise DevicePushError(
                f"{name} changed since it was planned: its running configuration is not the "
                "one the plan was made from; nothing was sent: plan again"
            )
        commands = typed(change.commands, rules.leave_section)
        if not commands:
            return PushResult(name, (), saved=False)
        try:
            configure(connection, device, commands)
        except ConfigInvalidException as error:
            back = _undo(connection, device, change)
            raise DevicePushError(
                f"{name} refused {_refused(str(error), commands)!r}; the rest of its "
                f"commands were not sent, {back}, and nothing was saved"
            ) from None
        if not rules.candidate:
            connection.save_config()
            return PushResult(name, commands, saved=True)
        _commit(connection, name)
    _confirm(name, device, intended, access)
    return PushResult(name, commands, saved=True)


def _undo(connection: BaseConnection, device: DeviceIntent, change: DeviceChange) -> str:
    """Take back what a refused push had already changed: Junos discards its candidate;
    elsewhere the plan's rollback is sent (a line for a command never taken is a no-op, so
    no refusal stops it). What became of the device, in words."""
    rules = PLATFORMS[device.platform]
    if rules.candidate:
        connection.send_config_set(["rollback 0"], exit_config_mode=True)
        return "the device discarded the candidate"
    _end(connection, device)
    back = typed(change.rollback, rules.leave_section)
    if back:
        connection.send_config_set(list(back), exit_config_mode=True)
    if sha256(read_running(connection, device).encode()) == change.running:
        return "the device is back to its configuration from before"
    return (
        "the plan's rollback was sent, but the device does not run its configuration from "
        "before: check it"
    )


def configure(connection: BaseConnection, device: DeviceIntent, commands: tuple[str, ...]) -> None:
    """Send `commands` in configuration mode, stopping at the first the device refuses
    (ConfigInvalidException), then leave configuration mode; a candidate platform (Junos)
    stays in it, to commit."""
    rules = PLATFORMS[device.platform]
    command, prompt = rules.configure
    if not command:
        connection.send_config_set(
            list(commands), error_pattern=ERRORS, exit_config_mode=not rules.candidate
        )
        return
    connection.send_command(command, expect_string=_prompt(connection, prompt))
    connection.send_config_set(
        list(commands), error_pattern=ERRORS, enter_config_mode=False, exit_config_mode=False
    )
    _end(connection, device)


def _end(connection: BaseConnection, device: DeviceIntent) -> None:
    command, prompt = PLATFORMS[device.platform].end
    if command:
        connection.send_command(command, expect_string=_prompt(connection, prompt))
    else:
        connection.exit_config_mode()


def _prompt(connection: BaseConnection, pattern: str) -> str:
    return pattern.format(prompt=re.escape(connection.base_prompt))


def _commit(connection: BaseConnection, name: str) -> None:
    junos = cast("JuniperBase", connection)
    try:
        junos.commit(confirm=True, confirm_delay=CONFIRM_MINUTES)
    except ValueError as error:
        junos.send_config_set(["rollback 0"], exit_config_mode=True)
        raise DevicePushError(
            f"{name} refused the commit: {str(error).strip().splitlines()[-1]}"
        ) from None
    junos.exit_config_mode()


def _confirm(name: str, device: DeviceIntent, intended: str, access: Access) -> None:
    """From a new session: the device is reachable and runs `intended`; then confirm."""
    unconfirmed = f"not confirmed, so {name} rolls back in {CONFIRM_MINUTES} minutes"
    try:
        with connected(name, device, access) as connection:
            runs = converged(device, read_running(connection, device), intended)
            if runs:
                cast("JuniperBase", connection).commit()
                connection.exit_config_mode()
    except DevicePushError as error:
        raise DevicePushError(f"{error}; the commit was {unconfirmed}") from None
    if not runs:
        raise DevicePushError(f"{name} does not run the committed configuration; {unconfirmed}")


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
