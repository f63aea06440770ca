"""`ccmsctl import asterisk --edges`: the edges' files read with the PBXs'. A hand-maintained
Kamailio in front of the Pudong PBX gives the edge host, the PBX's name, the SIP domain and
the carrier's peers, and what it says that the estate does not is listed; the example's
Shanghai pair, compiled, comes in as two sites and their twin pair; options that do not fit
what the files say are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.kinds import EstateInfo
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from tests.brownfield import EDGE, import_arguments
from tests.conftest import EXAMPLE

runner = CliRunner()


def _residue(output: str) -> dict[tuple[str, int], str]:
    report = json.loads(output)
    return {(r["file"], r["line"]): r["why"] for r in report["residue"]}


def test_a_hand_maintained_edge_gives_the_edge_the_domain_and_the_peers(tmp_path: Path) -> None:
    out = tmp_path / "estate"
    done = runner.invoke(
        app, import_arguments(out, "--edges", str(EDGE), "--format", "json", edge="")
    )
    assert done.exit_code == 3, done.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    estate = load_estate(out).estate
    hosts = {(h.name, tuple(h.roles), str(h.address)) for h in estate.index(Site)["sh-1"].hosts}
    assert ("pudong-edge", ("edge",), "10.10.1.11") in hosts
    assert ("pudong-pbx", ("pbx",), "10.10.2.21") in hosts
    assert estate.of(EstateInfo)[0].sip_domain == "cc.lotus-mutual.example"
    peers = [str(peer.address) for peer in estate.index(Trunk)["ct"].peers]
    assert peers == ["203.0.113.10", "203.0.113.11"]
    residue = _residue(done.output)
    assert residue[("kamailio/address.list", 5)] == "a trunk none of the PBXs' files has"
    assert "twin pair" in residue[("kamailio/kamailio.cfg", 21)]
    assert "kamailio.cfg from the estate" in residue[("kamailio/kamailio.cfg", 23)]
    modelled = {("kamailio/kamailio.cfg", n) for n in (9, 10, 11)} | {
        ("kamailio/address.list", n) for n in (2, 3, 7)
    }
    assert not modelled & set(residue)
    assert ("kamailio/dispatcher.list", 2) not in residue


@pytest.fixture(scope="module")
def shanghai(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's Shanghai pair as compiled: its PBXs' and edges' folders."""
    build = tmp_path_factory.mktemp("shanghai")
    hosts = compile_estate(load_estate(EXAMPLE).estate).hosts
    for name in ("sh1-pbx-1", "sh1-pbx-2", "sh2-pbx-1", "sh1-edge-1", "sh1-edge-2", "sh2-edge-1"):
        for path, content in hosts[name].items():
            target = build / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    return build


def _pair_arguments(build: Path, out: Path, *extra: str) -> list[str]:
    """Shanghai's PBXs (sh-2's second one left out) and edges, imported as sh-1."""
    first, *pbxs = [build / n / "etc/asterisk" for n in ("sh1-pbx-1", "sh1-pbx-2", "sh2-pbx-1")]
    edges = [str(build / n / "etc") for n in ("sh1-edge-1", "sh1-edge-2", "sh2-edge-1")]
    return import_arguments(
        out,
        *map(str, pbxs),
        *(option for edge in edges for option in ("--edges", edge)),
        *extra,
        source=first,
        sounds=build / "sh1-pbx-1/var/lib/asterisk/ccmsctl-prompts",
        edge="",
    )


def test_a_twin_pair_comes_in_with_its_vips_health_check_and_peers(
    shanghai: Path, tmp_path: Path
) -> None:
    out = tmp_path / "estate"
    done = runner.invoke(app, _pair_arguments(shanghai, out, "--twin", "sh-2"))
    assert done.exit_code == 3, done.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    example, estate = load_estate(EXAMPLE).estate, load_estate(out).estate
    pair = estate.of(TwinPair)[0]
    was = example.index(TwinPair)["shanghai"]
    assert pair.sites == was.sites and pair.vips == was.vips
    assert pair.health_check == was.health_check
    sites = estate.index(Site)
    # sh2-pbx-2's folder was not given: the edges say it, and it is listed as assumed
    assert [h.name for h in sites["sh-2"].hosts] == ["sh2-edge-1", "sh2-pbx-1", "sh2-pbx-2"]
    for name in ("ct-sh", "cu-sh"):
        trunk, original = estate.index(Trunk)[name], example.index(Trunk)[name]
        assert (trunk.peers, trunk.transport, trunk.sites) == (
            original.peers,
            original.transport,
            original.sites,
        )
    assert estate.of(Alerting)[0].scrapers == example.of(Alerting)[0].scrapers
    report = (out / "IMPORT.md").read_text()
    assert "`TwinPair/sh-1-sh-2` | `mode`" in report
    assert "`Site/sh-2` | `hosts` | `sh2-pbx-2 runs as 10.10.2.21`" in report


def test_the_twin_must_be_named_and_must_be_there(shanghai: Path, tmp_path: Path) -> None:
    unnamed = runner.invoke(app, _pair_arguments(shanghai, tmp_path / "a"))
    assert unnamed.exit_code == 1
    assert "E1903" in unnamed.output and "--twin NAME" in unnamed.output
    alone = runner.invoke(
        app, import_arguments(tmp_path / "b", "--edges", str(EDGE), "--twin", "sh-2", edge="")
    )
    assert alone.exit_code == 1 and "the edges name no PBXs of another site" in alone.output
    both = runner.invoke(app, import_arguments(tmp_path / "c", "--edges", str(EDGE)))
    assert both.exit_code == 1 and "--edge ADDRESS and --edges" in both.output
    assert not any((tmp_path / name).exists() for name in ("a", "b", "c"))
