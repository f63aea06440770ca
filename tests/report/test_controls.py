"""The compliance report: the example passes with its waiver shown, and an estate mutated to
break each control fails that control, with evidence at the line that breaks it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ccmsctl.artifacts import Artifacts
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.report.build import all_controls, build_report
from ccmsctl.report.model import ControlResult, Meta, Report, Status
from ccmsctl.validate.run import validate_estate
from tests.conftest import EXAMPLE, TODAY

META = Meta("estate", "0" * 40, False, "test", "2026-11-23T00:00:00Z")


def report_of(directory: Path, tamper: dict[tuple[str, str], bytes] | None = None) -> Report:
    loaded = load_estate(directory)
    outcome = validate_estate(loaded.estate, loaded.sources, today=TODAY, loaded=loaded.findings)
    artifacts = compile_estate(loaded.estate)
    if tamper:
        hosts = {host: dict(files) for host, files in artifacts.hosts.items()}
        for (host, path), content in tamper.items():
            hosts[host][path] = content
        artifacts = replace(artifacts, hosts=hosts)
    return build_report(loaded.estate, loaded.sources, outcome, artifacts, META, today=TODAY)


def control(report: Report, control_id: str) -> ControlResult:
    return next(c for c in report.controls if c.id == control_id)


@pytest.fixture(scope="module")
def example() -> Report:
    return report_of(EXAMPLE)


def test_the_example_passes_with_its_waivers_shown(example: Report) -> None:
    assert example.status is Status.WAIVED and example.exit_code() == 0
    assert all(c.status in (Status.PASSED, Status.WAIVED) for c in example.controls)
    waivers = next(s for s in example.sections if s.id == "waivers")
    assert [row.cells[0] for row in waivers.rows] == ["ct-sh-card-entry", "hkt-hk-capacity"]
    assert all(row.cells[7] == "live" for row in waivers.rows)
    assert [row.cells[3] for row in waivers.rows] == ["CT-2026-0441", "HKT-2026-1187"]  # tickets
    assert all(row.cells[8].startswith("W0") for row in waivers.rows)  # what each silences
    # the payment line's card digits cross ct-sh, a UDP/RTP trunk: CC-ENC-1 shows it, waived
    encrypted = control(example, "CC-ENC-1")
    assert encrypted.status is Status.WAIVED
    (ct_sh,) = [r for r in encrypted.results if r.subject == "Trunk/ct-sh"]
    assert ct_sh.status is Status.WAIVED and ct_sh.code == "W0708"
    assert ct_sh.waiver is not None and ct_sh.waiver.name == "ct-sh-card-entry"
    # the payment line takes card numbers: PCI DSS applies
    assert example.meta.frameworks == ("China MLPS 2.0", "PCI DSS", "PDPO", "PIPL")
    # the Hong Kong CDRs processed in Singapore: a cross-border flow with its mechanism
    crossing = [f for f in example.flows if f.cross_border]
    assert {(f.jurisdiction, f.data_class, f.country, f.mechanism) for f in crossing} == {
        ("HK", "cdr", "SG", "standard-contract"),
        ("HK", "log", "SG", "standard-contract"),
    }


def test_evidence_names_the_enforcing_line_and_fingerprints_its_file(example: Report) -> None:
    purge = control(example, "CC-RET-2").results[0]
    artifacts = [e for e in purge.evidence if e.source == "artifact"]
    assert artifacts and all(e.where.endswith(tuple("0123456789")) for e in artifacts)
    assert all("-mtime +365 -delete" in e.text for e in artifacts)
    assert all(len(e.sha256) == 64 for e in purge.evidence)
    model = [e for e in purge.evidence if e.source == "model"]
    assert model[0].where.endswith("compliance/retention.yaml:19") and "keep: 365d" in model[0].text


MUTATIONS = [
    # control, file, text, replacement, code of the finding that fails it ("" for none); the
    # evidence points into the mutated file, or where the change matters (the trunk)
    (
        "CC-RET-1",
        "compliance/retention.yaml",
        "keep: 365d\n    erase",
        "keep: 90d\n    erase",
        "E0801",
    ),
    ("CC-RET-2", "compliance/retention.yaml", "recording: 1095d", "recording: 300d", "E0803"),
    (
        "CC-RET-2",
        "compliance/retention.yaml",
        "  - name: vm-hk\n    data_class: voicemail\n    keep: 30d\n    erase_on_request: 30d\n"
        "    store: [hk-1]\n",
        "",
        "E0805:people/skill-groups.yaml",
    ),
    (
        "CC-ERA-1",
        "compliance/retention.yaml",
        "erasure_deadline: 7d",
        "erasure_deadline: 5d",
        "E0802",
    ),
    (
        "CC-ENC-1",
        "compliance/residency.yaml",
        "jurisdiction: CN\n",
        "jurisdiction: CN\nencryption_in_transit: {sip_tls: true}\n",
        "E0706:carriers/trunks.yaml",
    ),
    (
        "CC-ENC-2",
        "compliance/retention.yaml",
        "    encryption_at_rest: true\n    encryption_certificate: "
        "{secret: vault:secrets/keys.yml#hk_recordings_certificate}\n",
        "",
        "E0804",
    ),
    (
        "CC-RES-1",
        "cloud/burst.yaml",
        "data_classes: [cdr, log]",
        "data_classes: [recording, cdr, log]",
        "E0701",
    ),
    ("CC-MLPS-1", "sites/shanghai.yaml", "mlps_level: 3\n", "", ""),
    ("CC-MLPS-1", "sites/shanghai.yaml", "assessed: 2026-06-18", "assessed: 2025-06-18", ""),
    (
        "CC-MLPS-1",
        "sites/shanghai.yaml",
        'mlps_filing:\n  number: "31011443001-25009"\n  bureau: Shanghai Jiading Public '
        "Security Sub-bureau\n  assessed: 2026-05-27\n",
        "",
        "",
    ),
    ("CC-WAI-1", "compliance/waivers.yaml", "expires: 2027-10-31", "expires: 2099-12-31", "E0904"),
]


@pytest.mark.parametrize(("control_id", "file", "text", "new", "code"), MUTATIONS)
def test_a_mutated_estate_fails_the_control_it_breaks(
    tmp_path: Path, control_id: str, file: str, text: str, new: str, code: str
) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    path = estate / file
    original = path.read_text(encoding="utf-8")
    assert text in original
    path.write_text(original.replace(text, new, 1), encoding="utf-8")
    report = report_of(estate)
    broken = control(report, control_id)
    assert broken.status is Status.FAILED and report.exit_code() == 2
    code, _, pointed = code.partition(":")
    failed = [r for r in broken.results if r.status is Status.FAILED]
    assert failed and all(r.code == (code or control_id) for r in failed)  # stable codes
    where = str(estate / (pointed or file))
    assert any(e.where.startswith(f"{where}:") for r in failed for e in r.evidence)
    others = [c.id for c in report.controls if c.status is Status.FAILED and c.id != control_id]
    assert others == []


def _edge_file(estate: Artifacts, host: str, path: str) -> str:
    return estate.hosts[host][path].decode()


def test_an_edge_without_its_carrier_acl_fails(tmp_path: Path) -> None:
    artifacts = compile_estate(load_estate(EXAMPLE).estate)
    config = _edge_file(artifacts, "sh1-edge-1", "etc/kamailio/kamailio.cfg")
    addresses = _edge_file(artifacts, "sh2-edge-1", "etc/kamailio/address.list")
    check = 'if (!allow_source_address("1") && !allow_source_address("2")) {'
    assert check in config
    report = report_of(
        EXAMPLE,
        {
            ("sh1-edge-1", "etc/kamailio/kamailio.cfg"): config.replace(check, "if (0) {").encode(),
            ("sh2-edge-1", "etc/kamailio/address.list"): (
                addresses + "1 192.0.2.66 32 0 x\n"
            ).encode(),
        },
    )
    failed = {
        r.subject: r.message
        for r in control(report, "CC-ACC-1").results
        if r.status is Status.FAILED
    }
    assert failed == {
        "Site/sh-1: sh1-edge-1": "does not check the carrier ACL",
        "Site/sh-2: sh2-edge-1": "admits 192.0.2.66, no carrier peer of the site",
    }


def test_a_pbx_whose_purge_job_is_gone_fails(tmp_path: Path) -> None:
    artifacts = compile_estate(load_estate(EXAMPLE).estate)
    jobs = _edge_file(artifacts, "sh2-pbx-2", "etc/cron.d/ccmsctl-retention")
    kept = "\n".join(line for line in jobs.splitlines() if "recording/rec-cn-standard" not in line)
    report = report_of(EXAMPLE, {("sh2-pbx-2", "etc/cron.d/ccmsctl-retention"): kept.encode()})
    failed = [r for r in control(report, "CC-RET-2").results if r.status is Status.FAILED]
    assert [(r.subject, r.message) for r in failed] == [
        (
            "RetentionPolicy/cn-retention: rec-cn-standard",
            "no purge job for this class on sh2-pbx-2",
        )
    ]


def test_docs_list_every_control_with_its_frameworks() -> None:
    page = (EXAMPLE.parent.parent / "docs" / "controls.md").read_text(encoding="utf-8")
    for entry in all_controls(TODAY):
        section = page[page.index(f"## {entry.id}: {entry.title}\n") :]
        assert f"- Frameworks: {', '.join(entry.frameworks)}\n" in section.split("\n## ")[0]
        assert all(code in section.split("\n## ")[0] for code in entry.codes)


def test_a_waived_failure_stays_visible_with_its_waiver(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    retention = estate / "compliance/retention.yaml"
    text = retention.read_text(encoding="utf-8")
    retention.write_text(
        text.replace("keep: 365d\n    erase", "keep: 90d\n    erase", 1), encoding="utf-8"
    )
    info = estate / "estate.yaml"
    info.write_text(info.read_text() + "waivers: {waivable: [W*, E0801]}\n", encoding="utf-8")
    (estate / "compliance/short.yaml").write_text(
        "kind: Waiver\nname: short-standard\ncode: E0801\ntarget: RetentionPolicy/cn-retention\n"
        "reason: the regulator's guidance on 180 days is under appeal\n"
        "approved_by: Chief Compliance Officer\napproved_on: 2026-11-01\nexpires: 2027-01-31\n",
        encoding="utf-8",
    )
    report = report_of(estate)
    held = control(report, "CC-RET-1")
    assert held.status is Status.WAIVED and report.exit_code() == 0
    waived = [r for r in held.results if r.status is Status.WAIVED]
    assert [(r.code, r.waiver.approved_by if r.waiver else "") for r in waived] == [
        ("E0801", "Chief Compliance Officer")
    ]


def test_card_entry_that_would_be_recorded_fails() -> None:
    artifacts = compile_estate(load_estate(EXAMPLE).estate)
    plan = _edge_file(artifacts, "sh1-pbx-2", "etc/asterisk/extensions.conf")
    stop = " same => n,ExecIf($[${CCMS_PAUSED} > 0]?StopMixMonitor())\n"
    assert plan.count(stop) == 2
    report = report_of(
        EXAMPLE, {("sh1-pbx-2", "etc/asterisk/extensions.conf"): plan.replace(stop, "", 1).encode()}
    )
    failed = [
        (r.subject, r.message)
        for r in control(report, "CC-PCI-1").results
        if r.status is Status.FAILED
    ]
    assert failed == [
        ("IVR/pay-cn: card-number", "card digits may be recorded or kept on sh1-pbx-2")
    ]


def test_a_transfer_across_the_border_fails_residency_and_is_drawn(tmp_path: Path) -> None:
    # Hong Kong's overflow transferred into a Shanghai number: the call, its record and its
    # recording would be made in mainland China
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    groups = estate / "people/skill-groups.yaml"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(text.replace('"+85221230000"', '"+862161230000"'), encoding="utf-8")
    report = report_of(estate)
    residency = control(report, "CC-RES-1")
    assert residency.status is Status.FAILED
    failed = [r for r in residency.results if r.status is Status.FAILED]
    assert [(r.code, r.subject) for r in failed] == [("E0707", "SkillGroup/service-yue")]
    assert "transfer to +862161230000" in failed[0].message
    # the data-flow map shows where the Hong Kong callers' data would go
    crossing = {(f.jurisdiction, f.data_class, f.place, f.role) for f in report.flows}
    assert ("HK", "recording", "sh-1", "routed") in crossing
    flow = next(f for f in report.flows if (f.jurisdiction, f.place) == ("HK", "sh-1"))
    assert flow.cross_border and "callers of hk-1 by transfer to +862161230000" in flow.via
