#!/usr/bin/python
# WANT_JSON
"""Run one command on the host and report whether it changed anything: what the kamailio
role uses to keep Kamailio running and restart it (the lab's script or systemctl), the
keepalived and asterisk roles to reload theirs, and the retention role to make the
recording folders.

A WANT_JSON module on the standard library, like ccms_files and for the same reason: no
AnsiballZ payload to build and compile per host. (Such a module is sent alone, so the two
cannot share a module_utils file; each checks its own few arguments.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

DOCUMENTATION = r"""
module: ccms_run
short_description: Run a command; changed when it prints one of the given words
description:
  - Runs I(argv) without a shell. The task fails, with the last lines of output, when the
    command exits non-zero.
options:
  argv: {description: The command and its arguments., type: list, elements: str, required: true}
  changed_if:
    description:
      - Outputs (the last line of stdout) that mean the command changed the host; when
        empty, every successful run changed it.
    type: list
    elements: str
    default: []
"""

RETURN = r"""
stdout: {description: The last line the command printed., type: str, returned: success}
"""


def _exit(**result: Any) -> NoReturn:
    print(json.dumps(result))
    sys.exit(1 if result.get("failed") else 0)


def main() -> None:
    given = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    unknown = sorted(key for key in given if key not in ("argv", "changed_if") and key[0] != "_")
    argv, changed_if = given.get("argv"), given.get("changed_if", [])
    if unknown:
        _exit(failed=True, msg=f"unsupported parameters: {', '.join(unknown)}")
    if not isinstance(argv, list) or not argv or not isinstance(changed_if, list):
        _exit(failed=True, msg="argv must be a non-empty list and changed_if a list")
    if given.get("_ansible_check_mode"):
        _exit(changed=False, skipped=True, msg="not run in check mode")
    try:
        result = subprocess.run(
            [str(part) for part in argv], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        _exit(failed=True, msg=f"{' '.join(map(str, argv))}: {error}")
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-5:]
        _exit(failed=True, msg=f"{' '.join(map(str, argv))} failed: " + " | ".join(output))
    lines = result.stdout.strip().splitlines()
    stdout = lines[-1] if lines else ""
    _exit(changed=not changed_if or stdout in changed_if, stdout=stdout)


if __name__ == "__main__":
    main()
