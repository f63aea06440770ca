"""`ccmsctl import kamailio`: an edge's address.list and dispatcher.list read against an
estate (here the example's own edge files): a peer the estate lacks is added to its trunk
by the address's tag; every line is modelled or listed with why; an addition that would
leave the estate invalid changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.trunk import Trunk
from tests.conftest import EXAMPLE

runner = CliRunner()


def _lists(tmp_path: Path) -> Path:
    """sh1-edge-1's lists, as the example compiles them."""
    folder = tmp_path / "edge"
    folder.mkdir()
    files = compile_estate(load_estate(EXAMPLE).estate).hosts["sh1-edge-1"]
    for name in ("address.list", "dispatcher.list"):
        (folder / name).write_bytes(files[f"etc/kamailio/{name}"])
    return folder


def _estate(tmp_path: Path, without: str = "") -> Path:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    trunks = estate / "carriers" / "trunks.yaml"
    trunks.write_text(trunks.read_text().replace(without, "", 1) if without else trunks.read_text())
    return estate


def test_the_estates_own_lists_are_every_line_modelled(tmp_path: Path) -> None:
    done = runner.invoke(
        app, ["import", "kamailio", str(_lists(tmp_path)), "--into", str(_estate(tmp_path))]
    )
    assert done.exit_code == 0, done.output
    assert "0 not; 0 file(s)" in done.output


def test_a_peer_the_estate_lacks_is_added_to_its_trunk(tmp_path: Path) -> None:
    lists = _lists(tmp_path)
    with (lists / "address.list").open("a") as stream:
        stream.write("1 192.0.2.77 32 0 mystery\n")
    estate = _estate(tmp_path, without="  - address: 203.0.113.11\n")
    assert [str(p.address) for p in load_estate(estate).estate.index(Trunk)["ct-sh"].peers] == [
        "203.0.113.10"
    ]
    done = runner.invoke(app, ["import", "kamailio", str(lists), "--into", str(estate)])
    assert done.exit_code == 3, done.output
    assert "Trunk ct-sh: peers added: 203.0.113.11:5060" in done.output
    assert "address.list:" in done.output and "no trunk (by its tag)" in done.output
    trunk = load_estate(estate).estate.index(Trunk)["ct-sh"]
    assert [str(p.address) for p in trunk.peers] == ["203.0.113.10", "203.0.113.11"]
    assert runner.invoke(app, ["validate", str(estate)]).exit_code == 0


def test_an_addition_the_estate_refuses_changes_nothing(tmp_path: Path) -> None:
    lists = _lists(tmp_path)
    with (lists / "address.list").open("a") as stream:
        stream.write("1 0.0.0.0 32 0 ct-sh\n")
    estate = _estate(tmp_path)
    before = (estate / "carriers" / "trunks.yaml").read_bytes()
    done = runner.invoke(app, ["import", "kamailio", str(lists), "--into", str(estate)])
    assert done.exit_code == 1 and "E1902" in done.output, done.output
    assert (estate / "carriers" / "trunks.yaml").read_bytes() == before
