"""Secret references resolved at push time: `env:NAME` from the environment, and
`vault:PATH#KEY` from an Ansible Vault file (a YAML mapping, encrypted with ansible-vault;
PATH relative to the estate directory), opened with the password in the file that
ANSIBLE_VAULT_PASSWORD_FILE names, as ansible-playbook would. Messages name the reference,
never the value."""

from __future__ import annotations

import os
from pathlib import Path

from ansible.errors import AnsibleError
from ansible.parsing.vault import VaultLib, VaultSecret
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


class SecretError(Exception):
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
    return _from_vault(base / path, key)


def _from_vault(path: Path, key: str) -> str:
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
