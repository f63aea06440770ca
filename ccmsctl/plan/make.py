"""Make a plan: compiled artifacts against what the target's hosts and devices hold now, as
a plan to save with the fingerprints it was made from; and check, before a saved plan is
applied, that none of them changed (StalePlanError)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ccmsctl.artifacts import Artifacts
from ccmsctl.errors import UserError
from ccmsctl.plan.ancestry import steps_back
from ccmsctl.plan.diff import make_plan
from ccmsctl.plan.network import device_changes
from ccmsctl.plan.planfile import SavedPlan
from ccmsctl.plan.provenance import Provenance
from ccmsctl.plan.secrets import render_secret_files, same_secrets, secrets_digest
from ccmsctl.plan.state import HostState, Wanted, sha256
from ccmsctl.plan.target import Target


class StalePlanError(UserError):
    """The estate, the tooling or a target changed since the plan was made."""

    code = "E1203"


@dataclass(frozen=True)
class Planned:
    """A plan to save, and what it was made from: each host's state, the secret files."""

    saved: SavedPlan
    states: dict[str, HostState]
    secrets: dict[str, dict[str, bytes]]


def plan_for(
    target: Target,
    desired: Artifacts,
    *,
    estate_dir: str,
    origin: Provenance,
    environment: str | None = None,
) -> Planned:
    """What applying `desired` would change on `target`, with the fingerprints a saved plan
    is checked against. Secrets first: one that cannot be had stops the plan before any
    host is read."""
    secrets = render_secret_files(desired.secrets, target.secret)
    states = target.host_states(wanted(desired))
    running = target.running_configs(desired.device_intents)
    plan = replace(make_plan(desired, states, secrets), devices=device_changes(desired, running))
    saved = SavedPlan(
        estate_dir,
        target.name,
        origin,
        fingerprints(states, running, desired),
        plan,
        secrets_digest(secrets, states),
        environment,
        steps_back(Path(estate_dir), origin.commit, states),
    )
    return Planned(saved, states, secrets)


def wanted(desired: Artifacts) -> dict[str, Wanted]:
    """What the plan reads of each host: its files, and its host variables' upkeep."""
    found = {}
    for host in desired.hosts:
        facts = desired.host_vars[host]
        found[host] = Wanted(
            tuple(sorted({*desired.hosts.get(host, {}), *desired.secrets.get(host, {})})),
            facts.packages,
            facts.services,
            facts.recording_folders,
            dict(facts.pins),
            facts.folder_stat(),
        )
    return found


def fingerprints(
    states: Mapping[str, HostState], devices: Mapping[str, str], desired: Artifacts
) -> dict[str, str]:
    """What a saved plan must still find: each host's state (its secret files left to the
    secrets digest), each device's running config."""
    hosts = {
        host: state.fingerprint(desired.secrets.get(host, {})) for host, state in states.items()
    }
    return hosts | {f"device:{name}": sha256(running.encode()) for name, running in devices.items()}


def recheck(
    saved: SavedPlan, target: Target, now: Provenance
) -> tuple[dict[str, HostState], dict[str, dict[str, bytes]]]:
    """The hosts' states and the secret files, read again for `saved`: StalePlanError if
    the estate (`now`), the tooling, any host or device, or a secret changed since it was
    planned."""
    desired = saved.plan.desired
    states = target.host_states(wanted(desired))
    running = target.running_configs(desired.device_intents)
    check_fresh(saved, now, fingerprints(states, running, desired))
    secrets = render_secret_files(desired.secrets, target.secret)
    if not same_secrets(saved.secrets_digest, secrets, states):
        raise StalePlanError(
            "saved plan is stale: a secret's value, or a host's copy of it, changed since it "
            "was planned"
        )
    return states, secrets


def check_fresh(saved: SavedPlan, current: Provenance, now: Mapping[str, str]) -> None:
    """Raise StalePlanError naming what changed since `saved` was planned; `now` holds the
    current fingerprints()."""
    was = saved.provenance
    if current.commit != was.commit:
        raise StalePlanError(
            f"saved plan is stale: the estate is at {current.commit}, "
            f"the plan was made at {was.commit}"
        )
    if current.model_hash != was.model_hash:
        raise StalePlanError("saved plan is stale: the estate's model changed")
    if current.tooling_hash != was.tooling_hash:
        raise StalePlanError("saved plan is stale: templates, roles or playbooks changed")
    for target, fingerprint in sorted(saved.fingerprints.items()):
        if now.get(target) != fingerprint:
            kind, _, name = target.rpartition(":")
            what = f"network device {name}" if kind == "device" else f"host {name}"
            raise StalePlanError(f"saved plan is stale: {what} changed since it was planned")
