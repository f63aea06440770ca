"""The generated edge, run by the real programs: Kamailio's and keepalived's own checkers,
and SIP calls through Kamailio on loopback with SIPp as carriers and PBXs."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ccmsctl.compile.lab import lab_addresses
from ccmsctl.compile.monitoring.names import TRUNK_PEER_UP as PEER_UP
from ccmsctl.lab import call
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE
from tests.integration.realworld import (
    build_lab,
    carrier_call,
    invites,
    kamailio,
    pbx_stand_ins,
    require,
    sip_status,
)

SH1_DID = "+862161230005"  # ct-sh-service, owned by sh-1
SH2_DID = "+862131880003"  # cu-sh-service, owned by sh-2


@pytest.fixture
def lab(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return tmp_path, build_lab(EXAMPLE, tmp_path)


def check(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_kamailio_accepts_every_generated_config(example_build: Path) -> None:
    binary = require("kamailio")
    configs = sorted(example_build.glob("*/etc/kamailio/kamailio.cfg"))
    assert len(configs) == 5
    for config in configs:
        result = check([binary, "-c", "-f", str(config)])
        assert result.returncode == 0, f"{config}:\n{result.stdout}{result.stderr}"


def test_kamailio_check_rejects_a_broken_config(example_build: Path, tmp_path: Path) -> None:
    binary = require("kamailio")
    config = example_build / "sh1-edge-1/etc/kamailio/kamailio.cfg"
    broken = tmp_path / "kamailio.cfg"
    broken.write_text(config.read_text().replace("ds_select_dst(", "ds_select_dest("))
    assert check([binary, "-c", "-f", str(broken)]).returncode != 0


def test_keepalived_accepts_every_generated_config(example_build: Path) -> None:
    binary = require("keepalived")
    configs = sorted(example_build.glob("*/etc/keepalived/keepalived.conf"))
    assert len(configs) == 4  # the Shanghai edges; Hong Kong has one edge and no VIP
    for config in configs:
        result = check([binary, "-t", "-f", str(config)])
        assert result.returncode == 0, f"{config}:\n{result.stdout}{result.stderr}"


def test_carrier_call_reaches_the_owning_sites_pbx_with_the_did_intact(lab) -> None:
    root, addresses = lab
    edge = addresses["sh1-edge-1"]
    sh1 = [addresses["sh1-pbx-1"], addresses["sh1-pbx-2"]]
    sh2 = [addresses["sh2-pbx-1"], addresses["sh2-pbx-2"]]
    with kamailio(root / "sh1-edge-1", edge), pbx_stand_ins(sh1 + sh2, root) as traces:
        ct_sh = "127.1.1.1"  # first peer of trunk ct-sh in the lab
        cu_sh = "127.1.2.1"  # first peer of trunk cu-sh
        first = carrier_call(ct_sh, edge, SH1_DID, root)
        second = carrier_call(cu_sh, edge, SH2_DID, root)
        assert first.ok, first.stdout + first.stderr
        assert second.ok, second.stdout + second.stderr
    reached = {address: invites(trace) for address, trace in traces.items()}
    delivered = "".join(trace.read_text(errors="replace") for trace in traces.values())
    assert "X-CCMS-Trunk: ct-sh" in delivered  # the PBX's pjsip identify matches on it
    assert "X-CCMS-Trunk: cu-sh" in delivered
    assert [line for a in sh1 for line in reached[a]] == [
        f"INVITE sip:{SH1_DID}@{edge}:5060 SIP/2.0"
    ]
    assert [line for a in sh2 for line in reached[a]] == [
        f"INVITE sip:{SH2_DID}@{edge}:5060 SIP/2.0"
    ]


def test_strangers_get_403_and_unknown_dids_404(lab) -> None:
    root, addresses = lab
    edge = addresses["sh1-edge-1"]
    with kamailio(root / "sh1-edge-1", edge):
        assert sip_status("127.9.9.9", edge, "INVITE", f"sip:{SH1_DID}@{edge}") == 403
        assert sip_status("127.1.1.1", edge, "INVITE", f"sip:+860000000000@{edge}") == 404
        assert sip_status("127.1.1.1", edge, "OPTIONS", f"sip:{edge}") == 200


def test_call_fails_over_to_the_twin_sites_pbx(lab) -> None:
    root, addresses = lab
    edge = addresses["sh1-edge-1"]
    sh2 = [addresses["sh2-pbx-1"], addresses["sh2-pbx-2"]]
    with kamailio(root / "sh1-edge-1", edge) as log, pbx_stand_ins(sh2, root) as traces:
        call = carrier_call("127.1.1.1", edge, SH1_DID, root)
        assert call.ok, call.stdout + call.stderr + log.read_text()
    assert [line for trace in traces.values() for line in invites(trace)] == [
        f"INVITE sip:{SH1_DID}@{edge}:5060 SIP/2.0"
    ]


def test_call_moves_on_when_the_owning_sites_pbxs_answer_503(lab) -> None:
    root, addresses = lab
    edge = addresses["sh1-edge-1"]
    sh1 = [addresses["sh1-pbx-1"], addresses["sh1-pbx-2"]]
    sh2 = [addresses["sh2-pbx-1"]]
    with (
        kamailio(root / "sh1-edge-1", edge),
        pbx_stand_ins(sh1, root, "pbx_503_uas.xml") as refusing,
        pbx_stand_ins(sh2, root) as answering,
    ):
        call = carrier_call("127.1.1.1", edge, SH1_DID, root)
        assert call.ok, call.stdout + call.stderr
    assert [line for trace in refusing.values() for line in invites(trace)]  # tried first
    assert [line for trace in answering.values() for line in invites(trace)] == [
        f"INVITE sip:{SH1_DID}@{edge}:5060 SIP/2.0"
    ]


def _scrape(
    address: str, path: str = "/metrics", port: int = 9494, source: str = "127.0.0.1"
) -> tuple[int, str]:
    """GET `path` from `source` (the lab's scrapers are 127.0.0.1, the source the kernel
    gives a connection within the lab)."""
    connection = http.client.HTTPConnection(address, port, timeout=5, source_address=(source, 0))
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _trunk_calls(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], trunk: str
) -> dict[str, float]:
    """kamailio_trunk_calls of `trunk`, by its `dialogs` label (where they are kept)."""
    found: dict[str, float] = {}
    for (name, labels), value in samples.items():
        named = dict(labels)
        if name == "kamailio_trunk_calls" and named.get("trunk") == trunk:
            found[named.get("dialogs", "")] = value
    return found


def test_edge_serves_its_metrics_to_prometheus(lab) -> None:
    """/metrics on the edge's metrics port, read with prometheus_client's parser: calls up
    per trunk (one while a carrier's call is held, none after), the carrier peers the
    dispatcher's OPTIONS found down, Kamailio's statistics; any other path, port or
    source than the estate's scrapers is refused."""
    root, addresses = lab
    edge = addresses["sh1-edge-1"]
    vip = lab_addresses(load_estate(EXAMPLE).estate).vips["sh-1"]  # its dialogs: shared there
    sh1 = [addresses["sh1-pbx-1"], addresses["sh1-pbx-2"]]
    with kamailio(root / "sh1-edge-1", edge), pbx_stand_ins(sh1, root):
        status, text = _scrape(edge)
        assert status == 200
        idle = _samples(text)
        assert _trunk_calls(idle, "ct-sh") == {vip: 0}
        assert ("kamailio_core_rcv_requests", ()) in idle
        held: list[subprocess.CompletedProcess[str]] = []
        caller = threading.Thread(
            target=lambda: held.append(
                call.carrier_call(
                    "127.1.1.1",
                    edge,
                    SH1_DID,
                    timeout=20,
                    scenario=call.SCENARIOS / "drill_uac.xml",
                    extra=("-d", "4000"),
                )
            )
        )
        caller.start()
        busy = 0.0
        for _ in range(60):  # bounded: 6 s
            busy = _trunk_calls(_samples(_scrape(edge)[1]), "ct-sh").get(vip, 0)
            if busy:
                break
            time.sleep(0.1)
        caller.join(timeout=30)
        assert busy == 1
        assert held and held[0].ok, held[0].stdout + held[0].stderr if held else ""
        after = _samples(_scrape(edge)[1])
        assert _trunk_calls(after, "ct-sh") == {vip: 0}
        # the lab's carrier peers do not answer OPTIONS: the dispatcher finds them down
        down: set[tuple[tuple[str, str], ...]] = set()
        for _ in range(150):  # bounded: 15 s (3 failed probes, 2 s apart)
            found = _samples(_scrape(edge)[1])
            down = {labels for (name, labels), v in found.items() if name == PEER_UP and not v}
            if len(down) == 3:
                break
            time.sleep(0.1)
        assert {dict(labels)["trunk"] for labels in down} == {"ct-sh", "cu-sh"}
        assert (("peer", "127.1.1.1:5060"), ("trunk", "ct-sh")) in down
        destinations = {
            dict(labels)["destination"]: v
            for (name, labels), v in found.items()
            if name == "kamailio_dispatcher_destination_up"
        }
        assert destinations["127.1.1.1:5060"] == 0  # every destination, carriers too
        assert _scrape(edge, "/other")[0] == 404
        assert _scrape(edge, port=5060)[0] == 403
        # the example lists its Prometheus servers (the lab's: 127.0.0.1): nobody else
        assert _scrape(edge, source="127.0.9.9") == (403, "")


def test_an_outbound_call_counts_on_the_trunk_that_carries_it(tmp_path: Path) -> None:
    """A PBX's call out, refused by the peer of the carrier tried first (cu-sh: 503), goes
    out through the other carrier's trunk: kamailio_trunk_calls counts it there, not on the
    trunk tried first. (The example's cu-sh made UDP here, so that SIPp stands for it.)"""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    trunks = estate / "carriers/trunks.yaml"
    trunks.write_text(trunks.read_text().replace("transport: tcp\n", "transport: udp\n", 1))
    peers = lab_addresses(load_estate(estate).estate).peers
    addresses = build_lab(estate, tmp_path / "lab")
    edge, pbx = addresses["sh1-edge-1"], addresses["sh1-pbx-1"]
    with (
        kamailio(tmp_path / "lab" / "sh1-edge-1", edge),
        pbx_stand_ins(list(peers["cu-sh"]), tmp_path, "pbx_503_uas.xml") as refusing,
        pbx_stand_ins(list(peers["ct-sh"]), tmp_path),
    ):
        held: list[subprocess.CompletedProcess[str]] = []
        caller = threading.Thread(
            target=lambda: held.append(
                call.carrier_call(
                    pbx,
                    edge,
                    "+8613800138000",
                    timeout=20,
                    scenario=call.SCENARIOS / "drill_uac.xml",
                    extra=("-d", "4000"),
                )
            )
        )
        caller.start()
        counted: dict[str, float] = {}
        for _ in range(60):  # bounded: 6 s
            samples = _samples(_scrape(edge)[1])
            counted = {t: sum(_trunk_calls(samples, t).values()) for t in ("ct-sh", "cu-sh")}
            if counted["ct-sh"]:
                break
            time.sleep(0.1)
        caller.join(timeout=30)
    assert held and held[0].ok, held[0].stdout + held[0].stderr if held else ""
    assert [line for trace in refusing.values() for line in invites(trace)]  # tried first
    assert counted == {"ct-sh": 1, "cu-sh": 0}


def test_a_national_trunks_numbers_reach_the_pbx_and_the_carrier_in_their_forms(
    tmp_path: Path,
) -> None:
    """ct-sh's carrier written as writing numbers nationally (national_numbers: CN): its
    021... reaches the PBX as +8621...; a PBX's call out to +8621... reaches that carrier as
    021...; and a carrier writing E.164 without its + (cu-sh) reaches the PBX with it."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    trunks = estate / "carriers/trunks.yaml"
    trunks.write_text(
        trunks.read_text()
        .replace("codecs: [PCMA, G722]\n", "codecs: [PCMA, G722]\nnational_numbers: CN\n", 1)
        .replace("transport: tcp\n", "transport: udp\n", 1)
    )
    peers = lab_addresses(load_estate(estate).estate).peers
    addresses = build_lab(estate, tmp_path / "lab")
    edge, pbx = addresses["sh1-edge-1"], addresses["sh1-pbx-1"]
    sh1 = [addresses["sh1-pbx-1"], addresses["sh1-pbx-2"]]
    sh2 = [addresses["sh2-pbx-1"], addresses["sh2-pbx-2"]]
    with (
        kamailio(tmp_path / "lab" / "sh1-edge-1", edge) as log,
        pbx_stand_ins(sh1 + sh2, tmp_path) as pbxs,
    ):
        national = carrier_call("127.1.1.1", edge, "02161230005", tmp_path)
        digits = carrier_call("127.1.2.1", edge, SH2_DID.lstrip("+"), tmp_path)
        assert national.ok and digits.ok, log.read_text()
    reached = [line for a in sh1 + sh2 for line in invites(pbxs[a])]
    assert sorted(reached) == sorted(
        [f"INVITE sip:{SH1_DID}@{edge}:5060 SIP/2.0", f"INVITE sip:{SH2_DID}@{edge}:5060 SIP/2.0"]
    )
    # out: cu-sh's peer (tried first) refuses, so the call fails over to ct-sh, whose
    # carrier takes the country's numbers nationally
    (tmp_path / "carrier").mkdir()
    with (
        kamailio(tmp_path / "lab" / "sh1-edge-1", edge) as log,
        pbx_stand_ins(list(peers["cu-sh"]), tmp_path, "pbx_503_uas.xml") as refusing,
        pbx_stand_ins(list(peers["ct-sh"]), tmp_path / "carrier") as carriers,
    ):
        out = call.carrier_call(pbx, edge, "+862155550000", timeout=20)
        assert out.ok, out.stdout + out.stderr + log.read_text()
    tried = [line for trace in refusing.values() for line in invites(trace)]
    assert tried and tried[0].startswith("INVITE sip:+862155550000@"), tried
    sent = [line for trace in carriers.values() for line in invites(trace)]
    assert len(sent) == 1 and sent[0].startswith("INVITE sip:02155550000@"), sent
