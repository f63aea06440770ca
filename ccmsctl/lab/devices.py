"""The lab's network devices in plan and apply: read every device's running configuration
(in parallel, each within its timeout), and send a wave's devices the commands the plan
holds for them.

Each device is reached on its lab address with the lab's own password for it; the estate's
secret references are for production and are not read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from ccmsctl.apply.netdev import (
    Access,
    DevicePushError,
    connected,
    push,
    read_running,
)
from ccmsctl.apply.target import DeviceOutcome
from ccmsctl.artifacts import DeviceIntent
from ccmsctl.lab.lab import Lab, LabDevice
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.platforms import PLATFORMS

TIMEOUT = 10


class DeviceReadError(Exception):
    """One or more network devices could not be read."""


def _pairs(
    lab: Lab, intents: Mapping[str, DeviceIntent]
) -> dict[str, tuple[LabDevice, DeviceIntent]]:
    return {d.name: (d, intents[d.name]) for d in lab.devices if d.name in intents}


def _access(device: LabDevice) -> Access:
    return Access(device.address, device.port, device.password(), TIMEOUT)


def _read(name: str, pair: tuple[LabDevice, DeviceIntent]) -> str:
    lab_device, intent = pair
    with connected(name, intent, _access(lab_device)) as connection:
        return read_running(connection, intent)


def read_devices(lab: Lab, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
    """Every lab device's running configuration; DeviceReadError names each one that could
    not be read, and why."""
    pairs = _pairs(lab, intents)
    if not pairs:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(pairs), 16)) as pool:
        futures = {name: pool.submit(_read, name, pair) for name, pair in sorted(pairs.items())}
    running, errors = {}, []
    for name, future in futures.items():
        try:
            running[name] = future.result()
        except DevicePushError as error:
            errors.append(str(error))
    if errors:
        raise DeviceReadError("cannot read network devices: " + "; ".join(errors))
    return running


def push_devices(
    lab: Lab,
    plan: Plan,
    names: Iterable[str],
    *,
    progress: Callable[[str], None],
) -> list[DeviceOutcome]:
    """Send each named device the commands the plan holds for it, in parallel; one
    device's failure does not stop the others."""
    pairs = _pairs(lab, plan.desired.device_intents)
    planned = {change.device: change.commands for change in plan.devices}
    chosen = sorted(name for name in names if name in pairs and name in planned)
    if not chosen:
        return []

    def one(name: str) -> DeviceOutcome:
        lab_device, intent = pairs[name]
        try:
            result = push(
                name,
                intent,
                plan.desired.devices[name].decode(),
                planned=planned[name],
                address=lab_device.address,
                port=lab_device.port,
                timeout=TIMEOUT,
                password=lab_device.password(),
            )
        except DevicePushError as error:
            progress(f"  {name}: FAILED: {error}")
            return DeviceOutcome(name, None, str(error))
        made = "committed" if PLATFORMS[intent.platform].candidate else "saved"
        done = f"{len(result.sent)} commands, {made}" if result.sent else "no change"
        progress(f"  {name}: voice config: {done}")
        return DeviceOutcome(name, result)

    with ThreadPoolExecutor(max_workers=min(len(chosen), 16)) as pool:
        return list(pool.map(one, chosen))
