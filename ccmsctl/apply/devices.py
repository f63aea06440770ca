"""Network devices of any target: read every device's running configuration and send a
wave's devices the commands the plan holds for them, in parallel (each device within its
timeout; one device's failure does not stop the others). How a device is reached (its
address, port and password) is the target's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ccmsctl.apply.netdev import Access, DevicePushError, connected, push, read_running
from ccmsctl.artifacts import DeviceIntent
from ccmsctl.errors import UserError
from ccmsctl.plan.diff import Plan
from ccmsctl.plan.platforms import PLATFORMS
from ccmsctl.plan.target import DeviceOutcome

WORKERS = 16
T = TypeVar("T")
Reach = Callable[[str, DeviceIntent], Access]  # device name and intent -> how to reach it


class DeviceReadError(UserError):
    """One or more network devices could not be read."""

    code = "E1302"


def each(
    names: Iterable[str], one: Callable[[str], T], failure: type[Exception], what: str
) -> dict[str, T]:
    """`one(name)` for every name, in parallel (bounded); `failure` raised by any of them is
    collected, and raised again naming every one that failed."""
    chosen = sorted(names)
    if not chosen:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(chosen), WORKERS)) as pool:
        futures = {name: pool.submit(one, name) for name in chosen}
    found, errors = {}, []
    for name, future in futures.items():
        try:
            found[name] = future.result()
        except failure as error:
            errors.append(str(error))
    if errors:
        raise failure(f"cannot read {what}: " + "; ".join(errors))
    return found


def read_devices(intents: Mapping[str, DeviceIntent], reach: Reach) -> dict[str, str]:
    """Every device's running configuration; DeviceReadError names each one that could not
    be read, and why."""

    def one(name: str) -> str:
        intent = intents[name]
        try:
            with connected(name, intent, reach(name, intent)) as connection:
                return read_running(connection, intent)
        except DevicePushError as error:
            raise DeviceReadError(str(error)) from None

    return each(intents, one, DeviceReadError, "network devices")


def push_devices(
    plan: Plan, names: Iterable[str], reach: Reach, *, progress: Callable[[str], None]
) -> list[DeviceOutcome]:
    """Send each named device the commands the plan holds for it."""
    intents = plan.desired.device_intents
    planned = {change.device: change for change in plan.devices}
    chosen = sorted(name for name in names if name in intents and name in planned)

    def one(name: str) -> DeviceOutcome:
        intent = intents[name]
        intended = plan.desired.devices[name].decode()
        try:
            result = push(name, intent, intended, planned[name], reach(name, intent))
        except DevicePushError as error:
            progress(f"  {name}: FAILED: {error}")
            return DeviceOutcome(name, None, str(error))
        made = "committed" if PLATFORMS[intent.platform].candidate else "saved"
        done = f"{len(result.sent)} commands, {made}" if result.sent else "no change"
        progress(f"  {name}: voice config: {done}")
        return DeviceOutcome(name, result)

    if not chosen:
        return []
    with ThreadPoolExecutor(max_workers=min(len(chosen), WORKERS)) as pool:
        return list(pool.map(one, chosen))
