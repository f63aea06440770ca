"""A saved plan carries everything apply needs: reading it back gives the same plan,
including each host's variables and each device's intent, which compile decided."""

from __future__ import annotations

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.ancestry import StepBack
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.planfile import SavedPlan, dump, load
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.state import HostState, Step, Wanted, upkeep
from tests.conftest import EXAMPLE


def test_a_saved_plan_reads_back_as_the_same_plan() -> None:
    estate = load_estate(EXAMPLE).estate
    desired = compile_estate(estate)
    saved = SavedPlan(
        "/estate",
        "lab",
        Provenance("abc", estate.digest(), "def"),
        {"sh1-edge-1": "0" * 64},
        make_plan(desired, {"sh1-edge-1": HostState(None, {}, (Step("start", "kamailio"),))}),
        environment="staging",
        steps_back=(StepBack("sh1-pbx-1", "f" * 40, "alice", "2026-12-01T10:00:00+00:00", True),),
    )
    back = load(dump(saved))
    assert back == saved
    assert back.environment == "staging" and back.steps_back[0].applied_by == "alice"
    assert back.plan.upkeep == {"sh1-edge-1": (Step("start", "kamailio"),)}
    assert back.plan.summary().endswith("; 1 upkeep step.")
    services = ("kamailio", "prometheus-node-exporter")
    assert back.plan.desired.host_vars["sh1-edge-1"].services == services
    assert "asterisk" in back.plan.desired.host_vars["sh1-pbx-1"].packages
    assert back.plan.desired.host_vars["sh1-pbx-1"].recording_folders  # compile's decision
    waves = {name: v.wave for name, v in back.plan.desired.host_vars.items()}
    assert waves["sh1-edge-1"] == 2 and waves["sh2-edge-1"] == 1  # shanghai: sh-1 is primary
    assert back.plan.desired.device_intents["hk1-wan-rtr"].password.startswith(("env:", "vault:"))


def test_upkeep_names_each_step_the_roles_would_take() -> None:
    pins = {"asterisk": "22.1.0-1", "keepalived": "1:2.2.7-1"}
    packages = ("asterisk", "kamailio", "keepalived")
    wanted = Wanted((), packages, ("kamailio",), ("/r/a", "/r/b"), pins)
    steps = upkeep(
        wanted,
        installed={"asterisk": "22.0.0-1", "kamailio": "5.6.3-2"},
        running=set(),
        folders={"/r/b"},
    )
    assert [str(step) for step in steps] == [
        "install asterisk 22.1.0-1 (has 22.0.0-1)",
        "install keepalived 1:2.2.7-1",
        "start kamailio",
        "make /r/a",
    ]
    met = upkeep(
        wanted,
        installed={"asterisk": "22.1.0-1", "kamailio": "5.6.3-2", "keepalived": "1:2.2.7-1"},
        running={"kamailio"},
        folders={"/r/a", "/r/b"},
    )
    assert met == ()
    # a host whose upkeep changed is a changed host to a saved plan
    assert HostState(None, {}, steps).fingerprint() != HostState(None, {}, met).fingerprint()
