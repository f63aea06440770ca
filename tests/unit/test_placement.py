"""A target places the estate and compile applies it: the plan (its host variables and the
compiled inventory) holds every choice, and reading a host changes none of them."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from ccmsctl.artifacts import INVENTORY, Placement
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.inventory import NODE_EXPORTER
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.make import wanted
from ccmsctl.ssh.target import inventory_target
from tests.conftest import EXAMPLE


def inventory_vars(placement: Placement) -> dict:
    artifacts = compile_estate(load_estate(EXAMPLE).estate, placement=placement)
    return dict(YAML(typ="safe").load(artifacts.estate[INVENTORY])["all"])


def test_production_placement_keeps_everything_the_roles_need() -> None:
    desired = compile_estate(load_estate(EXAMPLE).estate)
    pbx, edge = desired.host_vars["sh1-pbx-1"], desired.host_vars["sh1-edge-1"]
    assert {"asterisk", NODE_EXPORTER} <= set(pbx.packages) and "asterisk" in pbx.services
    assert edge.control == "unix:/run/kamailio/kamailio_ctl"
    assert pbx.folder_stat() == "asterisk:asterisk:750"
    found = inventory_vars(Placement())
    assert found["vars"]["ccms_supervisor"] == "systemd" and found["vars"]["ccms_accounts"]
    assert found["hosts"]["sh1-pbx-1"]["ccms_recording_owner"] == "asterisk"


def test_a_lab_like_placement_is_in_the_plan_not_in_the_reading(tmp_path: Path) -> None:
    placement = Placement(
        roots={"sh1-edge-1": str(tmp_path / "e"), "sh1-pbx-1": str(tmp_path / "p")},
        supervisor="script",
        node_exporter=False,
        asterisk=False,
        accounts=False,
        manage_packages=False,
    )
    desired = compile_estate(load_estate(EXAMPLE).estate, placement=placement)
    pbx, edge = desired.host_vars["sh1-pbx-1"], desired.host_vars["sh1-edge-1"]
    assert pbx.packages == () and edge.packages == ()
    assert NODE_EXPORTER not in pbx.services and "asterisk" not in pbx.services
    assert edge.control == f"unix:{tmp_path}/e/run/kamailio/kamailio_ctl"
    assert pbx.folder_stat() == ""
    read = wanted(desired)["sh1-pbx-1"]
    assert read.packages == () and read.folder_stat == "" and read.pins == {}
    found = inventory_vars(placement)
    assert found["vars"]["ccms_supervisor"] == "script" and not found["vars"]["ccms_accounts"]
    assert found["hosts"]["sh1-edge-1"]["ccms_kamailio_control"] == edge.control


def test_an_inventorys_package_settings_are_compiled_into_the_plan(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  hosts:\n"
        "    sh1-edge-1: {ansible_host: 127.0.0.1, ccms_manage_packages: false}\n"
        "    sh1-pbx-1:\n      ansible_host: 127.0.0.1\n"
        "      ccms_package_versions: {asterisk: '1:22.1.0-1'}\n"
    )
    placement = inventory_target(inventory, EXAMPLE).placement()
    assert placement.unmanaged == {"sh1-edge-1"}
    desired = compile_estate(load_estate(EXAMPLE).estate, placement=placement)
    assert desired.host_vars["sh1-edge-1"].packages == ()
    assert desired.host_vars["sh1-pbx-1"].pins == (("asterisk", "1:22.1.0-1"),)
    assert wanted(desired)["sh1-pbx-1"].pins == {"asterisk": "1:22.1.0-1"}
    pbx = inventory_vars(placement)["hosts"]["sh1-pbx-1"]
    assert pbx["ccms_package_versions"] == {"asterisk": "1:22.1.0-1"}
    # the connection carries no setting of the roles: compile's inventory holds them
    host = inventory_target(inventory, EXAMPLE).host("sh1-pbx-1")
    assert host is not None and "ccms_package_versions" not in host.connection
