"""Secrets reach only the hosts that need them, as files compile describes and apply fills:
values are checked for what they are, a plan shows their files as (sensitive value) and
keeps no value, and drift in them is found by their bytes."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest

from ccmsctl.apply.secrets import resolve
from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.agent import Agent
from ccmsctl.plan.diff import make_plan, reviewable, unified_diff
from ccmsctl.plan.planfile import SavedPlan, dump, load
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.secrets import (
    SecretError,
    checked,
    render_secret_files,
    reveal,
    same_secrets,
    secrets_digest,
)
from ccmsctl.plan.state import HostState, Record, sha256
from tests.conftest import EXAMPLE

PASSWORD = "s3cret;with-semicolon"
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"


def value_of(secret: Secret) -> str:
    certificates = {"tls-certificate": CERTIFICATE, "certificate": CERTIFICATE}
    return {"password": PASSWORD, **certificates}.get(secret.kind, KEY)


def test_only_the_hosts_that_need_a_secret_get_its_file() -> None:
    desired = compile_estate(load_estate(EXAMPLE).estate)
    # every PBX (its agents' phones), and the edge of the TLS trunk's site
    pbxs = sorted(h for h, v in desired.host_vars.items() if "pbx" in v.roles)
    assert sorted(desired.secrets) == sorted(["hk1-edge-1", *pbxs])
    pbx = desired.secrets["hk1-pbx-1"]["etc/asterisk/pjsip_secrets.conf"]
    assert (pbx.mode, pbx.group) == ("0640", "asterisk")
    hk_agents = [
        a.sip_password.secret
        for a in sorted(load_estate(EXAMPLE).estate.of(Agent), key=lambda a: a.extension)
        if a.site == "hk-1"
    ]
    assert pbx.secrets() == tuple(
        [Secret("env:HKT_SIP_PASSWORD", "password")]
        + [Secret(reference, "password") for reference in hk_agents]
    )
    edge = desired.secrets["hk1-edge-1"]
    assert sorted(edge) == ["etc/kamailio/tls/server.key", "etc/kamailio/tls/server.pem"]
    assert edge["etc/kamailio/tls/server.key"].secrets()[0].kind == "tls-private-key"
    # nothing of them is among the compiled files that build/ and a plan file hold
    assert all("pjsip_secrets.conf" not in path for _, path, _ in desired.files())
    # the certificate of each class the site stores encrypted at rest, on its PBXs only
    assert sorted(p for p in desired.secrets["hk1-pbx-1"] if p.endswith(".pem")) == [
        "etc/asterisk/recording-keys/rec-hk-standard.pem"
    ]
    assert sorted(p for p in desired.secrets["sh2-pbx-1"] if p.endswith(".pem")) == [
        "etc/asterisk/recording-keys/cdr-cn.pem",
        "etc/asterisk/recording-keys/rec-cn-claims.pem",
        "etc/asterisk/recording-keys/rec-cn-standard.pem",
    ]
    rendered = render_secret_files(desired.secrets, value_of)
    text = rendered["hk1-pbx-1"]["etc/asterisk/pjsip_secrets.conf"].decode()
    assert "[trunk-hkt-hk-auth](+)\npassword=s3cret\\;with-semicolon\n" in text  # ; escaped
    assert rendered["hk1-edge-1"]["etc/kamailio/tls/server.key"].decode() == KEY


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("password", "line\n[evil]\ntype=endpoint"),
        ("password", ""),
        ("password", " padded"),
        ("password", "bell\x07"),
        ("tls-certificate", KEY),
        ("tls-private-key", "not a key"),
        ("certificate", KEY),
    ],
)
def test_a_value_that_is_not_what_its_secret_says_is_refused_by_name(kind: str, value: str) -> None:
    secret = Secret("vault:secrets/x.yml#entry", kind)
    with pytest.raises(SecretError) as raised:
        checked(secret, value)
    assert "vault:secrets/x.yml#entry" in str(raised.value)
    assert value.strip() == "" or value.strip() not in str(raised.value)


def test_every_missing_secret_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCMS_A", raising=False)
    monkeypatch.delenv("CCMS_B", raising=False)
    with pytest.raises(SecretError) as raised:
        reveal(
            [Secret("env:CCMS_A", "password"), Secret("env:CCMS_B", "password")],
            lambda s: resolve(s.reference),
        )
    assert "CCMS_A" in str(raised.value) and "CCMS_B" in str(raised.value)


def test_plan_shows_secret_files_without_their_values_and_finds_drift() -> None:
    desired = compile_estate(load_estate(EXAMPLE).estate)
    rendered = render_secret_files(desired.secrets, value_of)
    path = "etc/asterisk/pjsip_secrets.conf"
    first = make_plan(desired, {}, rendered)
    added = [c for c in first.changes if c.path == path]
    pbxs = sorted(h for h, v in desired.host_vars.items() if "pbx" in v.roles)
    assert [(c.host, c.action, c.sensitive, c.before, c.after) for c in added] == [
        (host, "add", True, None, None) for host in pbxs
    ]
    assert unified_diff(added[0]).strip() == "(sensitive value)"
    # the host as the apply left it, then edited by hand: drift, found by bytes
    wanted = {**desired.hosts["hk1-pbx-1"], **rendered["hk1-pbx-1"]}
    record = Record("c", "t", {p: sha256(b) for p, b in wanted.items()}, (path,))
    applied = HostState(record, wanted)
    assert not [
        c
        for c in make_plan(desired, {"hk1-pbx-1": applied}, rendered).changes
        if c.host == "hk1-pbx-1"
    ]
    edited = replace(applied, files={**wanted, path: wanted[path] + b"password=rogue\n"})
    changes = make_plan(desired, {"hk1-pbx-1": edited}, rendered).changes
    assert [(c.host, c.path, c.reason, c.sensitive) for c in changes if c.host == "hk1-pbx-1"] == [
        ("hk1-pbx-1", path, "drift", True)
    ]
    # a host's fingerprint does not depend on a secret file's bytes; the digest does
    assert edited.fingerprint([path]) == applied.fingerprint([path])
    digest = secrets_digest(rendered, {"hk1-pbx-1": applied})
    assert same_secrets(digest, rendered, {"hk1-pbx-1": applied})
    assert not same_secrets(digest, rendered, {"hk1-pbx-1": edited})
    other = render_secret_files(
        desired.secrets, lambda s: "changed" if s.kind == "password" else value_of(s)
    )
    assert not same_secrets(digest, other, {"hk1-pbx-1": applied})


def test_a_saved_plan_holds_no_secret_value() -> None:
    estate = load_estate(EXAMPLE).estate
    desired = compile_estate(estate)
    rendered = render_secret_files(desired.secrets, value_of)
    plan = make_plan(desired, {}, rendered)
    saved = SavedPlan(
        "/estate",
        "lab",
        Provenance("abc", estate.digest(), "def"),
        {},
        plan,
        secrets_digest(rendered, {}),
    )
    data = dump(saved)
    for value in (PASSWORD, "MIGH", "s3cret"):
        assert value.encode() not in data
        assert base64.b64encode(value.encode())[:8] not in data
    assert load(data) == saved  # the references come back, so apply can fill them again


def test_the_offline_review_shows_a_changed_reference() -> None:
    desired = compile_estate(load_estate(EXAMPLE).estate)
    secret_file = desired.secrets["hk1-pbx-1"]["etc/asterisk/pjsip_secrets.conf"]
    moved = SecretFile(
        tuple(
            Secret("vault:secrets/trunks.yml#hkt", "password") if isinstance(p, Secret) else p
            for p in secret_file.parts
        ),
        secret_file.mode,
        secret_file.group,
        secret_file.syntax,
    )
    after = replace(
        desired,
        secrets={
            **desired.secrets,
            "hk1-pbx-1": {**desired.secrets["hk1-pbx-1"], "etc/asterisk/pjsip_secrets.conf": moved},
        },
    )
    before_hosts = reviewable(desired).hosts
    base = {
        h: HostState(Record("b", "", {p: sha256(c) for p, c in f.items()}), f)
        for h, f in before_hosts.items()
    }
    changes = make_plan(reviewable(after), base).changes
    assert [(c.host, c.path) for c in changes] == [("hk1-pbx-1", "etc/asterisk/pjsip_secrets.conf")]
    diff = unified_diff(changes[0])
    assert "-password=(secret env:HKT_SIP_PASSWORD)" in diff
    assert "+password=(secret vault:secrets/trunks.yml#hkt)" in diff


def test_a_vault_reached_through_a_link_out_of_the_estate_is_refused(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    (estate / "secrets").mkdir(parents=True)
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("password: not-for-the-estate\n")
    (estate / "secrets" / "vault.yml").symlink_to(outside)
    with pytest.raises(SecretError, match="outside the estate") as raised:
        resolve("vault:secrets/vault.yml#password", estate)
    assert "not-for-the-estate" not in str(raised.value)
