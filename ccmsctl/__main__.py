"""`python -m ccmsctl` runs the command line."""

from ccmsctl.cli.entry import run

run()
