"""Run the repository's playbook on a batch of hosts through ansible-runner.

The inventory is the one compile wrote (the plan carries it: addresses, sites, roles,
recording folders) plus a second of this run's variables per host (how to connect, the
root, what to install from where); the run is limited to the batch. Progress streams from
the event handler, Ctrl-C and the timeout cancel the run, each run's artifacts stay in its
own folder, and each host's outcome is judged from the run's stats, not from the return
code."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ccmsctl import tooling
from ccmsctl.errors import UserError
from ccmsctl.files import open_private
from ccmsctl.plan.lock import LockInfo, force_unlock, locked
from ccmsctl.plan.target import HostResult, HostWork, TargetHost


class AnsibleMissingError(UserError):
    """ansible-playbook cannot be found."""

    code = "E1301"


def ansible_playbook() -> str:
    """The ansible-playbook of ccmsctl's own environment (beside its Python: a venv, pipx),
    else the one on PATH."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    found = str(beside) if beside.is_file() else shutil.which("ansible-playbook")
    if found is None:
        raise AnsibleMissingError(
            "ansible-playbook is not installed beside ccmsctl or on PATH: reinstall ccmsctl "
            "(it depends on ansible-core)"
        )
    return found


# What the Ansible run keeps of ccmsctl's environment (ansible-runner adds its own): the
# rest, such as an operator's exported secrets for `env:` references, stays out of the run
# and out of the artifacts it writes.
_KEPT = {"HOME", "LANG", "LANGUAGE", "LOGNAME", "PATH", "SHELL", "SSH_AGENT_PID"}
_KEPT |= {"SSH_AUTH_SOCK", "TERM", "TMPDIR", "TZ", "USER", "VIRTUAL_ENV"}
_KEPT_PREFIXES = ("ANSIBLE_", "LC_")


