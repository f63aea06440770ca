"""The lab's network devices: each is reached on its lab address with the lab's own password
for it; the estate's secret references are for production and are not read here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ccmsctl.apply.devices import Reach, push_devices, read_devices
from ccmsctl.apply.netdev import Access, DevicePushError
from ccmsctl.artifacts import DeviceIntent
from ccmsctl.lab.lab import Lab
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.target import DeviceOutcome

TIMEOUT = 10


def _reach(lab: Lab) -> Reach:
    devices = {device.name: device for device in lab.devices}

    def reach(name: str, intent: DeviceIntent) -> Access:
        del intent
        if name not in devices:
            raise DevicePushError(f"{name} is not in the lab: run ccmsctl lab up again")
        device = devices[name]
        return Access(device.address, device.port, device.password(), lab.known_hosts, TIMEOUT)

    return reach


def read_lab_devices(lab: Lab, intents: Mapping[str, DeviceIntent]) -> dict[str, str]:
    return read_devices(intents, _reach(lab))


def push_lab_devices(
    lab: Lab, plan: Plan, names: Iterable[str], *, progress: Callable[[str], None]
) -> list[DeviceOutcome]:
    return push_devices(plan, names, _reach(lab), progress=progress)
