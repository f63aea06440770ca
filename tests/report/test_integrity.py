"""A written report's integrity: its sha256 beside it and inside a JSON report, and a
detached signature by an SSH key (ssh-keygen -Y sign) that verifies, and fails to once a
byte of the report changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, Path]:
    """An auditor's key pair, and the allowed_signers file naming its public half."""
    private = tmp_path / "auditor"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "auditor", "-f", str(private)],
        check=True,
        timeout=60,
    )
    signers = tmp_path / "allowed_signers"
    public = (tmp_path / "auditor.pub").read_text().split()
    signers.write_text(f"auditor@lotus.example {public[0]} {public[1]}\n")
    return private, signers


def _verify(report: Path, signers: Path) -> tuple[int, str]:
    args = ["verify-report", str(report), "--signers", str(signers)]
    done = runner.invoke(app, [*args, "--identity", "auditor@lotus.example"])
    return done.exit_code, done.output


@pytest.mark.parametrize("form", ["json", "html"])
def test_a_signed_report_verifies_and_a_changed_byte_does_not(
    tmp_path: Path, key: tuple[Path, Path], form: str
) -> None:
    private, signers = key
    out = tmp_path / f"report.{form}"
    done = runner.invoke(
        app, ["report", str(EXAMPLE), "--format", form, "--out", str(out), "--sign", str(private)]
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / f"report.{form}.sig").read_text().startswith("-----BEGIN SSH SIGNATURE")
    digest = (tmp_path / f"report.{form}.sha256").read_text().split()
    assert digest[1] == out.name and len(digest[0]) == 64
    code, output = _verify(out, signers)
    assert code == 0, output
    assert "FAILED" not in output and output.count("ok: ") == (3 if form == "json" else 2)
    data = bytearray(out.read_bytes())
    at = data.index(b"Compliance report" if form == "html" else b'"status"')
    data[at] ^= 0x20  # one byte changed
    out.write_bytes(bytes(data))
    code, output = _verify(out, signers)
    assert code == 1
    assert "FAILED: sha256 matches" in output and "FAILED: signature" in output


def test_a_json_report_holds_its_own_digest(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = runner.invoke(app, ["report", str(EXAMPLE), "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    assert len(document["content_sha256"]) == 64
    assert document["meta"]["generated_by"]
    document["meta"]["estate"] = "elsewhere"
    out.write_text(json.dumps(document))
    (tmp_path / "report.json.sha256").unlink()
    code = runner.invoke(app, ["verify-report", str(out)])
    assert code.exit_code == 1 and "FAILED: content_sha256" in code.output


def test_sign_needs_a_file() -> None:
    done = runner.invoke(app, ["report", str(EXAMPLE), "--sign", "key"])
    assert done.exit_code == 2
