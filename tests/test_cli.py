"""The command line: exit statuses, formats, no tracebacks, no secrets, schema drift."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from ccmsctl.cli import estate as estate_commands
from ccmsctl.cli.main import app
from ccmsctl.load.estate import load_estate
from ccmsctl.model.site import Site
from tests.conftest import EXAMPLE, ROOT, ccmsctl, fixture_estate

runner = CliRunner()
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (error|warning)\[[EW]\d{4}\]: .+")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_version() -> None:
    code, output = invoke("--version")
    assert code == 0
    assert output.startswith("ccmsctl ")


def test_findings_are_located_lines_and_exit_one(tmp_path: Path) -> None:
    estate = fixture_estate("E0202-dangling-reference", tmp_path)
    code, output = invoke("validate", str(estate))
    assert code == 1
    findings = [line for line in output.splitlines() if LINE.match(line)]
    assert len(findings) == 1
    assert findings[0].startswith(f"{estate}/trunk.yaml:4:17: error[E0202]:")
    assert "  hint: did you mean 'site-b'?" in output
    assert "Traceback" not in output


def test_secret_value_is_never_printed(tmp_path: Path) -> None:
    estate = fixture_estate("E0105-inline-secret", tmp_path)
    for fmt in ("text", "json", "github"):
        code, output = invoke("validate", str(estate), "--format", fmt)
        assert code == 1
        assert "E0105" in output
        assert "s3cr3t-do-not-print" not in output


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    estate = fixture_estate("W0901-trunk-capacity", tmp_path)
    assert invoke("validate", str(estate))[0] == 0
    code, output = invoke("validate", str(estate), "--strict")
    assert code == 1
    assert "warning[W0901]" in output


def test_json_and_github_formats(tmp_path: Path) -> None:
    estate = fixture_estate("E0301-overlapping-numbers", tmp_path)
    code, output = invoke("validate", str(estate), "--format", "json")
    document = json.loads(output)
    assert code == 1
    assert document["valid"] is False
    [finding] = document["findings"]
    assert (finding["code"], finding["line"], finding["col"]) == ("E0301", 6, 8)
    assert finding["subject"] == "NumberRange/overlapping"
    code, output = invoke("validate", str(estate), "--format", "github")
    assert "::error file=" in output and ",line=6,col=8,title=E0301::" in output


def test_unexpected_exception_says_bug(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def explode(_: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(estate_commands, "load_estate", explode)
    code, output = invoke("validate", str(tmp_path))
    assert code == 1
    assert "this is a bug in ccmsctl" in output


def test_schemas_in_repository_match_the_models() -> None:
    code, output = invoke("schema", "export", "--out", str(ROOT / "schemas"), "--check")
    assert code == 0, output + "\nrun: ccmsctl schema export"


def test_schema_export_writes_and_detects_drift(tmp_path: Path) -> None:
    code, _ = invoke("schema", "export", "--out", str(tmp_path))
    assert code == 0
    site = json.loads((tmp_path / "site.json").read_text(encoding="utf-8"))
    assert "country" in site["required"]
    assert site["additionalProperties"] is False
    (tmp_path / "site.json").write_text("{}\n", encoding="utf-8")
    code, output = invoke("schema", "export", "--out", str(tmp_path), "--check")
    assert code == 1
    assert "site.json" in output


def test_plan_base_compares_with_another_revision_without_hosts(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo / "sites" / "example")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base")
    trunks = repo / "sites/example/carriers/trunks.yaml"
    trunks.write_text(trunks.read_text().replace("  - address: 203.0.113.11\n", ""))
    estate = str(repo / "sites" / "example")
    code, output = invoke("plan", estate, "--base", "HEAD", "--detailed-exitcode", "--diff")
    assert code == 2, output
    assert "  ~ etc/kamailio/address.list" in output
    assert "-1 203.0.113.11 32 0 ct-sh" in output
    assert "sh1-core-sw\n  ~ running-config (voice)" in output  # the switches' ACLs follow
    assert "- rule 35 permit udp source 203.0.113.11 0" in output
    assert output.strip().endswith("to delete.")
    code, output = invoke("plan", estate, "--base", "no-such-ref")
    assert code == 1
    assert "is not a commit" in output


def test_init_starts_an_estate_repository_that_validates_and_compiles(tmp_path: Path) -> None:
    repository = tmp_path / "Lotus Contact Centre"
    code, output = invoke("init", str(repository))
    assert code == 0, output
    assert "New estate 'lotus-contact-centre'" in output
    code, output = invoke("validate", str(repository), "--strict")
    assert code == 0, output
    assert "0 error(s), 0 warning(s)" in output
    code, output = invoke("compile", str(repository), "--out", str(tmp_path / "build"))
    assert code == 0, output
    assert (tmp_path / "build" / "a-edge-1" / "etc" / "kamailio" / "kamailio.cfg").is_file()
    yaml = YAML(typ="safe")
    hook = yaml.load((repository / ".pre-commit-config.yaml").read_text())
    assert hook["repos"][0]["hooks"][0]["entry"] == "ccmsctl validate ."
    workflow = yaml.load((repository / ".github" / "workflows" / "ccmsctl.yml").read_text())
    steps = " ".join(step.get("run", "") for step in workflow["jobs"]["review"]["steps"])
    assert 'ccmsctl validate . --env "$CCMSCTL_ENV" --format github' in steps
    assert 'ccmsctl plan . --env "$CCMSCTL_ENV" --base' in steps
    # GitHub's hardening guide: expressions reach a script through env, never as its text
    assert "${{" not in steps
    gitlab = yaml.load((repository / ".gitlab-ci.yml").read_text())
    review = gitlab["ccmsctl-review"]["script"]
    assert any('ccmsctl plan . --env "$CCMSCTL_ENV" --base' in line for line in review)
    for env in ("staging", "production"):  # each environment validates on its own
        code, output = invoke("validate", str(repository), "--env", env, "--strict")
        assert code == 0, output
    assert "build/" in (repository / ".gitignore").read_text().split()


def test_init_never_writes_into_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    code, output = invoke("init", str(tmp_path))
    assert code == 1
    assert "is not an empty folder: nothing was written" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_secrets_that_cannot_be_had_are_named_before_any_host_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HKT_SIP_PASSWORD", raising=False)
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    hosts = [host.name for site in load_estate(EXAMPLE).estate.of(Site) for host in site.hosts]
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(  # nothing listens there: reading any host would fail otherwise
        "all:\n  hosts:\n"
        + "".join(f"    {name}: {{ansible_host: 127.0.0.1, ansible_port: 9}}\n" for name in hosts)
    )
    code, output = invoke("plan", str(EXAMPLE), "--target", str(inventory))
    assert code == 1, output
    assert "environment variable HKT_SIP_PASSWORD is not set" in output
    assert "vault:" in output and "set ANSIBLE_VAULT_PASSWORD_FILE" in output
    assert "Traceback" not in output and "127.0.0.1" not in output


@pytest.mark.parametrize("listen", ["127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"])
def test_exporter_refuses_a_listen_address_without_a_port(listen: str) -> None:
    code, output = invoke("exporter", str(EXAMPLE), "--listen", listen)
    assert code == 1
    assert "give ADDRESS:PORT" in output and "Traceback" not in output


def test_exporter_names_an_address_already_in_use(tmp_path: Path) -> None:
    """A port another program holds: one error line naming it, no trace (the first check
    runs against a lab that is not there: its drift check fails, and is said so)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = ccmsctl("exporter", str(EXAMPLE), "--listen", f"127.0.0.1:{port}", cwd=tmp_path)
    assert done.returncode == 1
    assert f"error[E1502]: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unwritable_metrics_folder_is_an_error_not_a_trace(tmp_path: Path) -> None:
    """Its error is said besides the plan's own (there is no lab here)."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    done = ccmsctl("plan", str(EXAMPLE), "--metrics-dir", str(blocker / "m"), cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"error[E1501]: cannot write {blocker / 'm' / 'ccmsctl_plan.prom'}" in done.stderr
