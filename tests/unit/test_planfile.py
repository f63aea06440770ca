"""A saved plan carries everything apply needs: reading it back gives the same plan,
including each host's variables and each device's intent, which compile decided."""

from __future__ import annotations

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.planfile import SavedPlan, dump, load
from ccmsctl.plan.provenance import Provenance
from tests.conftest import EXAMPLE


def test_a_saved_plan_reads_back_as_the_same_plan() -> None:
    estate = load_estate(EXAMPLE).estate
    desired = compile_estate(estate)
    saved = SavedPlan(
        "/estate",
        "lab",
        Provenance("abc", estate.digest(), "def"),
        {"sh1-edge-1": "0" * 64},
        make_plan(desired, {}),
    )
    back = load(dump(saved))
    assert back == saved
    assert back.plan.desired.host_vars["sh1-pbx-1"].recording_folders  # compile's decision
    waves = {name: v.wave for name, v in back.plan.desired.host_vars.items()}
    assert waves["sh1-edge-1"] == 2 and waves["sh2-edge-1"] == 1  # shanghai: sh-1 is primary
    assert back.plan.desired.device_intents["hk1-wan-rtr"].password.startswith(("env:", "vault:"))
