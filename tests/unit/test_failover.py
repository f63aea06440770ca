"""What the carrier is given (the ordered destinations of each trunk), how a drill reads its
callers' log and measures recovery, and what the drill refuses. The drill itself runs in
tests/integration/test_drill.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ccmsctl.cli.failover import text
from ccmsctl.compile.carriers import compile_carriers, trunk_destinations
from ccmsctl.lab.drill import DrillError, plan_drill, run_drill
from ccmsctl.lab.drillcalls import Call, DrillResult, Phase, measure, read_calls
from ccmsctl.load.estate import load_estate
from ccmsctl.model.trunk import Trunk
from tests.conftest import EXAMPLE


def _copy(tmp_path: Path, old: str, new: str, file: str = "sites/shanghai.yaml") -> Path:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    path = estate / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return estate


def test_the_primary_site_comes_first_then_its_twin() -> None:
    estate = load_estate(EXAMPLE).estate
    trunk = estate.index(Trunk)["ct-sh"]
    order = [(d.uri, d.site, d.priority) for d in trunk_destinations(estate, trunk)]
    assert order == [("sip:10.10.1.10:5060", "sh-1", 1), ("sip:10.20.1.10:5060", "sh-2", 2)]
    listed = YAML(typ="safe").load(compile_carriers(estate)["carriers/cu-sh.yaml"])
    assert [d["uri"] for d in listed["destinations"]] == [
        "sip:10.10.1.10:5060;transport=tcp",
        "sip:10.20.1.10:5060;transport=tcp",
    ]


def test_active_active_shares_the_calls_and_a_site_without_a_vip_lists_its_edges(
    tmp_path: Path,
) -> None:
    estate_dir = _copy(tmp_path, "mode: active-standby\nprimary: sh-1", "mode: active-active")
    estate = load_estate(estate_dir).estate
    both = trunk_destinations(estate, estate.index(Trunk)["ct-sh"])
    assert {(d.priority, d.weight) for d in both} == {(1, 50)}
    hk = trunk_destinations(estate, estate.index(Trunk)["hkt-hk"])
    assert [d.uri for d in hk] == ["sip:10.30.1.11:5061;transport=tls"]


def test_the_callers_log_is_read_by_call(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    log.write_text(
        "sent 1 2026-11-30\t06:46:24.893064\t1796021184.893064\n"
        "answered 1 2026-11-30\t06:46:24.895858\t1796021184.895858 pbx@10.10.2.22\n"
        "sent 2 2026-11-30\t06:46:24.996912\t1796021184.996912\n"
        "ended 1 2026-11-30\t06:46:25.397895\t1796021185.397895\n"
        "a line SIPp wrote about something else\n"
    )
    calls = read_calls(log)
    assert calls[1].pbx == "10.10.2.22" and calls[1].ended == pytest.approx(1796021185.397895)
    assert calls[2].answered is None
    assert read_calls(tmp_path / "missing.log") == {}


def test_recovery_ends_with_the_first_answer_after_the_last_failure() -> None:
    sites = {"a": "sh-1", "b": "sh-2"}
    calls = [
        Call(1, 90.0, 90.1, "a", 104.0),  # up at the kill, hung up later: kept
        Call(2, 95.0, 95.1, "a", None),  # up at the kill, its hang-up failed: dropped
        Call(3, 101.0, None),  # placed after the kill, never answered
        Call(4, 102.0, 105.0, "b", 110.0),  # answered late, but a later call failed
        Call(5, 103.0, None),
        Call(6, 104.0, 106.5, "b", 111.0),  # recovery: answered at 106.5
        Call(7, 105.0, 105.2, "b", 112.0),
        Call(8, 99.5, 100.5, "b", 108.0),  # in setup at the kill, answered after it
        Call(9, 99.8, None),  # in setup at the kill, never answered
        Call(10, 80.0, None),  # long given up on at the kill
    ]
    phase = measure("failover", calls, 100.0, 120.0, sites, hold=10)
    assert phase.recovery == pytest.approx(5.2)  # call 7, placed after call 5, answered first
    assert (phase.failed, phase.in_progress, phase.kept) == (2, 2, 1)
    assert phase.answered_by == ("sh-2",)
    assert (phase.in_setup, phase.setup_answered) == (2, 1)
    killed = measure("failover", calls, 100.0, 120.0, sites, hold=10, dead=frozenset({"a"}))
    assert killed.on_killed == 2 and phase.on_killed == 0  # calls 1 and 2 were on PBX a
    assert phase.to_json()["calls_in_setup_answered"] == 1
    back = measure("failback", calls, 100.0, 120.0, sites, hold=10, wanted="sh-1")
    assert back.recovery is None  # no call placed after it reached sh-1
    assert measure("quiet", calls[:2], 100.0, 120.0, sites, hold=10).recovery is None


def test_the_drill_refuses_what_it_cannot_drill(tmp_path: Path) -> None:
    estate = load_estate(EXAMPLE).estate
    with pytest.raises(DrillError, match="drilled with Asterisk, which is not installed"):
        run_drill(plan_drill(estate, "shanghai", tmp_path), tmp_path, kill="pbx")
    with pytest.raises(DrillError, match=r"no twin pair 'nowhere'.*shanghai"):
        plan_drill(estate, "nowhere", tmp_path)
    only_tls = _copy(tmp_path, "transport: udp", "transport: tls", "carriers/trunks.yaml")
    text = (only_tls / "carriers/trunks.yaml").read_text()
    (only_tls / "carriers/trunks.yaml").write_text(text.replace("transport: tcp", "transport: tls"))
    with pytest.raises(DrillError, match="UDP or TCP trunk serving both sh-1 and sh-2"):
        plan_drill(load_estate(only_tls).estate, "shanghai", tmp_path)


def test_the_drill_fails_past_the_pairs_recovery_objective() -> None:
    quick = Phase("failover", 100.0, 4.0, 0, 10, 8, ("sh-2",))
    slow = Phase("failover", 100.0, 75.0, 3, 10, 0, ("sh-2",))
    never = Phase("failover", 100.0, None, 40, 10, 0, ())
    back = Phase("failback", 130.0, 1.0, 0, 5, 5, ("sh-1",))

    def result(failover: Phase) -> DrillResult:
        return DrillResult(
            "shanghai", "site", ("sh1-edge-1",), "sh2-edge-1", 10, 8, 60, failover, back, 300
        )

    assert result(quick).met and not result(slow).met and not result(never).met
    lines = text(result(never))
    assert lines[-1] == "Recovery objective 60 s: MISSED" and "never" in lines[2]
    assert result(slow).to_json()["phases"][0]["calls_dropped"] == 10
