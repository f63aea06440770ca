"""Erlang B and C against published table values; the capacity of the example estate."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.validate.capacity import agents_needed, erlang_b_channels, erlang_c, service_level
from ccmsctl.validate.sizing import size_estate
from tests.conftest import EXAMPLE


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
    assert trunks["hkt-hk"] == (22, 20)  # what W0901 says, and the example's waiver accepts
    groups = {g.name: g for g in sizing.groups}
    # sales-zh: 900 calls an hour of 240 s is 60 Erlangs; 80% in 20 s takes 67 agents
    assert (groups["sales-zh"].erlangs, groups["sales-zh"].needed) == (60.0, 67)
    assert groups["sales-zh"].staffed == 5 and groups["sales-zh"].achieved == 0.0
    survival = {(s.lost, s.survivor): s for s in sizing.survivals}
    assert survival[("sh-1", "sh-2")].holds and survival[("sh-1", "sh-2")].burst == (
        "cn-east-burst",
    )


def test_the_command_prints_and_serialises() -> None:
    text = CliRunner().invoke(app, ["capacity", str(EXAMPLE)])
    assert text.exit_code == 0 and "hkt-hk" in text.output and "SHORT by 2" in text.output
    document = json.loads(CliRunner().invoke(app, ["capacity", str(EXAMPLE), "--json"]).output)
    assert document["version"] == 1 and document["blocking"] == 0.01
    assert {t["name"] for t in document["trunks"]} == {"ct-sh", "cu-sh", "hkt-hk"}
