"""The team's apply lock, kept on an inventory's hosts: every apply to the same servers, from
any operator's machine or CI runner, meets there, never only in one folder.

Each host holds it as a folder made with mkdir (atomic), with its holder (id, operation,
who, version, since when) and a lease: the apply takes the first host's (in host-name
order), where two applies to the same fleet meet, then every other host's at once; it never
waits holding a part (a host held by another gives back all it took), so two applies cannot
each hold a part and wait for the rest. It renews the leases while it runs, and gives them
back at the end, every host at once. A lease past its end is taken over: its holder died.
A second apply gives back what it took, waits up to --lock-timeout and is refused, naming
the holder; `force-unlock LOCK_ID --target INVENTORY` breaks a lock on every host where
that id holds it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields

from ccmsctl.apply.devices import each
from ccmsctl.plan.lock import LockedError, LockError, LockInfo, new_lock
from ccmsctl.ssh.inventory import SshHost
from ccmsctl.ssh.remote import CommandFor, run_script
from ccmsctl.waiting import first

LOCK_DIR = "/var/lib/ccmsctl/apply.lock"
LEASE = 120  # seconds a lock outlives its holder's last renewal
RENEW = 30  # seconds between renewals
TIMEOUT = 60  # seconds one host may take to answer
# Runs on the host under sh: `take ID LEASE HOLDER` (HOLDER: the holder's JSON, base64, its
# "until" 0), `renew ID LEASE`, `release ID`, `break ID`. Prints `taken`, `renewed`,
# `released` or `broken` (with the holder's JSON line before), or `held` and the holder's
# JSON line. A lease ends by the host's own clock, so the operators' clocks do not matter.
_SCRIPT = r"""
dir=__DIR__
mkdir -p "${dir%/*}" || exit 1
now=$(date +%s)
action=$1 id=$2
held_by() { sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$dir/holder.json" 2>/dev/null; }
until_of() { sed -n 's/.*"until": *\([0-9]*\).*/\1/p' "$dir/holder.json" 2>/dev/null; }
holder() { cat "$dir/holder.json" 2>/dev/null; echo; }
lease() {
  sed "s/\"until\": *[0-9]*/\"until\": $((now + $2))/" "$1" >"$dir/holder.json.new" &&
    mv "$dir/holder.json.new" "$dir/holder.json"
}
take() {
  printf '%s' "$4" | base64 -d >"$dir/holder.json.given" && lease "$dir/holder.json.given" "$3" &&
    rm -f "$dir/holder.json.given" && echo taken
}
case $action in
  take)
    if mkdir "$dir" 2>/dev/null; then take "$@"; exit; fi
    end=$(until_of)
    if [ -n "$end" ] && [ "$end" -lt "$now" ] && mkdir "$dir.breaking" 2>/dev/null; then
      # a lease past its end, looked at again under the breaking folder: its holder died
      end=$(until_of)
      if [ -n "$end" ] && [ "$end" -lt "$now" ]; then
        rm -rf "$dir" && mkdir "$dir" && take "$@"
        rmdir "$dir.breaking"
        exit
      fi
      rmdir "$dir.breaking"
    fi
    # a breaking folder left by a take-over that died is cleared after a minute
    find "${dir%/*}" -maxdepth 1 -name "${dir##*/}.breaking" -mmin +1 -exec rmdir {} + \
      2>/dev/null
    echo held
    holder ;;
  renew)
    if [ "$(held_by)" = "$id" ]; then lease "$dir/holder.json" "$3" && echo renewed
    else echo held; holder; fi ;;
  release|break)
    if [ "$(held_by)" = "$id" ]; then
      holder; rm -rf "$dir"
      if [ "$action" = release ]; then echo released; else echo broken; fi
    else echo held; holder; fi ;;
esac
""".replace("__DIR__", LOCK_DIR)


def _ask(host: SshHost, arguments: Sequence[str], command: CommandFor) -> list[str]:
    done = run_script(host, _SCRIPT, arguments, command, failure=LockError, timeout=TIMEOUT)
    return done.stdout.splitlines()


def _holder(lines: Sequence[str]) -> LockInfo | None:
    """The holder a host's answer names (None: none, or unreadable)."""
    for line in lines:
        if line.startswith("{"):
            try:
                found = json.loads(line)
                return LockInfo(**{f.name: str(found[f.name]) for f in fields(LockInfo)})
            except (ValueError, KeyError, TypeError):
                return None
    return None


