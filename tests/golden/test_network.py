"""Network goldens per platform, four files each: the device's running configuration (a
fixture), the generated voice configuration, the remediation and its rollback — and the
circle that proves them: running + remediation = generated; generated + rollback = running
(within the sections ccmsctl owns; nothing else on the device is touched).

Refresh after an intended change with: pytest tests/golden --update-goldens
"""

from __future__ import annotations

import pytest
from hier_config import Platform, get_hconfig

from ccmsctl.compile.network.device import compile_network_device
from ccmsctl.compile.render import Renderer
from ccmsctl.load.estate import load_estate
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.plan.network import owned_part, remediate, without_comments
from ccmsctl.plan.platforms import PLATFORMS as RULES
from tests.conftest import EXAMPLE, ROOT, example_devices

GOLDEN = ROOT / "tests" / "golden" / "network"
DEVICES = example_devices()


def lines(text: str) -> list[str]:
    return text.strip("\n").split("\n") if text.strip() else []


def files_of(platform: str) -> dict[str, str]:
    estate = load_estate(EXAMPLE).estate
    device = estate.index(NetworkDevice)[DEVICES[platform]]
    rules = RULES[platform]
    generated = compile_network_device(estate, device, Renderer()).decode()
    owned = rules.owned(
        device.voice_vlan.id, device.voice_vlan.name, (*device.access_ports, *device.uplinks)
    )
    running = (GOLDEN / platform / "running.cfg").read_text()
    fix = remediate(platform, running, generated, owned, rules.comment, rules.interface_lines)
    again = remediate(platform, generated, generated, owned, rules.comment, rules.interface_lines)
    return {
        "generated.cfg": generated,
        "remediation.cfg": "\n".join(fix.commands) + "\n",
        "rollback.cfg": "\n".join(fix.rollback) + "\n",
        "_running_owned": owned_part(running, owned, rules.comment, rules.interface_lines),
        "_again": "\n".join(again.commands),
    }


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_network_goldens(platform: str, update_goldens: bool) -> None:
    got = files_of(platform)
    for name in ("generated.cfg", "remediation.cfg", "rollback.cfg"):
        path = GOLDEN / platform / name
        if update_goldens:
            path.write_text(got[name])
        assert path.read_text() == got[name], (
            f"{path} differs: pytest tests/golden --update-goldens"
        )


def junos_future(config: str, commands: str) -> list[str]:
    """Junos set-style semantics: `delete X` removes `set X`, `set X` adds it."""
    result = set(lines(config))
    for command in lines(commands):
        if command.startswith("delete "):
            result.discard("set " + command.removeprefix("delete "))
        else:
            result.add(command)
    return sorted(result)


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_running_plus_remediation_is_generated_and_back(platform: str) -> None:
    got = files_of(platform)
    if RULES[platform].candidate:  # hier_config's future() does not apply Junos deletes
        generated = without_comments(got["generated.cfg"], "#")
        assert junos_future(got["_running_owned"], got["remediation.cfg"]) == sorted(
            lines(generated)
        )
        assert junos_future(generated, got["rollback.cfg"]) == sorted(lines(got["_running_owned"]))
        return
    hier = Platform[RULES[platform].hier]
    comment = RULES[platform].comment
    running = get_hconfig(hier, got["_running_owned"])
    generated = get_hconfig(hier, without_comments(got["generated.cfg"], comment))
    forward = running.future(get_hconfig(hier, got["remediation.cfg"]))
    assert sorted(forward.dump_simple()) == sorted(generated.dump_simple())
    backward = generated.future(get_hconfig(hier, got["rollback.cfg"]))
    assert sorted(backward.dump_simple()) == sorted(running.dump_simple())


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_second_push_sends_nothing_and_unowned_config_is_untouched(platform: str) -> None:
    got = files_of(platform)
    assert got["_again"] == ""
    for untouched in (
        "hostname",
        "host-name",
        "sysname",
        "MGMT",
        "storage",
        "servers",
        "GigabitEthernet1/0/3",
        "Ethernet3",
        "ge-0/0/1",
        "GigabitEthernet0/0/9",
    ):
        assert untouched not in got["remediation.cfg"], untouched
