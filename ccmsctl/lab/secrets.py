"""The lab's own secrets: the estate's references are for production, so the lab makes up a
value for each (a password per reference, one self-signed certificate and key for every TLS
listener, one certificate for every class encrypted at rest, whose key in `keys/` opens the
lab's recordings), keeps them in its folder readable by this user only, and hands the same
value out every time, so a second apply changes nothing."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from ccmsctl.artifacts import Secret
from ccmsctl.files import write_private
from ccmsctl.plan.secrets import SecretError
from ccmsctl.running import CommandError, run

PASSWORDS = "secrets.json"
TLS = {"tls-certificate": "tls/lab.pem", "tls-private-key": "tls/lab.key"}
RECORDINGS_PAIR = ("keys/recordings.pem", "keys/recordings.key")
_PAIRS = {
    "tls-certificate": (TLS["tls-certificate"], TLS["tls-private-key"], False),
    "tls-private-key": (TLS["tls-certificate"], TLS["tls-private-key"], True),
    "certificate": (*RECORDINGS_PAIR, False),
}


def _passwords(folder: Path) -> dict[str, str]:
    path = folder / PASSWORDS
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def _pair(folder: Path, certificate: Path, key: Path) -> None:
    """A certificate and its key, made with openssl the first time they are asked for."""
    if key.is_file() and certificate.is_file():
        return
    key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"]
    command += ["ec_paramgen_curve:prime256v1", "-nodes", "-days", "825"]
    command += ["-subj", "/CN=ccmsctl lab", "-keyout", str(key), "-out", str(certificate)]
    try:
        done = run(command, timeout=60, installed_by="openssl")
    except CommandError as error:
        raise SecretError(f"the lab cannot make its certificate: {error}") from None
    if not done.ok:
        raise SecretError(f"the lab cannot make its certificate with openssl: {done.why()}")
    key.chmod(0o600)


def lab_secret(folder: Path, secret: Secret) -> str:
    """The lab's value for `secret`, made the first time it is asked for."""
    if secret.kind in _PAIRS:
        certificate, key, private = _PAIRS[secret.kind]
        _pair(folder, folder / certificate, folder / key)
        return (folder / (key if private else certificate)).read_text(encoding="utf-8")
    passwords = _passwords(folder)
    if secret.reference not in passwords:
        passwords[secret.reference] = secrets.token_urlsafe(18)
        text = json.dumps(passwords, indent=2, sort_keys=True) + "\n"
        write_private(folder / PASSWORDS, text.encode())
    return passwords[secret.reference]
