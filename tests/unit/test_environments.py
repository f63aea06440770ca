"""Environments: the base with one environments/<name>/ overlay — each merge rule, where
its errors point, the example's staging and production compiling to files that differ in
the bindings alone, `ccmsctl env diff`, and --env on every command that reads an estate."""

from __future__ import annotations

import ipaddress
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.errors import Finding
from ccmsctl.load.estate import load_estate
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR, Menu
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from tests.conftest import BASE, EXAMPLE, TODAY, findings_of, git

runner = CliRunner()
ENVIRONMENT = "kind: Environment\nname: test\n"


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    copy = tmp_path / "estate"
    shutil.copytree(BASE, copy)
    (copy / "environments" / "test").mkdir(parents=True)
    (copy / "environments" / "test" / "environment.yaml").write_text(ENVIRONMENT)
    return copy


def overlay(estate: Path, text: str) -> Path:
    path = estate / "environments" / "test" / "overlay.yaml"
    path.write_text(text)
    return path


def errors(estate: Path) -> list[Finding]:
    return [f for f in findings_of(estate, TODAY, env="test") if f.severity.value == "error"]


def test_a_keyed_list_merges_by_name_and_each_value_points_at_its_own_file(estate: Path) -> None:
    path = overlay(
        estate,
        "kind: Site\nname: site-a\noverlay: patch\nhosts:\n"
        "  - {name: a-pbx, address: 127.0.1.2}\n"
        "  - {name: a-pbx-2, roles: [pbx], address: 127.0.1.3}\n",
    )
    loaded = load_estate(estate, "test")
    assert errors(estate) == []
    site = loaded.estate.index(Site)["site-a"]
    assert [(h.name, str(h.address), h.channels) for h in site.hosts] == [
        ("a-edge", "10.1.0.1", 0),
        ("a-pbx", "127.0.1.2", 30),  # the base's channels kept, the address patched
        ("a-pbx-2", "127.0.1.3", 0),  # added at the end
    ]
    patched = loaded.sources.at("Site", "site-a", "hosts", 1, "address")
    kept = loaded.sources.at("Site", "site-a", "hosts", 1, "channels")
    added = loaded.sources.at("Site", "site-a", "hosts", 2, "name")
    assert (patched.file, patched.line) == (path.as_posix(), 5)
    assert (Path(kept.file).name, kept.line) == ("sites.yaml", 13)
    assert (added.file, added.line) == (path.as_posix(), 6)
    # the base alone is untouched
    assert len(load_estate(estate).estate.index(Site)["site-a"].hosts) == 2


def test_an_item_is_removed_by_its_key_and_a_value_list_is_replaced(estate: Path) -> None:
    overlay(
        estate,
        "kind: Site\nname: site-a\noverlay: patch\nhosts:\n"
        "  - {name: a-edge, overlay: remove}\n"
        "---\nkind: Trunk\nname: carrier\noverlay: patch\ncodecs: [PCMU]\n",
    )
    loaded = load_estate(estate, "test")
    assert [h.name for h in loaded.estate.index(Site)["site-a"].hosts] == ["a-pbx"]
    assert loaded.estate.index(Trunk)["carrier"].codecs == ("PCMU",)
    assert load_estate(estate).estate.index(Trunk)["carrier"].codecs != ("PCMU",)


def test_removing_an_item_from_a_list_the_base_leaves_empty_is_located(estate: Path) -> None:
    path = overlay(
        estate,
        "kind: TwinPair\nname: twins\noverlay: patch\nvips:\n  - {site: site-b, overlay: remove}\n",
    )
    found = errors(estate)
    assert [(f.code, f.span.file, f.span.line) for f in found] == [("E0010", path.as_posix(), 5)]


def test_null_sets_a_field_back_to_its_default_and_mappings_merge_key_by_key(
    estate: Path,
) -> None:
    overlay(
        estate,
        "kind: IVR\nname: main\noverlay: patch\nnodes:\n"
        "  menu: {timeout: null, options: [{digit: '1', next: bye}]}\n",
    )
    loaded = load_estate(estate, "test")
    menu = loaded.estate.index(IVR)["main"].nodes["menu"]
    assert isinstance(menu, Menu)
    assert menu.timeout is None and menu.prompt == "welcome"  # the rest of the node kept
    assert [(o.digit, o.next) for o in menu.options] == [("1", "bye")]  # patched by digit
    assert set(loaded.estate.index(IVR)["main"].nodes) == {"menu", "when", "queue", "bye"}


