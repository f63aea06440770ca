"""The generated inventory is read by Ansible itself (ansible-inventory), with the groups a
playbook or AWX job targets: sites, roles, twin sides, burst pools; what an estate's
monitoring settings give its hosts (node_exporter, the edges' metrics ACL)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from tests.conftest import BASE, EXAMPLE


def test_ansible_reads_the_generated_inventory(example_build: Path) -> None:
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible.cli.inventory",
            "-i",
            str(example_build / "inventory.yml"),
            "--list",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    inventory = json.loads(listed.stdout)
    assert set(inventory["site_sh_1"]["hosts"]) >= {"sh1-edge-1", "sh1-pbx-1"}
    assert sorted(inventory["role_edge"]["hosts"]) == [
        "hk1-edge-1",
        "sh1-edge-1",
        "sh1-edge-2",
        "sh2-edge-1",
        "sh2-edge-2",
    ]
    assert all(h.startswith("sh2-") for h in inventory["twin_shanghai_standby"]["hosts"])
    assert all(h.startswith("sh1-") for h in inventory["twin_shanghai_primary"]["hosts"])
    variables = inventory["_meta"]["hostvars"]
    assert variables["sh1-edge-1"]["ansible_host"] == "10.10.1.11"
    assert variables["hk1-pbx-1"]["ccms_roles"] == ["pbx"]
    # hk-1 keeps its recordings encrypted at rest: openssl encrypts them; every host runs
    # node_exporter
    node = "prometheus-node-exporter"
    assert variables["hk1-pbx-1"]["ccms_packages"] == ["asterisk", "openssl", node]
    # hk-1 takes a TLS trunk: its edge needs Kamailio's TLS modules, sh-1's edges do not
    assert variables["hk1-edge-1"]["ccms_packages"] == [
        "kamailio",
        "kamailio-tls-modules",
        "keepalived",
        node,
    ]
    assert variables["sh1-edge-1"]["ccms_packages"] == ["kamailio", "keepalived", node]
    assert variables["sh1-edge-1"]["ccms_services"] == ["kamailio", node]
    # burst pools are groups with their sizing as variables; cloud nodes join them at scale-out
    assert {"burst_cn_east_burst", "burst_ap_sg_burst"} <= set(inventory["all"]["children"])


def test_an_estate_whose_baseline_runs_node_exporter_gets_none_from_ccmsctl(
    tmp_path: Path,
) -> None:
    """`node_exporter: false`: no host is given the package or the service to keep."""
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    sites = estate / "sites.yaml"
    text = sites.read_text()
    sites.write_text(text.replace("sip_domain:", "node_exporter: false\nsip_domain:", 1))
    desired = compile_estate(load_estate(estate).estate)
    assert desired.host_vars, "the base estate has hosts"
    for name, host in desired.host_vars.items():
        assert "prometheus-node-exporter" not in host.packages + host.services, name
    assert desired.host_vars["a-pbx"].services == ("asterisk",)


def test_the_edges_answer_metrics_to_the_listed_scrapers_only(tmp_path: Path) -> None:
    """With `scrapers` in the Alerting document, each edge's ACL holds them as group 3 and
    its /metrics route refuses any other source; without, neither (the port answers all)."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    check = 'if (!allow_source_address("3")) {'
    listed = compile_estate(load_estate(estate).estate)
    for host in ("sh1-edge-1", "hk1-edge-1"):
        files = listed.hosts[host]
        assert check in files["etc/kamailio/kamailio.cfg"].decode(), host
        groups = files["etc/kamailio/address.list"].decode().splitlines()
        scrapers = [line.split()[1:3] for line in groups if line.startswith("3 ")]
        assert scrapers == [["10.10.9.10", "32"], ["10.20.9.10", "32"]], host
    alerting = estate / "monitoring/alerting.yaml"
    text = alerting.read_text()
    alerting.write_text(text.replace("scrapers: [10.10.9.10/32, 10.20.9.10/32]\n", ""))
    unlisted = compile_estate(load_estate(estate).estate).hosts["sh1-edge-1"]
    assert check not in unlisted["etc/kamailio/kamailio.cfg"].decode()
    assert "\n3 " not in unlisted["etc/kamailio/address.list"].decode()


def test_a_few_more_numbers_change_the_did_table_and_not_kamailios_config(
    tmp_path: Path,
) -> None:
    """What decides between a reload and a restart of Kamailio (roles/kamailio): numbers
    added to a range touch its data files only, so the running Kamailio reads them again."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    before = compile_estate(load_estate(estate).estate).hosts["sh1-edge-1"]
    numbers = estate / "carriers/numbers.yaml"
    text = numbers.read_text()
    numbers.write_text(text.replace('last: "+862161230099"', 'last: "+862161230109"', 1))
    after = compile_estate(load_estate(estate).estate).hosts["sh1-edge-1"]
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert changed == ["etc/kamailio/db/did"]


def test_a_new_trunk_changes_the_edges_data_files_and_not_kamailios_config(
    tmp_path: Path,
) -> None:
    """A carrier's new trunk (of a transport the site already takes) reaches the edges as
    data: its peers in the ACL and the dispatcher's sets, its name among the trunks
    /metrics counts."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    before = compile_estate(load_estate(estate).estate).hosts["sh1-edge-1"]
    trunks = estate / "carriers/trunks.yaml"
    trunks.write_text(
        trunks.read_text()
        + "---\nkind: Trunk\nname: cm-sh\ncarrier: China Mobile Shanghai\nsites: [sh-1, sh-2]\n"
        "transport: udp\npeers: [{address: 203.0.113.30}]\ncodecs: [PCMA]\nchannels: 60\n"
    )
    after = compile_estate(load_estate(estate).estate).hosts["sh1-edge-1"]
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert changed == [
        "etc/kamailio/address.list",
        "etc/kamailio/db/trunks",
        "etc/kamailio/dispatcher.list",
    ]
    assert b"cm-sh" in after["etc/kamailio/db/trunks"]
