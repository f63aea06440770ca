"""A short sh script run on a host over SSH: the one way ccmsctl asks a host something (its
state, its lock). Through sudo where the host's login becomes root, bounded, and a failure
named with the host and why."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from ccmsctl.errors import UserError
from ccmsctl.running import CommandError, Ran, TimedOutError, run
from ccmsctl.ssh.inventory import SshHost

# How to reach a host: the ssh command line running a remote command on it
CommandFor = Callable[[SshHost, str], list[str]]


def where(host: SshHost) -> str:
    return f"{host.name} ({host.address}:{host.port})"


def run_script(
    host: SshHost,
    script: str,
    arguments: Sequence[str],
    command: CommandFor,
    *,
    failure: type[UserError],
    timeout: float,
    stdin: bytes = b"",
) -> Ran:
    """`script` run by sh on `host` with `arguments`; `failure` (naming the host and why)
    when it cannot be reached, answers nothing within `timeout` seconds, or fails."""
    remote = shlex.join(["sh", "-c", script, "sh", *arguments])
    if host.become:
        remote = "sudo -n " + remote
    try:
        done = run(command(host, remote), timeout=timeout, stdin=stdin)
    except TimedOutError:
        raise failure(f"{where(host)}: no answer within {timeout:g} s") from None
    except CommandError as error:
        raise failure(f"{where(host)}: {error}") from None
    if not done.ok:
        lines = [line for line in done.stderr.splitlines() if line]
        raise failure(f"{where(host)}: {lines[-1] if lines else f'ssh exited {done.status}'}")
    return done
