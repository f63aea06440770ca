"""Cloud burst pools: scaling one in the estate (`ccmsctl burst scale`), what its nodes get
(PBX files for the numbers whose data the pool may keep), how the edges reach them, and
the lab's addresses for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.lab import LabAddresses, lab_addresses, missing, relocated
from ccmsctl.compile.pbx.routing import burst_numbers
from ccmsctl.load.estate import load_estate
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.state import HostState, Record, sha256
from tests.conftest import EXAMPLE, findings_of

BURST = "cloud/burst.yaml"


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLE, copy)
    return copy


def scale(estate: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["burst", "scale", *args[:1], str(estate), *args[1:]])
    return done.exit_code, done.output


def test_scaling_writes_the_pool_and_keeps_the_file_as_a_person_wrote_it(estate: Path) -> None:
    before = (estate / BURST).read_text()
    code, output = scale(estate, "cn-east-burst", "--nodes", "2")
    assert code == 0, output
    assert "cn-east-burst: 0 -> 2 node(s)" in output and "cn-east-burst-2 10.40.0.2" in output
    after = (estate / BURST).read_text()
    assert after == before.replace("max: 20\n", "max: 20\nnodes: 2\n", 1)  # comments kept
    assert CliRunner().invoke(app, ["fmt", str(estate), "--check"]).exit_code == 0
    # one step of the trigger (channel_utilisation above 0.8): up, hold, down
    assert scale(estate, "cn-east-burst", "--metric", "0.95")[0] == 0
    assert "nodes: 3\n" in (estate / BURST).read_text()
    assert "stays at 3" in scale(estate, "cn-east-burst", "--metric", "0.5")[1]
    assert scale(estate, "cn-east-burst", "--metric", "0.1")[0] == 0
    assert "nodes: 2\n" in (estate / BURST).read_text()


def test_scaling_refuses_what_the_pool_cannot_be(estate: Path) -> None:
    before = (estate / BURST).read_text()
    code, output = scale(estate, "cn-east-burst", "--nodes", "21")
    assert (
        code == 1
        and "burst.yaml:10:6: error[E1701]: cn-east-burst runs 0 to 20 nodes, not 21" in (output)
    )
    code, output = scale(estate, "nowhere", "--nodes", "1")
    assert code == 1 and "no burst pool 'nowhere' (pools: ap-sg-burst, cn-east-burst)" in output
    assert scale(estate, "cn-east-burst")[0] == 2  # neither --nodes nor --metric
    assert (estate / BURST).read_text() == before


def test_running_nodes_are_pbxs_behind_the_sites_own(estate: Path) -> None:
    assert scale(estate, "cn-east-burst", "--nodes", "2")[0] == 0
    artifacts = compile_estate(load_estate(estate).estate)
    node = artifacts.hosts["cn-east-burst-1"]
    assert "bind = 10.40.0.1:5060" in node["etc/asterisk/pjsip_transports.conf"].decode()
    assert "CCMS_CHANNELS = 120" in node["etc/asterisk/extensions.conf"].decode()
    assert "(agent-phone)" not in node["etc/asterisk/pjsip.conf"].decode()  # no agents
    # no agent's password either: only the certificates what it keeps is encrypted to
    kept = artifacts.secrets["cn-east-burst-1"]
    assert kept and all(path.startswith("etc/asterisk/recording-keys/") for path in kept)
    dispatcher = artifacts.hosts["sh2-edge-1"]["etc/kamailio/dispatcher.list"].decode()
    assert "11 sip:10.40.0.2:5060 0 5 duid=cn-east-burst-2" in dispatcher  # after 20 and 10
    assert "2 10.40.0.1 32 0 cn-east-burst-1" in (
        artifacts.hosts["sh1-edge-1"]["etc/kamailio/address.list"].decode()
    )
    assert artifacts.host_vars["cn-east-burst-2"].wave == 1
    inventory = artifacts.estate["inventory.yml"].decode()
    assert "cn-east-burst-1:" in inventory and "ccms_nodes: 2" in inventory
    assert "hk1-edge-1" in artifacts.hosts and "10.40.0" not in (
        artifacts.hosts["hk1-edge-1"]["etc/kamailio/dispatcher.list"].decode()
    )


def test_a_pool_answers_only_the_numbers_whose_data_it_may_keep(estate: Path) -> None:
    loaded = load_estate(estate).estate
    pools = loaded.index(BurstPool)
    shanghai = burst_numbers(loaded, pools["cn-east-burst"])
    assert sum(r.count() for r in shanghai) == 180
    assert {r.site for r in shanghai} == {"sh-1", "sh-2"}
    # every Shanghai IVR leaves voicemail when closed: a pool that keeps none answers none
    text = (estate / BURST).read_text()
    kept = "data_classes: [recording, cdr, voicemail, log]"
    without = text.replace(kept, "data_classes: [recording, cdr, log]")
    assert kept in text and without != text
    (estate / BURST).write_text(without)
    narrowed = load_estate(estate).estate
    assert burst_numbers(narrowed, narrowed.index(BurstPool)["cn-east-burst"]) == []
    (estate / BURST).write_text(text)
    # the Singapore pool keeps no recordings, and every Hong Kong queue records
    assert burst_numbers(loaded, pools["ap-sg-burst"]) == []
    # asking it to keep them is refused where it is written: Hong Kong's recordings stay
    text = (
        (estate / BURST)
        .read_text()
        .replace("data_classes: [cdr, log]", "data_classes: [recording, cdr, log]")
    )
    (estate / BURST).write_text(text)
    assert [(f.code, f.span.file.endswith(BURST)) for f in findings_of(estate)] == [("E0701", True)]


def test_the_lab_gives_each_pool_a_loopback_subnet() -> None:
    loaded = load_estate(EXAMPLE).estate
    addresses = lab_addresses(loaded)
    assert addresses.pools == {"ap-sg-burst": "127.4.1.0/24", "cn-east-burst": "127.4.2.0/24"}
    again = LabAddresses.from_json(addresses.to_json())
    assert again == addresses
    moved = relocated(loaded, addresses)
    assert str(moved.index(BurstPool)["cn-east-burst"].subnet) == "127.4.2.0/24"
    older = addresses.to_json()
    del older["pools"]  # a lab made before pools had addresses
    assert missing(loaded, LabAddresses.from_json(older)) == [
        "burst pool ap-sg-burst",
        "burst pool cn-east-burst",
    ]


def test_a_node_scaled_in_is_drained_and_retired_by_the_plan(estate: Path) -> None:
    assert scale(estate, "cn-east-burst", "--nodes", "1")[0] == 0
    before = compile_estate(load_estate(estate).estate)
    files = before.hosts["cn-east-burst-1"]
    record = Record("abc", "2026-11-30T00:00:00+00:00", {p: sha256(c) for p, c in files.items()})
    assert scale(estate, "cn-east-burst", "--nodes", "0")[0] == 0
    after = compile_estate(load_estate(estate).estate)
    plan = make_plan(after, {"cn-east-burst-1": HostState(record, dict(files))})
    assert plan.retired() == ["cn-east-burst-1"]
    assert {c.action for c in plan.changes if c.host == "cn-east-burst-1"} == {"delete"}
    assert "1 host(s) to drain and retire" in plan.summary()
    assert make_plan(after, {}).retired() == []


def test_a_node_may_not_take_a_hosts_name(estate: Path) -> None:
    sites = estate / "sites/hongkong.yaml"
    sites.write_text(sites.read_text().replace("name: hk1-pbx-1", "name: ap-sg-burst-3"))
    found = [(f.code, f.subject, f.message) for f in findings_of(estate)]
    assert (
        "E0201",
        "BurstPool/ap-sg-burst",
        "its node ap-sg-burst-3 would have the name of a host of Site 'hk-1'",
    ) in found


def test_scaling_writes_through_no_link(estate: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("kept\n")
    (estate / "cloud" / ".burst.yaml.ccmsctl-new").symlink_to(outside)  # a planted link
    code, output = scale(estate, "cn-east-burst", "--nodes", "2")
    assert code == 0, output
    assert outside.read_text() == "kept\n" and "nodes: 2\n" in (estate / BURST).read_text()
    # the pool's file itself a link (to a copy inside the estate): refused, nothing written
    pool = estate / BURST
    real = estate / "cloud" / "pools.txt"  # not an estate file: read through the link only
    real.write_text(pool.read_text())
    pool.unlink()
    pool.symlink_to(real.name)
    before = real.read_text()
    code, output = scale(estate, "cn-east-burst", "--nodes", "3")
    assert code == 1 and "a symbolic link" in output and "Traceback" not in output
    assert real.read_text() == before and pool.is_symlink()
