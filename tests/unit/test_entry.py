"""The console script loads only the command it runs: --version loads no command, a command
its own module, help every one; and its table names every command of the full app."""

from __future__ import annotations

import subprocess
import sys

import typer

from ccmsctl.cli.entry import MODULES, modules_for
from ccmsctl.cli.main import app


def test_the_table_names_every_command_with_the_module_that_defines_it() -> None:
    group = typer.main.get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    assert names == set(MODULES)
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")  # type: ignore[union-attr]
        assert info.callback is not None
        assert info.callback.__module__ == f"ccmsctl.cli.{MODULES[name]}", name


def test_arguments_pick_the_modules() -> None:
    every = sorted(set(MODULES.values()))
    assert modules_for(["--version"]) == []
    assert modules_for(["validate", "sites/example", "--env", "staging"]) == ["estate"]
    assert modules_for(["lab", "up", "sites/example"]) == ["lab"]
    assert modules_for(["validate", "--help"]) == every
    assert modules_for([]) == every
    assert modules_for(["valdate", "x"]) == every  # typer names the mistake, with help


def _imported(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ccmsctl", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stderr


def test_version_loads_no_command_and_a_command_only_its_own() -> None:
    version = _imported("--version")
    assert "ccmsctl.cli.app" in version
    assert "pydantic" not in version and "ccmsctl.load" not in version
    capacity = _imported("capacity", "sites/none")
    assert "ccmsctl.validate.sizing" in capacity
    assert "ccmsctl.report" not in capacity and "ccmsctl.lab" not in capacity