def _payload(info: LockInfo) -> str:
    document = json.dumps({**asdict(info), "until": 0})
    return base64.b64encode(document.encode()).decode()


@contextmanager
def hosts_locked(
    hosts: Mapping[str, SshHost],
    command: CommandFor,
    operation: str,
    version: str,
    *,
    timeout: float,
) -> Iterator[LockInfo]:
    """Hold the lock on every host of `hosts` for the duration (LockedError, naming the
    holder, past `timeout` seconds of waiting)."""
    info = new_lock(operation, version)
    order = [hosts[name] for name in sorted(hosts)]
    holders: list[LockInfo | str] = []

    def taken() -> bool | None:
        holder = _take_all(order, info, command)
        if holder is None:
            return True
        holders.append(holder)
        return None

    if first(taken, timeout, 1.0) is None:
        raise LockedError(holders[-1] if isinstance(holders[-1], LockInfo) else None)
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=(order, info.id, command, stop), daemon=True)
    renewer.start()
    try:
        yield info
    finally:
        stop.set()
        renewer.join(timeout=TIMEOUT)
        _give_back(order, info.id, command)


def _take_all(
    order: Sequence[SshHost], info: LockInfo, command: CommandFor
) -> LockInfo | str | None:
    """Take the lock on every host in order: None when all are taken, else (every host
    given back) the holder found (or "" where it cannot be read)."""
    taken: list[SshHost] = []
    arguments = ["take", info.id, str(LEASE), _payload(info)]
    failures: list[LockError] = []

    def take(host: SshHost) -> list[str]:
        try:
            return _ask(host, arguments, command)
        except LockError as error:  # the others still answer, and are given back
            failures.append(error)
            return []

    for batch in (order[:1], order[1:]):  # the first host, then the rest at once
        try:
            answers = _each(batch, take)
        except BaseException:  # interrupted: what this batch took runs out with its lease
            _give_back(taken, info.id, command)
            raise
        taken += [host for host, lines in answers if "taken" in lines]
        refused = [lines for _, lines in answers if "taken" not in lines]
        if failures or refused:
            _give_back(taken, info.id, command)
            if failures:
                raise failures[0]
            return _holder(refused[0]) or ""
    return None


def _each(
    hosts: Sequence[SshHost], ask: Callable[[SshHost], list[str]]
) -> list[tuple[SshHost, list[str]]]:
    """Each host's answer, asked at once (bounded, as every read of the hosts is), in the
    hosts' order; `ask` answers for a host that cannot be reached."""
    named = {host.name: host for host in hosts}
    answers = each(named, lambda name: ask(named[name]), LockError, "hosts")
    return [(host, answers[host.name]) for host in hosts]


def _renew(
    order: Sequence[SshHost], lock_id: str, command: CommandFor, stop: threading.Event
) -> None:
    """Renew the lease on every host every RENEW seconds until `stop`."""

    def renew(host: SshHost) -> list[str]:
        try:
            return _ask(host, ["renew", lock_id, str(LEASE)], command)
        except LockError:
            return []  # the next renewal tries again; the lease outlives a few misses

    while not stop.wait(RENEW):
        _each(order, renew)


def _give_back(taken: Sequence[SshHost], lock_id: str, command: CommandFor) -> None:
    def release(host: SshHost) -> list[str]:
        try:
            return _ask(host, ["release", lock_id], command)
        except LockError:
            return []  # its lease runs out

    _each(list(reversed(taken)), release)


def break_lock(hosts: Mapping[str, SshHost], command: CommandFor, lock_id: str) -> LockInfo:
    """Remove lock `lock_id` from every host where it is held (force-unlock): its holder;
    LockError where no host holds it (naming the lock they hold, if any)."""
    broken: LockInfo | None = None
    others: set[str] = set()
    for name in sorted(hosts):
        lines = _ask(hosts[name], ["break", lock_id], command)
        holder = _holder(lines)
        if "broken" in lines:
            broken = broken or holder or LockInfo(lock_id, "", "", "", "")
        elif holder is not None:
            others.add(holder.id)
    if broken is None:
        held = f"; the hosts hold lock {', '.join(sorted(others))}" if others else ""
        raise LockError(f"no host holds lock {lock_id}{held}")
    return broken
