"""Erlang B and C against published table values; the capacity of the example estate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.validate.capacity import agents_needed, erlang_b_channels, erlang_c, service_level
from ccmsctl.validate.sizing import size_estate
from tests.conftest import BASE, EXAMPLE, findings_of


@pytest.mark.parametrize(
    ("erlangs", "channels"), [(0.0, 0), (0.5, 4), (5.0, 11), (10.0, 18), (50.0, 64), (100.0, 117)]
)
def test_erlang_b_channels(erlangs: float, channels: int) -> None:
    assert erlang_b_channels(erlangs) == channels


@pytest.mark.parametrize(
    ("agents", "erlangs", "waits"),
    [(3, 2.0, 0.4444), (11, 10.0, 0.6821), (12, 10.0, 0.4494), (14, 10.0, 0.1741), (10, 10.0, 1.0)],
)
def test_erlang_c_probability_of_waiting(agents: int, erlangs: float, waits: float) -> None:
    assert erlang_c(agents, erlangs) == pytest.approx(waits, abs=5e-5)


def test_agents_for_a_service_level_match_the_textbook_example() -> None:
    # 100 calls in 30 minutes, 180 s handle time (10 Erlangs), 80% answered within 20 s
    assert service_level(13, 10.0, 20, 180) == pytest.approx(0.7956, abs=5e-5)
    assert service_level(14, 10.0, 20, 180) == pytest.approx(0.8884, abs=5e-5)
    assert agents_needed(10.0, 80, 20, 180) == 14
    assert agents_needed(0.0, 80, 20, 180) == 0


def test_capacity_of_the_example() -> None:
    sizing = size_estate(load_estate(EXAMPLE).estate)
    trunks = {t.name: (t.needed, t.channels) for t in sizing.trunks}
    assert trunks["hkt-hk"] == (7, 6)  # what W0901 says, and the example's waiver accepts
    groups = {g.name: g for g in sizing.groups}
    # sales-zh: 30 calls an hour of 240 s is 2 Erlangs; 80% in 20 s takes 4 agents
    assert (groups["sales-zh"].erlangs, groups["sales-zh"].needed) == (2.0, 4)
    assert groups["sales-zh"].staffed == 5 and groups["sales-zh"].achieved > 0.9
    survival = {(s.lost, s.survivor): s for s in sizing.survivals}
    assert survival[("sh-1", "sh-2")].holds and survival[("sh-1", "sh-2")].burst == (
        "cn-east-burst",
    )


def test_the_command_prints_and_serialises() -> None:
    text = CliRunner().invoke(app, ["capacity", str(EXAMPLE)])
    assert text.exit_code == 0 and "hkt-hk" in text.output and "SHORT by 1" in text.output
    document = json.loads(
        CliRunner().invoke(app, ["capacity", str(EXAMPLE), "--format", "json"]).output
    )
    assert document["version"] == 1 and document["blocking"] == 0.01
    assert {t["name"] for t in document["trunks"]} == {"ct-sh", "cu-sh", "hkt-hk"}


def test_a_burst_pool_covers_a_twin_loss_only_up_to_its_size(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    sites = estate / "sites/shanghai.yaml"
    sites.write_text(sites.read_text().replace("channels: 400", "channels: 5"))
    # each side alone: 10 channels for the 12 both sides need; the pool adds 20 x 120
    sizing = size_estate(load_estate(estate).estate)
    assert {(s.channels, s.burst_channels, s.holds) for s in sizing.survivals} == {(10, 2400, True)}
    burst = estate / "cloud/burst.yaml"
    smaller = burst.read_text().replace("max: 20\nnode_channels: 120", "max: 1\nnode_channels: 1")
    burst.write_text(smaller)
    findings = findings_of(estate)
    assert [(f.code, f.subject) for f in findings] == [("W0907", "TwinPair/shanghai")] * 2
    assert "without sh-1, sh-2 needs 12 PBX channels and has 10 (cn-east-burst: 1 more)" in (
        findings[0].message + findings[1].message
    )


def test_a_load_beyond_the_search_is_said_to_exceed_it(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    people = estate / "people.yaml"
    people.write_text(
        people.read_text().replace(
            "forecast: {peak_calls_per_hour: 3, average_handle_time: 180s}",
            "forecast: {peak_calls_per_hour: 1000000, average_handle_time: 4h}",
        )
    )
    result = CliRunner().invoke(app, ["capacity", str(estate)])
    assert result.exit_code == 0, result.output
    assert "1000001" not in result.output and "4000001" not in result.output
    assert "more than 1000000" in result.output and "beyond what ccmsctl sizes" in result.output
