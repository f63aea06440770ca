"""The `ccmsctl` command line: every command group registered on one typer app.

Nothing imports this module but the console script and `python -m ccmsctl`.
"""

from ccmsctl.cli import (
    burst,
    capacity,
    changes,
    env,
    erase,
    estate,
    exporter,
    failover,
    importer,
    init,
    lab,
    report,
    secrets,
    simulate,
)
from ccmsctl.cli.app import app

__all__ = [
    "app",
    "burst",
    "capacity",
    "changes",
    "env",
    "erase",
    "estate",
    "exporter",
    "failover",
    "importer",
    "init",
    "lab",
    "report",
    "secrets",
    "simulate",
]