def _scrubbed(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the variables it took from ours that Ansible does not need."""
    return {
        name: value
        for name, value in env.items()
        if os.environ.get(name) != value or name in _KEPT or name.startswith(_KEPT_PREFIXES)
    }


@dataclass(frozen=True)
class HostRun:
    """One host's part of a run: the plan's work for it, and how Ansible reaches it."""

    work: HostWork
    host: TargetHost

    @property
    def name(self) -> str:
        return self.work.name

    def local(self) -> bool:
        """Reached over a local connection: the files are read from the staging folder."""
        return self.host.connection.get("ansible_connection") == "local"

    def archive(self) -> Path:
        """The staged files in one tar, for a remote host: one transfer instead of one per
        file."""
        staging = self.work.staging
        return staging.with_name(f"{staging.name}.tar")

    def variables(self) -> dict[str, Any]:
        """This run's variables for the host; the rest is in the compiled inventory."""
        work = self.work
        return {
            "ansible_python_interpreter": sys.executable,  # the lab's: ccmsctl's own
            **self.host.connection,
            "ccms_root": self.host.root,
            "ccms_staging": str(work.staging),
            "ccms_archive": str(self.archive()),
            "ccms_files": list(work.files),
            "ccms_remove": list(work.remove),
            # files of secrets: their own mode, and (where the accounts exist) the service's
            # group
            "ccms_modes": {path: mode for path, (mode, _) in sorted(work.access.items())},
            "ccms_groups": {path: group for path, (_, group) in sorted(work.access.items())},
            # the upkeep the plan found needed, and nothing else: the packages to install,
            # the services to start, the folders to make (a run outside ccmsctl checks all)
            **{
                f"ccms_{action}": [step.subject for step in work.upkeep if step.action == action]
                for action in ("install", "start", "make")
            },
        }


def _progress_handler(
    progress: Callable[[str], None], errors: dict[str, str]
) -> Callable[[dict[str, Any]], bool]:
    def handle(event: dict[str, Any]) -> bool:
        data = event.get("event_data", {})
        host, task = data.get("host"), data.get("task", "")
        kind = event.get("event")
        if kind == "runner_on_ok":
            result = data.get("res", {})
            # what a changed ccms_run did, in its own word (started, restarted, reloaded, ...)
            said = result.get("stdout") if isinstance(result.get("stdout"), str) else ""
            state = (said or "changed") if result.get("changed") else "ok"
            progress(f"  {host}: {task}: {state}")
        elif kind in ("runner_on_failed", "runner_on_unreachable") and host:
            if kind == "runner_on_failed" and data.get("ignore_errors"):
                return True
            result = data.get("res", {})
            message = (
                " ".join(
                    str(part).strip() for part in (result.get("msg"), result.get("stderr")) if part
                )
                or "failed"
            )
            errors.setdefault(host, f"{task}: {str(message).strip()}")
            progress(f"  {host}: {task}: FAILED: {str(message).strip()}")
        return True

    return handle


def _archive(host: HostRun) -> None:
    """Write the host's staged files into its archive, readable by this user only."""
    with open_private(host.archive()) as stream, tarfile.open(fileobj=stream, mode="w") as tar:
        for path in host.work.files:
            tar.add(host.work.staging / path, arcname=path, recursive=False)


def run_playbook(
    work: Sequence[HostWork],
    reach: Mapping[str, TargetHost],
    run_dir: Path,
    inventory: bytes,
    *,
    progress: Callable[[str], None],
    cancel: Callable[[], bool] = lambda: False,
    timeout: int = 1800,
) -> list[HostResult]:
    """Run playbooks/site.yml on the hosts of `work`, each reached as `reach` says, with the
    compiled `inventory`; one HostResult per host, in order."""
    hosts = [HostRun(one, reach[one.name]) for one in work]
    for host in hosts:
        if not host.local() and host.work.files:
            _archive(host)
    folder = _inventories(hosts, run_dir, inventory)
    from ansible_runner.interface import init_runner  # noqa: PLC0415

    errors: dict[str, str] = {}
    runner = init_runner(
        private_data_dir=str(run_dir),
        playbook=str(tooling.playbooks() / "site.yml"),
        inventory=str(folder),
        limit=",".join(host.name for host in hosts),
        envvars={
            # ansible-runner starts ansible-playbook from PATH: ccmsctl's own first
            "PATH": f"{Path(ansible_playbook()).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_ROLES_PATH": str(tooling.roles()),
            "ANSIBLE_LIBRARY": str(tooling.playbooks() / "library"),
            "ANSIBLE_ACTION_PLUGINS": str(tooling.playbooks() / "action_plugins"),
            # ansible-runner turns host key checking off unless told: keys are always checked
            "ANSIBLE_HOST_KEY_CHECKING": "True",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_PIPELINING": "1",
            "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "0",
            "ANSIBLE_LOCAL_TEMP": str(run_dir / "tmp"),
        },
        # the hosts of the plays only some hosts need (playbooks/site.yml): those the plan
        # found packages to install on, and recording folders to make on
        extravars={
            f"ccms_{action}_on": [
                h.name for h in hosts if any(s.action == action for s in h.work.upkeep)
            ]
            for action in ("install", "make")
        },
        quiet=True,
        event_handler=_progress_handler(progress, errors),
        cancel_callback=cancel,
        timeout=timeout,
        forks=min(max(len(hosts), 1), 50),
    )
    # the run's environment is written into its artifacts: only what Ansible needs of ours
    runner.config.env = _scrubbed(runner.config.env)
    runner.run()
    return _results(hosts, runner.status, runner.stats or {}, errors)


def _inventories(hosts: Sequence[HostRun], run_dir: Path, inventory: bytes) -> Path:
    """The run's inventory folder: the compiled inventory, then the run's own variables."""
    folder = run_dir / "inventory"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "10-estate.yml").write_bytes(inventory)
    (folder / "20-run.yml").write_text(
        json.dumps(
            {"all": {"hosts": {host.name: host.variables() for host in hosts}}},
            indent=2,
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    return folder


def _results(
    hosts: Sequence[HostRun],
    status: str,
    stats: Mapping[str, Mapping[str, int]],
    errors: Mapping[str, str],
) -> list[HostResult]:
    """Each host's outcome, judged from the run's stats (not its return code): a host
    failed where Ansible says so, or every host when the run was cancelled, timed out or
    ended without stats."""
    failed_hosts = set(stats.get("failures", {})) | set(stats.get("dark", {}))
    results = []
    for host in hosts:
        failed = (
            host.name in failed_hosts
            or status in ("canceled", "timeout")
            or (status != "successful" and not stats)
        )
        error = errors.get(host.name, "") if failed else ""
        if failed and not error:
            error = f"ansible-runner finished {status}"
        changed = stats.get("changed", {}).get(host.name, 0)
        results.append(HostResult(host.name, changed, failed, error))
    return results


class _Reached(Protocol):
    """What PlaybookTarget needs of the target it is mixed into."""

    @property
    def folder(self) -> Path: ...

    def host(self, name: str) -> TargetHost | None: ...


class PlaybookTarget:
    """What every target whose hosts Ansible reaches shares (Target's lock, unlock and
    run_wave): the apply's lock kept in its folder, and each wave one run of the playbook,
    each host reached as the target's `host` says."""

    def lock(
        self: _Reached, operation: str, version: str, *, timeout: float
    ) -> AbstractContextManager[LockInfo]:
        return locked(self.folder, operation, version, timeout=timeout)

    def unlock(self: _Reached, lock_id: str) -> LockInfo:
        return force_unlock(self.folder, lock_id)

    def run_wave(
        self: _Reached,
        work: Sequence[HostWork],
        run_dir: Path,
        inventory: bytes,
        *,
        progress: Callable[[str], None],
        cancel: Callable[[], bool],
    ) -> list[HostResult]:
        reach = {one.name: self.host(one.name) for one in work}
        found = {name: target for name, target in reach.items() if target is not None}
        return run_playbook(work, found, run_dir, inventory, progress=progress, cancel=cancel)
