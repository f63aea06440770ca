"""`ccmsctl secrets DIR`: every env: and vault: reference the estate needs, where it is
used, and whether this machine resolves it, against real environment variables and a real
Ansible Vault file; never a value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()
PASSWORD = b"vault-password-for-the-test"


def _vault(path: Path, values: dict[str, str]) -> None:
    text = "".join(f'"{key}": "{value}"\n' for key, value in values.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(VaultLib([("default", VaultSecret(PASSWORD))]).encrypt(text))


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLE, copy)
    password = tmp_path / "vault-password"
    password.write_bytes(PASSWORD)
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password))
    for name in ("HKT_SIP_PASSWORD", "HK_NETDEV_PASSWORD", "SH_NETDEV_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return copy


def _listed(estate: Path) -> tuple[int, dict[str, dict[str, object]], str]:
    done = runner.invoke(app, ["secrets", str(estate), "--json"])
    text = runner.invoke(app, ["secrets", str(estate)]).output
    return done.exit_code, {n["reference"]: n for n in json.loads(done.output)}, text


def test_each_reference_is_listed_where_used_and_resolved_or_not(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HKT_SIP_PASSWORD", "env-value-never-shown")
    _vault(estate / "secrets/phones.yml", {"1001": "vault-value-never-shown"})
    status, found, text = _listed(estate)
    assert status == 1
    assert found["env:HKT_SIP_PASSWORD"]["resolves"] is True
    assert found["env:SH_NETDEV_PASSWORD"]["problem"] == (
        "environment variable SH_NETDEV_PASSWORD is not set"
    )
    assert found["vault:secrets/phones.yml#1001"]["resolves"] is True
    assert "has no text value '1002'" in str(found["vault:secrets/phones.yml#1002"]["problem"])
    assert "No such file" in str(found["vault:secrets/tls.yml#hk1_certificate"]["problem"])
    used = found["env:HKT_SIP_PASSWORD"]["used"]
    assert len(used) == 1  # type: ignore[arg-type]
    assert str(used[0]).endswith("/carriers/trunks.yaml:38: Trunk/hkt-hk auth.password")  # type: ignore[index]
    assert "never-shown" not in text and "never-shown" not in json.dumps(found)


def test_every_secret_resolving_exits_0(estate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, found, _ = _listed(estate)
    vaults: dict[str, dict[str, str]] = {}
    for reference in found:
        scheme, _, rest = reference.partition(":")
        if scheme == "env":
            monkeypatch.setenv(rest, "x")
        else:
            path, _, key = rest.partition("#")
            vaults.setdefault(path, {})[key] = "x"
    for path, values in vaults.items():
        _vault(estate / path, values)
    status, found, text = _listed(estate)
    assert status == 0 and all(n["resolves"] for n in found.values())
    assert (
        text.splitlines()[-1]
        == f"{len(found)} secret(s) the estate needs, {len(found)} resolve here, 0 do not"
    )
