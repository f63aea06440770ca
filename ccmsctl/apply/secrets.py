"""Secret references resolved at push time: `env:NAME` from the environment, and
`vault:PATH#KEY` from an Ansible Vault file (a YAML mapping, encrypted with ansible-vault;
PATH relative to the estate directory), opened with the password in the file that
ANSIBLE_VAULT_PASSWORD_FILE names, as ansible-playbook would. Messages name the reference,
never the value (plan/secrets.py checks the values and renders the files)."""

from __future__ import annotations

import os
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ccmsctl.plan.secrets import SecretError


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
