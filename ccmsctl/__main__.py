"""`python -m ccmsctl` runs the command line."""

from ccmsctl.cli import app

app(prog_name="ccmsctl")
