"""The secrets an import finds: each made a `vault:` reference in the estate, its value kept
for a file of its own beside the estate (never in it), which the operator encrypts with
ansible-vault and moves into the estate's vault file."""

from __future__ import annotations

VAULT_FILE = "secrets/imported.yml"  # where the encrypted file goes, in the estate


class Secrets:
    """Values by key, in the order found."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def keep(self, key: str, value: str) -> dict[str, str]:
        """A reference to `value`, kept under `key` (made distinct)."""
        found, count = key, 1
        while found in self.values and self.values[found] != value:
            count += 1
            found = f"{key}-{count}"
        self.values[found] = value
        return {"secret": f"vault:{VAULT_FILE}#{found}"}

    def wanted(self, key: str) -> dict[str, str]:
        """A reference to a value the configuration does not hold, under `key`: the
        operator adds it to the vault file."""
        return {"secret": f"vault:{VAULT_FILE}#{key}"}
