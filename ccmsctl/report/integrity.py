"""A written report's integrity: its sha256 in a sidecar (`REPORT.sha256`, the format
`sha256sum -c` reads), and optionally a detached signature by OpenSSH's `ssh-keygen -Y
sign` (`REPORT.sig`, namespace `ccmsctl-report`), which anyone holding the signer's public
key verifies with `ssh-keygen -Y verify` — or `ccmsctl verify-report`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.errors import UserError
from ccmsctl.report.formats import CONTENT_DIGEST, content_digest
from ccmsctl.running import run

NAMESPACE = "ccmsctl-report"  # what a signature is for: a key's signature of anything else
DIGEST = ".sha256"
SIGNATURE = ".sig"


class SignError(UserError):
    """The report could not be signed with the key given."""

    code = "E1604"


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def digest_text(data: bytes, name: str) -> str:
    """The sidecar's line: `HEX  NAME`, as sha256sum writes it."""
    return f"{hashlib.sha256(data).hexdigest()}  {name}\n"


def sign(path: Path, key: Path) -> Path:
    """Sign the file at `path` with the private key at `key`: the signature's path (an
    earlier one is replaced: ssh-keygen would ask)."""
    sidecar(path, SIGNATURE).unlink(missing_ok=True)
    done = run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", NAMESPACE, path],
        timeout=60,
        installed_by="openssh-client",
    )
    signature = sidecar(path, SIGNATURE)
    if not done.ok or not signature.is_file():
        raise SignError(f"{path}: ssh-keygen could not sign it with {key}: {done.why()}")
    return signature


@dataclass(frozen=True)
class Verdict:
    """What verifying a report found: each check and whether it held."""

    checks: tuple[tuple[str, bool], ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(held for _, held in self.checks)


def verify(path: Path, signers: Path | None, identity: str) -> Verdict:
    """The report at `path` against its sidecar digest and, given `signers` (an
    allowed_signers file), its signature by `identity`."""
    data = path.read_bytes()
    checks: list[tuple[str, bool]] = []
    digest = sidecar(path, DIGEST)
    if digest.is_file():
        written = digest.read_text(encoding="utf-8").split()
        checks.append(
            (
                f"sha256 matches {digest.name}",
                bool(written) and written[0] == hashlib.sha256(data).hexdigest(),
            )
        )
    if path.suffix == ".json":
        try:
            document = json.loads(data)
            inside = isinstance(document, dict) and document.get(CONTENT_DIGEST)
            held = bool(inside) and inside == content_digest(document)
        except ValueError:
            held = False
        checks.append((f"{CONTENT_DIGEST} inside the report", held))
    if signers is not None:
        signature = sidecar(path, SIGNATURE)
        done = run(
            [
                *("ssh-keygen", "-Y", "verify", "-f", signers, "-I", identity),
                *("-n", NAMESPACE, "-s", signature),
            ],
            stdin=data,
            timeout=60,
            installed_by="openssh-client",
        )
        checks.append((f"signature {signature.name} by {identity}", done.ok))
    return Verdict(tuple(checks))
