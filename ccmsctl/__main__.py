"""`python -m ccmsctl` runs the command line."""

from ccmsctl.cli.main import app

app(prog_name="ccmsctl")
