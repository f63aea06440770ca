"""Where a plan comes from: the estate's Git commit, a hash of the model, and a hash of the
templates, roles and playbooks that turn it into changes. A saved plan is stale when any of
them differs at apply time."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ccmsctl import tooling
from ccmsctl.errors import UserError
from ccmsctl.running import Ran, run

TOOLING = ("templates", "roles", "playbooks")


@dataclass(frozen=True)
class Provenance:
    commit: str
    model_hash: str
    tooling_hash: str


def tooling_hash(repository: Path | None = None) -> str:
    """sha256 of the files under templates/, roles/ and playbooks/ (ccmsctl's own, where
    `repository` is not given)."""
    repository = repository or tooling.root()
    digest = hashlib.sha256()
    for folder in TOOLING:
        for path in sorted((repository / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"\0{path.relative_to(repository).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def git_commit(directory: Path) -> str:
    """The commit the estate directory is at ("+dirty" if it has uncommitted changes), or
    "unversioned" outside Git."""

    def git(*args: str) -> Ran:
        return run(["git", "-C", str(directory), *args], timeout=30, installed_by="git")

    head = git("rev-parse", "HEAD")
    if not head.ok:
        return "unversioned"
    dirty = git("status", "--porcelain", "--", ".").stdout.strip()
    return head.stdout.strip() + ("+dirty" if dirty else "")


def provenance(directory: Path, model_hash: str) -> Provenance:
    """Where a plan of the estate in `directory` comes from; `model_hash` is Estate.digest()."""
    return Provenance(git_commit(directory), model_hash, tooling_hash())


class RevisionError(UserError):
    """The estate cannot be read at that Git revision."""

    code = "E1204"


_HEX = frozenset("0123456789abcdef")


def _commit_of(ref: str, git: Callable[..., Ran]) -> str:
    """The commit `ref` names, verified as one; a ref is never where git reads options."""
    if not ref or ref.startswith("-") or not ref.isprintable() or len(ref) > 256:
        raise RevisionError(f"{ref!r} is not a Git revision")
    found = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    commit = found.stdout.strip()
    if not found.ok or len(commit) not in (40, 64) or not set(commit) <= _HEX:
        raise RevisionError(f"{ref!r} is not a commit of the estate's repository")
    return commit


def checkout_estate(directory: Path, ref: str, into: Path) -> Path:
    """Extract the estate directory as it is at Git revision `ref` into `into`; returns the
    estate's folder there. Reads the repository only; touches no host."""

    def git(*args: str) -> Ran:
        return run(["git", "-C", str(directory), *args], timeout=120, installed_by="git")

    top = git("rev-parse", "--show-toplevel")
    if not top.ok:
        raise RevisionError(f"{directory} is not in a Git repository")
    root = Path(top.stdout.strip())
    relative = directory.resolve().relative_to(root).as_posix() or "."
    commit = _commit_of(ref, git)
    archive = git("-C", str(root), "archive", "--format=tar", commit, "--", relative)
    if not archive.ok:
        raise RevisionError(f"cannot read {relative} at {ref}: {archive.stderr.strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.out)) as tar:
        tar.extractall(into, filter="data")
    return into / relative


@dataclass(frozen=True)
class Change:
    """A commit that changed the estate: when (committer date, ISO 8601), by whom, what."""

    commit: str
    when: str
    author: str
    subject: str


def history(directory: Path, since: str, limit: int = 1000) -> list[Change]:
    """The commits since `since` (YYYY-MM-DD) that changed the estate in `directory`, newest
    first, at most `limit`; none outside Git."""
    done = run(
        [
            *("git", "-C", str(directory), "log", f"--since={since}T00:00:00Z"),
            *(f"--max-count={limit}", "--format=%H%x00%cI%x00%an%x00%s%x1e", "--", "."),
        ],
        timeout=120,
        installed_by="git",
    )
    if not done.ok:
        return []
    changes = []
    for entry in done.stdout.split("\x1e"):
        parts = entry.strip("\n").split("\x00")
        if len(parts) == 4:
            changes.append(Change(*parts))
    return changes
