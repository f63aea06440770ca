"""The files of secrets a plan is made with: each secret's value checked for what it is
before it goes into a file (a password is one line of printable text, so a newline in a
vault cannot add a section to pjsip.conf; a certificate or key is PEM), and what the files
hold kept in a plan only as one salted scrypt digest. The values come from the target's
lookup (apply/secrets.py resolves the estate's references; the lab has its own). Messages
name the reference, never the value.
"""

from __future__ import annotations

import hashlib
import re
import secrets as random
from collections.abc import Callable, Iterable, Mapping

from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.errors import UserError
from ccmsctl.plan.state import HostState, sha256

_PEM = {
    "tls-certificate": re.compile(r"\A\s*-----BEGIN CERTIFICATE-----\n"),
    "certificate": re.compile(r"\A\s*-----BEGIN CERTIFICATE-----\n"),
    "tls-private-key": re.compile(r"\A\s*-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----\n"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SecretError(UserError):
    """A secret reference that cannot be resolved; says which and why, never a value."""

    code = "E1201"


def checked(secret: Secret, value: str) -> str:
    """`value` if it is what `secret` says it is; SecretError (naming the reference) if not."""
    if secret.kind == "password":
        if not value or _CONTROL.search(value) or value != value.strip():
            raise SecretError(
                f"{secret.reference}: a password must be one line of printable text, "
                "without surrounding blanks"
            )
        return value
    pattern = _PEM.get(secret.kind)
    if pattern is None:
        raise SecretError(
            f"{secret.reference}: ccmsctl does not know secrets of kind {secret.kind}"
        )
    if not pattern.match(value) or "\0" in value:
        what = "private key" if secret.kind == "tls-private-key" else "certificate"
        raise SecretError(f"{secret.reference}: not a PEM {what}")
    return value.strip() + "\n"


def reveal(secrets: Iterable[Secret], lookup: Callable[[Secret], str]) -> dict[Secret, str]:
    """Each secret's checked value from `lookup`; one SecretError naming every secret that
    cannot be had."""
    values: dict[Secret, str] = {}
    errors: list[str] = []
    for secret in sorted(set(secrets), key=lambda s: (s.reference, s.kind)):
        try:
            values[secret] = checked(secret, lookup(secret))
        except SecretError as error:
            errors.append(str(error))
    if errors:
        raise SecretError("; ".join(errors))
    return values


def render_secret_files(
    files: Mapping[str, Mapping[str, SecretFile]], lookup: Callable[[Secret], str]
) -> dict[str, dict[str, bytes]]:
    """host -> path -> the bytes of each secret file, with the values `lookup` gives."""
    values = reveal((s for f in files.values() for sf in f.values() for s in sf.secrets()), lookup)
    return {
        host: {path: secret_file.render(values) for path, secret_file in by_path.items()}
        for host, by_path in files.items()
    }


def _digest_lines(
    rendered: Mapping[str, Mapping[str, bytes]], states: Mapping[str, HostState]
) -> list[str]:
    """Per secret file: host, path, sha256 wanted and on the host ("-" when absent)."""
    lines: list[str] = []
    for host in sorted(set(rendered) | set(states)):
        state = states.get(host, HostState(None))
        wanted = rendered.get(host, {})
        for path in sorted(set(wanted) | set(state.sensitive_paths())):
            have, want = state.files.get(path), wanted.get(path)
            lines.append(
                f"{host}\0{path}\0{sha256(want) if want is not None else '-'}"
                f"\0{sha256(have) if have is not None else '-'}"
            )
    return lines


def secrets_digest(
    rendered: Mapping[str, Mapping[str, bytes]],
    states: Mapping[str, HostState],
    salt: str | None = None,
) -> str:
    """One salted scrypt digest of the secret files, as wanted and as on the hosts (a weak
    password cannot be guessed from it at the rate a plain hash would allow); "" when there
    are none. `salt` is the one of a digest being checked."""
    lines = _digest_lines(rendered, states)
    if not lines:
        return ""
    salt = salt or random.token_hex(16)
    digest = hashlib.scrypt(
        "\n".join(lines).encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1, dklen=32
    )
    return f"scrypt:{salt}:{digest.hex()}"


def same_secrets(
    digest: str, rendered: Mapping[str, Mapping[str, bytes]], states: Mapping[str, HostState]
) -> bool:
    """Whether `digest` (secrets_digest of a plan) still holds."""
    if not digest:
        return not _digest_lines(rendered, states)
    salt = digest.split(":")[1] if digest.count(":") == 2 else ""
    try:
        return secrets_digest(rendered, states, salt) == digest
    except ValueError:
        return False