def test_documents_are_added_and_removed_and_a_removed_one_leaves_located_dangling_refs(
    estate: Path,
) -> None:
    overlay(
        estate,
        "kind: Schedule\nname: hours\noverlay: remove\n"
        "---\nkind: Schedule\nname: hours\noverlay: add\ntimezone: Asia/Shanghai\n"
        "weekly:\n  - {days: [sat], open: '10:00', close: '12:00'}\n",
    )
    loaded = load_estate(estate, "test")
    assert errors(estate) == []
    assert [w.days for w in loaded.estate.index(Schedule)["hours"].weekly] == [("sat",)]
    overlay(estate, "kind: Schedule\nname: hours\noverlay: remove\n")
    found = errors(estate)
    assert [f.code for f in found] == ["E0202"]  # the IVR's reference, in the base's file
    assert Path(found[0].span.file).name == "ivr-main.yaml"


def test_a_reference_the_overlay_sets_is_checked_where_the_overlay_sets_it(
    estate: Path,
) -> None:
    path = overlay(
        estate,
        "kind: NumberRange\nname: main-numbers\noverlay: patch\nivr: mian\n",
    )
    found = errors(estate)
    assert [(f.code, f.span.file, f.span.line) for f in found] == [("E0202", path.as_posix(), 4)]


def test_an_overlay_changes_no_field_the_model_does_not_have(estate: Path) -> None:
    path = overlay(estate, "kind: Site\nname: site-a\noverlay: patch\nchanels: 3\n")
    found = errors(estate)
    assert [(f.code, f.span.file, f.span.line) for f in found] == [("E0102", path.as_posix(), 4)]


def test_an_overlay_patch_of_a_list_item_without_its_key_is_located(estate: Path) -> None:
    path = overlay(
        estate, "kind: Site\nname: site-a\noverlay: patch\nhosts:\n  - {address: 127.0.1.2}\n"
    )
    found = errors(estate)
    assert [(f.code, f.span.file, f.span.line) for f in found] == [("E0012", path.as_posix(), 5)]


def test_an_environment_document_outside_its_folder_is_an_error(estate: Path) -> None:
    (estate / "env.yaml").write_text(ENVIRONMENT)
    found = [f for f in findings_of(estate, TODAY) if f.severity.value == "error"]
    assert [(f.code, Path(f.span.file).name) for f in found] == [("E0013", "env.yaml")]


# --- the example: staging and production ---------------------------------------------


