#!/usr/bin/python
# WANT_JSON
"""Make sure the Debian packages a host's roles need are installed, at the versions the
inventory pins: what the packages role runs on every real host before its files go in.

A WANT_JSON module on the standard library, like ccms_files and for the same reason: no
AnsiballZ payload to build and compile per host. It asks dpkg first, so a host that has
everything costs one dpkg-query; only missing or differently pinned packages go to apt-get,
and the package lists are refreshed (apt-get update) only when apt does not know a package
or a version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

DOCUMENTATION = r"""
module: ccms_packages
short_description: Install Debian packages that are missing or not at their pinned version
options:
  packages: {description: Package names., type: list, elements: str, required: true}
  versions:
    description: Package -> the exact version to hold (apt-get install NAME=VERSION).
    type: dict
    default: {}
"""

RETURN = r"""
installed: {description: Packages installed or moved to their pinned version., type: list}
"""

APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
UNKNOWN = ("Unable to locate package", "has no installation candidate", "was not found")


def _exit(**result: Any) -> NoReturn:
    print(json.dumps(result))
    sys.exit(1 if result.get("failed") else 0)


def _installed(package: str) -> str | None:
    """The installed version of `package`, or None."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", package],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    status, _, version = done.stdout.partition(" ")
    return version if done.returncode == 0 and status == "installed" else None


def _apt(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", "-q", "-y", *argv],
        capture_output=True,
        text=True,
        timeout=1800,
        env=APT_ENV,
        check=False,
    )


def main() -> None:
    given = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    unknown = sorted(key for key in given if key not in ("packages", "versions") and key[0] != "_")
    packages, versions = given.get("packages"), given.get("versions", {})
    if unknown:
        _exit(failed=True, msg=f"unsupported parameters: {', '.join(unknown)}")
    if not isinstance(packages, list) or not isinstance(versions, dict):
        _exit(failed=True, msg="packages must be a list and versions a mapping")
    wanted = [
        f"{name}={versions[name]}" if versions.get(name) else str(name)
        for name in packages
        if _installed(str(name)) is None
        or (versions.get(name) and _installed(str(name)) != str(versions[name]))
    ]
    if not wanted or given.get("_ansible_check_mode"):
        _exit(changed=bool(wanted), installed=wanted)
    install = ("install", "--no-install-recommends", "--allow-downgrades", *wanted)
    done = _apt(*install)
    if done.returncode != 0 and any(text in done.stdout + done.stderr for text in UNKNOWN):
        _apt("update")
        done = _apt(*install)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-5:]
        _exit(failed=True, msg=f"apt-get install {' '.join(wanted)} failed: " + " | ".join(output))
    _exit(changed=True, installed=wanted)


if __name__ == "__main__":
    main()
