"""The console script: runs the command line having imported only the module of the
command asked for, so a command loads what it runs (`ccmsctl --version` loads none). Help,
completion and anything unknown load every command, as `ccmsctl.cli.main` does."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from types import MappingProxyType

# each top-level command or group -> the module of ccmsctl.cli that defines it
MODULES = MappingProxyType(
    {
        "init": "init",
        "validate": "estate",
        "compile": "estate",
        "fmt": "estate",
        "schema": "estate",
        "plan": "changes",
        "apply": "changes",
        "force-unlock": "changes",
        "exporter": "exporter",
        "lab": "lab",
        "simulate": "simulate",
        "report": "report",
        "verify-report": "report",
        "erase": "erase",
        "capacity": "capacity",
        "failover": "failover",
        "burst": "burst",
        "env": "env",
        "import": "importer",
        "secrets": "secrets",
    }
)
EAGER = frozenset({"--version"})  # answered by the app itself, before any command


def modules_for(argv: Sequence[str]) -> list[str]:
    """The modules to import for these arguments: the command's, none for --version alone,
    all of them otherwise (help, completion, a mistyped command)."""
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return sorted(set(MODULES.values()))
    words = [arg for arg in argv if not arg.startswith("-")]
    if words and words[0] in MODULES and not {"--help", "-h"} & set(argv):
        return [MODULES[words[0]]]
    if not words and argv and set(argv) <= EAGER:
        return []
    return sorted(set(MODULES.values()))


def run() -> None:
    for module in modules_for(sys.argv[1:]):
        importlib.import_module(f"ccmsctl.cli.{module}")
    from ccmsctl.cli.app import app  # noqa: PLC0415 - after its commands are registered

    app(prog_name="ccmsctl")
