"""The lab's network devices in plan and apply: read every device's running configuration
(in parallel, each within its timeout), turn the difference into a DeviceChange per device,
and push the changes of a wave's devices.

Each device is reached on its lab address with the lab's own password for it; the estate's
secret references are for production and are not read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ccmsctl.apply.lab import Lab, LabDevice
from ccmsctl.apply.netdev import (
    Access,
    DevicePushError,
    PushResult,
    connected,
    push,
    read_running,
    remediation,
)
from ccmsctl.compile.lab import lab_estate
from ccmsctl.compile.network.platforms import PLATFORMS
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.plan.diff import DeviceChange

TIMEOUT = 10


class DeviceReadError(Exception):
    """One or more network devices could not be read."""


@dataclass(frozen=True)
class DeviceOutcome:
    device: str
    result: PushResult | None
    error: str = ""


def _models(lab: Lab, estate: Estate) -> dict[str, tuple[LabDevice, NetworkDevice]]:
    models = {d.name: d for d in lab_estate(estate).of(NetworkDevice)}
    return {d.name: (d, models[d.name]) for d in lab.devices if d.name in models}


def _access(device: LabDevice) -> Access:
    return Access(device.address, device.port, device.password(), TIMEOUT)


def _read(pair: tuple[LabDevice, NetworkDevice]) -> str:
    lab_device, model = pair
    with connected(model, _access(lab_device)) as connection:
        return read_running(connection, model)


def read_devices(lab: Lab, estate: Estate) -> dict[str, str]:
    """Every lab device's running configuration; DeviceReadError names each one that could
    not be read, and why."""
    pairs = _models(lab, estate)
    if not pairs:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(pairs), 16)) as pool:
        futures = {name: pool.submit(_read, pair) for name, pair in sorted(pairs.items())}
    running, errors = {}, []
    for name, future in futures.items():
        try:
            running[name] = future.result()
        except DevicePushError as error:
            errors.append(str(error))
    if errors:
        raise DeviceReadError("cannot read network devices: " + "; ".join(errors))
    return running


def device_changes(
    lab: Lab, estate: Estate, desired: Mapping[str, bytes], running: Mapping[str, str]
) -> tuple[DeviceChange, ...]:
    """The devices whose running configuration needs commands, with those commands."""
    changes = []
    for name, (lab_device, model) in sorted(_models(lab, estate).items()):
        if name not in desired or name not in running:
            continue
        commands = remediation(model, running[name], desired[name].decode()).commands
        if commands:
            address = f"{lab_device.address}:{lab_device.port}"
            changes.append(DeviceChange(name, model.platform, address, commands))
    return tuple(changes)


def push_devices(
    lab: Lab,
    estate: Estate,
    names: Iterable[str],
    desired: Mapping[str, bytes],
    *,
    progress: Callable[[str], None],
) -> list[DeviceOutcome]:
    """Push each named device to its desired configuration, in parallel; one device's
    failure does not stop the others."""
    pairs = _models(lab, estate)
    chosen = sorted(name for name in names if name in pairs and name in desired)
    if not chosen:
        return []

    def one(name: str) -> DeviceOutcome:
        lab_device, model = pairs[name]
        try:
            result = push(
                model,
                desired[name].decode(),
                address=lab_device.address,
                port=lab_device.port,
                timeout=TIMEOUT,
                password=lab_device.password(),
            )
        except DevicePushError as error:
            progress(f"  {name}: FAILED: {error}")
            return DeviceOutcome(name, None, str(error))
        made = "committed" if PLATFORMS[model.platform].candidate else "saved"
        done = f"{len(result.sent)} commands, {made}" if result.sent else "no change"
        progress(f"  {name}: voice config: {done}")
        return DeviceOutcome(name, result)

    with ThreadPoolExecutor(max_workers=min(len(chosen), 16)) as pool:
        return list(pool.map(one, chosen))