def _build(env: str, out: Path) -> dict[str, str]:
    done = runner.invoke(app, ["compile", str(EXAMPLE), "--env", env, "--out", str(out)])
    assert done.exit_code == 0, done.output
    return {
        path.relative_to(out).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def _binding_pairs() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(production address -> staging address, [(production network prefix, staging
    prefix)]) read from the two estates, and the secret references each way."""
    production = load_estate(EXAMPLE, "production").estate
    staging = load_estate(EXAMPLE, "staging").estate
    addresses: dict[str, str] = {}
    networks: list[tuple[str, str]] = []

    def walk(a: object, b: object) -> None:
        if isinstance(a, ipaddress.IPv4Address) and isinstance(b, ipaddress.IPv4Address):
            addresses[str(a)] = str(b)
        elif isinstance(a, ipaddress.IPv4Network) and isinstance(b, ipaddress.IPv4Network):
            assert a.prefixlen == b.prefixlen and a.prefixlen % 8 == 0
            octets = a.prefixlen // 8
            networks.append(
                (
                    ".".join(str(a.network_address).split(".")[:octets]) + ".",
                    ".".join(str(b.network_address).split(".")[:octets]) + ".",
                )
            )
        elif isinstance(a, BaseModel) and type(a) is type(b):
            for name in type(a).model_fields:
                walk(getattr(a, name), getattr(b, name))
        elif isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
            for x, y in zip(a, b, strict=True):
                walk(x, y)
        elif isinstance(a, dict) and isinstance(b, dict):
            for key in a.keys() & b.keys():
                walk(a[key], b[key])

    for docs in production.documents.values():
        for doc in docs:
            walk(doc, staging.index(type(doc)).get(doc.name))
    return addresses, sorted(networks, key=lambda pair: -len(pair[0]))


def test_staging_and_production_compile_to_files_that_differ_in_the_bindings_alone(
    tmp_path: Path,
) -> None:
    staging = _build("staging", tmp_path / "b1")
    production = _build("production", tmp_path / "b2")
    assert staging.keys() == production.keys()
    addresses, networks = _binding_pairs()
    assert len(addresses) >= 20

    def moved(match: re.Match[str]) -> str:
        address = match.group(0)
        if address in addresses:
            return addresses[address]
        for old, new in networks:
            if address.startswith(old):
                return new + address[len(old) :]
        return address

    differing = 0
    for name, text in production.items():
        if text == staging[name] or name == "manifest.json":  # digests of the files
            continue
        differing += 1
        expected = re.sub(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9])", moved, text)
        assert expected == staging[name], name
    assert differing >= 10


def test_env_diff_says_nothing_differs_beyond_the_bindings_until_something_does(
    tmp_path: Path,
) -> None:
    done = runner.invoke(app, ["env", "diff", str(EXAMPLE), "production", "staging"])
    assert done.exit_code == 0, done.output
    assert "beyond the bindings: nothing" in done.output
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLE, copy)
    patch = copy / "environments" / "staging" / "drift.yaml"
    patch.write_text("kind: Trunk\nname: cu-sh\noverlay: patch\ntransport: udp\n")
    done = runner.invoke(app, ["env", "diff", str(copy), "production", "staging"])
    assert done.exit_code == 2, done.output
    assert "Trunk/cu-sh transport: tcp -> udp" in done.output
    assert f"staging: {patch.as_posix()}:4:12" in done.output
    done = runner.invoke(
        app, ["env", "diff", str(copy), "production", "staging", "--format", "json"]
    )
    assert done.exit_code == 2
    assert '"path": "transport"' in done.output


def test_every_command_that_reads_an_estate_takes_env() -> None:
    group = typer.main.get_command(app)

    def commands(command: Any, prefix: str = "") -> list[tuple[str, Any]]:
        if hasattr(command, "commands"):
            return [
                found
                for name, sub in sorted(command.commands.items())
                for found in commands(sub, f"{prefix} {name}".strip())
            ]
        return [(prefix, command)]

    readers = [
        (name, command)
        for name, command in commands(group)
        if any(
            p.param_type_name == "argument" and p.name in ("directory", "source")
            for p in command.params
        )
    ]
    assert len(readers) >= 14
    missing = [
        name
        for name, command in readers
        if not any("--env" in getattr(p, "opts", ()) for p in command.params)
        # fmt rewrites files (every environment's alike); init writes a new estate; env
        # names its environments; lab status and down read the lab, not the estate
        and name not in ("fmt", "init", "env list", "env diff", "lab status", "lab down")
    ]
    assert missing == []


def test_scaling_a_pool_of_an_environment_changes_its_overlay_only(tmp_path: Path) -> None:
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLE, copy)
    base = (copy / "cloud" / "burst.yaml").read_text()
    done = runner.invoke(
        app, ["burst", "scale", "cn-east-burst", str(copy), "--nodes", "1", "--env", "staging"]
    )
    assert done.exit_code == 0, done.output
    assert (copy / "cloud" / "burst.yaml").read_text() == base
    assert load_estate(copy, "staging").estate.index(BurstPool)["cn-east-burst"].running == 1
    assert load_estate(copy, "production").estate.index(BurstPool)["cn-east-burst"].running == 0
    done = runner.invoke(
        app, ["burst", "scale", "cn-east-burst", str(copy), "--nodes", "1", "--env", "production"]
    )
    assert done.exit_code == 1 and "does not patch BurstPool" in done.output


def test_a_pull_request_adding_an_environment_is_reviewed_against_the_base(
    tmp_path: Path,
) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    shutil.rmtree(estate / "environments")
    git(estate, "init", "-q")
    git(estate, "add", "-A")
    git(estate, "commit", "-qm", "before environments")
    shutil.copytree(EXAMPLE / "environments", estate / "environments")
    done = runner.invoke(app, ["plan", str(estate), "--base", "HEAD", "--env", "staging"])
    assert done.exit_code == 0, done.output
    assert "to change" in done.output  # staging's addresses, against the base's
