"""No silent step backwards: the commit a plan applies against the commit each host's state
of record names. Where a host's commit is not an ancestor of the plan's (the checkout is
behind, or on another branch), applying would undo a change someone applied from a newer
commit: apply refuses unless told the step back is meant, and the host's new record then
says which commit it stepped back from. A revert committed on top is a step forward."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.errors import UserError
from ccmsctl.escape import visible
from ccmsctl.plan.state import HostState
from ccmsctl.running import run

_SHA = re.compile(r"^[0-9a-f]{40}$")


class RollbackError(UserError):
    """The checkout is behind what a host runs (or on another branch): apply would undo a
    newer change; --allow-rollback says the step back is meant."""

    code = "E1209"


@dataclass(frozen=True)
class StepBack:
    """A host whose recorded commit the plan's commit does not contain."""

    host: str
    commit: str  # the host's recorded commit
    applied_by: str
    applied_at: str
    known: bool  # whether this checkout has the commit at all (else: fetch)

    def describe(self, ours: str) -> str:
        # the record's words are the host's, written by whoever applied: shown, never obeyed
        by = f" by {visible(self.applied_by)}" if self.applied_by else ""
        why = "does not contain it" if self.known else "does not know it (fetch?)"
        return (
            f"{self.host} runs {self.commit[:12]}, applied{by} at {visible(self.applied_at)}; "
            f"this checkout ({ours[:12]}) {why}"
        )


def steps_back(
    directory: Path, commit: str, states: Mapping[str, HostState]
) -> tuple[StepBack, ...]:
    """The hosts whose recorded commit `commit` (the estate's, in `directory`) does not
    contain. Outside Git, or where a host's record names no commit, there is nothing to
    compare."""
    ours = commit.removesuffix("+dirty")
    if not _SHA.match(ours):
        return ()
    found = []
    for host, state in sorted(states.items()):
        record = state.record
        theirs = record.commit.removesuffix("+dirty") if record else ""
        if record is None or not _SHA.match(theirs) or theirs == ours:
            continue
        verdict = _git(directory, "merge-base", "--is-ancestor", theirs, ours)
        if verdict == 0:
            continue
        known = _git(directory, "cat-file", "-e", f"{theirs}^{{commit}}") == 0
        found.append(StepBack(host, theirs, record.applied_by, record.applied_at, known))
    return tuple(found)


def _git(directory: Path, *args: str) -> int:
    return run(["git", "-C", str(directory), *args], timeout=30, installed_by="git").status


def refuse_steps_back(back: tuple[StepBack, ...], ours: str) -> None:
    """RollbackError naming each host the plan would step back."""
    if back:
        hosts = "; ".join(step.describe(ours) for step in back)
        raise RollbackError(
            f"this apply would undo newer changes: {hosts}: pull (or check out) the newer "
            "commit, revert on top of it, or pass --allow-rollback to step back on purpose"
        )
