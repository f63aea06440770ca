"""Compile's cache of sites: a site is compiled again only when something its compile read
has changed, so a change to one site's agents or numbers recompiles that site and the sites
that read them (its twin, the edges that carry its numbers), not the estate.

A site is compiled from a view of the estate that notes every read (Estate.reading): each
kind read whole, each document looked up by name, each set picked by a field's value, each
prompt. The entry keeps those reads with the digest of what each gave, and the site's files.
Compile is pure, so when every read gives the same digest from the estate now, compiling
again would give the same files: the entry's are used. Nothing is assumed about which
documents a site depends on; what was not read cannot have mattered.

An entry is named by what else makes a compile: ccmsctl's version and source, the templates
rendered, the site and the install roots of its hosts. It is kept in ccmsctl's cache folder
(store.py), signed: a damaged or foreign entry is a miss, never a wrong answer.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import ccmsctl
from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.model.kinds import Estate, Read
from ccmsctl.store import SignedStore, default_folder

MAGIC = b"ccmsctl compiled site 1\n"


@dataclass(frozen=True)
class SiteFiles:
    """What compiling a site gives: its hosts' files and secret files, by host."""

    hosts: dict[str, dict[str, bytes]]
    secrets: dict[str, dict[str, SecretFile]]


@cache
def compiler_digest() -> bytes:
    """What makes a compile besides the estate and the templates: ccmsctl's version and
    every module of it."""
    try:
        release = package_version("ccmsctl")
    except PackageNotFoundError:
        release = "unknown"
    digest = hashlib.sha256(release.encode())
    package = Path(ccmsctl.__file__).parent
    for module in sorted(package.rglob("*.py")):
        digest.update(str(module.relative_to(package)).encode() + b"\0")
        digest.update(module.read_bytes() + b"\0")
    return digest.digest()


class SiteMemo:
    """Compiled sites under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._store = SignedStore(folder, MAGIC)
        self._base = b""
        self.hits = 0  # sites taken from the cache by a compile, and sites compiled
        self.misses = 0

    @classmethod
    def default(cls) -> SiteMemo | None:
        folder = default_folder()
        return cls(folder) if folder is not None else None

    def prepare(self, templates: bytes) -> None:
        """Ready for a compile with the templates whose digest is `templates`: the folder's
        key made now, before sites are compiled side by side."""
        self._base = hashlib.sha256(compiler_digest() + templates).digest()
        self._store.key()

    def _entry(self, site: str, roots: Mapping[str, str]) -> Path:
        named = repr((site, sorted(roots.items()))).encode()
        name = hashlib.sha256(self._base + named).hexdigest()
        return self.folder / "sites" / name[:2] / f"{name}.bin"

    def get(self, estate: Estate, site: str, roots: Mapping[str, str]) -> SiteFiles | None:
        """The files of `site` as compiled before, if every read its compile made gives the
        same from `estate` now; else None."""
        payload = self._store.get(self._entry(site, roots))
        found = None
        if payload is not None:
            try:
                # signed with this cache's key: written by this user's ccmsctl
                found = _still_right(marshal.loads(payload), estate, site, roots)  # noqa: S302
            except (EOFError, ValueError, TypeError, IndexError, KeyError):
                found = None
        return found

    def put(
        self,
        estate: Estate,
        site: str,
        roots: Mapping[str, str],
        reads: Mapping[Read, None],
        files: SiteFiles,
    ) -> None:
        """Keep the files of `site`, compiled from a view of `estate` that made `reads`."""
        noted = tuple((read, estate.read_digest(read)) for read in reads)
        secrets = {
            host: {path: _secret_file(secret) for path, secret in by_path.items()}
            for host, by_path in files.secrets.items()
        }
        try:
            payload = marshal.dumps((site, sorted(roots.items()), noted, files.hosts, secrets))
        except ValueError:
            return
        self._store.put(self._entry(site, roots), payload)


def _still_right(
    entry: Any, estate: Estate, site: str, roots: Mapping[str, str]
) -> SiteFiles | None:
    kept_site, kept_roots, noted, hosts, secrets = entry
    if kept_site != site or kept_roots != sorted(roots.items()):
        return None
    for read, digest in noted:
        if estate.read_digest(tuple(read)) != digest:
            return None
    if not isinstance(hosts, dict) or not isinstance(secrets, dict):
        raise TypeError("not an entry")
    return SiteFiles(
        hosts,
        {
            host: {path: _from_secret_file(kept) for path, kept in by_path.items()}
            for host, by_path in secrets.items()
        },
    )


def _secret_file(secret: SecretFile) -> tuple[Any, ...]:
    parts = tuple(
        (part.reference, part.kind) if isinstance(part, Secret) else part for part in secret.parts
    )
    return (parts, secret.mode, secret.group, secret.syntax)


def _from_secret_file(kept: Any) -> SecretFile:
    parts, mode, group, syntax = kept
    return SecretFile(
        tuple(part if isinstance(part, str) else Secret(*part) for part in parts),
        mode,
        group,
        syntax,
    )
