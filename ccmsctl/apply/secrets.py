"""Secret references resolved at push time: `env:NAME` from the environment, and
`vault:PATH#KEY` from an Ansible Vault file (a YAML mapping, encrypted with ansible-vault;
PATH relative to the estate directory), opened with the password in the file that
ANSIBLE_VAULT_PASSWORD_FILE names, as ansible-playbook would. Messages name the reference,
never the value.

Values are checked for what they are before they go into a file (a password is one line of
printable text, so a newline in a vault cannot add a section to pjsip.conf; a certificate or
key is PEM), and a plan keeps what the secret files hold only as one salted scrypt digest.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets as random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

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


def resolve(reference: str, base: Path = Path()) -> str:
    """The value behind the secret `reference`; vault paths are relative to `base` (the
    estate)."""
    scheme, _, rest = reference.partition(":")
    if scheme == "env":
        value = os.environ.get(rest)
        if value is None:
            raise SecretError(f"environment variable {rest} is not set")
        return value
    path, _, key = rest.partition("#")
    vault = base / path
    # the model refuses '..' and absolute paths; a link must not lead out either
    if not vault.resolve().is_relative_to(base.resolve()):
        raise SecretError(f"vault:{path}#{key}: the vault file is outside the estate")
    return _from_vault(vault, key)


def _from_vault(path: Path, key: str) -> str:
    from ansible.errors import AnsibleError  # noqa: PLC0415
    from ansible.parsing.vault import VaultLib, VaultSecret  # noqa: PLC0415

    password_file = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if not password_file:
        raise SecretError(f"vault:{path}#{key}: set ANSIBLE_VAULT_PASSWORD_FILE to open the vault")
    try:
        password = Path(password_file).read_bytes().strip()
        encrypted = path.read_bytes()
    except OSError as error:
        raise SecretError(f"vault:{path}#{key}: {error.strerror}: {error.filename}") from None
    try:
        text = VaultLib([("default", VaultSecret(password))]).decrypt(encrypted)
    except AnsibleError:
        raise SecretError(
            f"vault:{path}#{key}: not an Ansible Vault file this password opens"
        ) from None
    try:
        values = YAML(typ="safe").load(text)
    except YAMLError:
        raise SecretError(f"vault:{path}#{key}: the vault does not hold YAML") from None
    value = values.get(key) if isinstance(values, dict) else None
    if not isinstance(value, str):
        raise SecretError(f"vault:{path}#{key}: the vault has no text value {key!r}")
    return value


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
