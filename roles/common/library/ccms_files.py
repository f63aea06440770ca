#!/usr/bin/python
"""Install files compiled by ccmsctl under a host's root: only those that differ, each
checked (when a check is given) and swapped in atomically, in one module run per host."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: ccms_files
short_description: Install ccmsctl's compiled files under a root, checked and atomic
description:
  - Copies each listed file from I(source) to I(root) when its bytes differ, creating
    folders as needed. A file with a check command is written to a temporary file first,
    checked, and renamed into place only if the check passes.
  - Removes the listed files that the estate no longer produces.
options:
  root: {description: Install root ("" for /)., type: str, required: true}
  source: {description: Folder holding the staged files., type: path, required: true}
  files: {description: Paths relative to the root., type: list, elements: str, default: []}
  remove: {description: Paths to delete., type: list, elements: str, default: []}
  modes:
    description: Path prefix -> file mode; the longest matching prefix wins, else 0644.
    type: dict
    default: {}
  validate:
    description: Path -> check command, with %s standing for the file to check.
    type: dict
    default: {}
  restarts:
    description:
      - After installing, run each I(argv) whose I(prefix) starts a path that was installed
        or removed (restart or reload a service).
    type: list
    elements: dict
    default: []
  ensure:
    description:
      - Commands run after the restarts when none of them ran (start a service that should
        run); a command that prints C(started) changed the host.
    type: list
    elements: list
    default: []
"""

RETURN = r"""
installed: {description: Paths whose content changed., type: list, returned: always}
removed: {description: Paths deleted., type: list, returned: always}
"""


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _mode(path: str, modes: dict[str, str]) -> int:
    matches = [prefix for prefix in modes if path.startswith(prefix)]
    return int(modes[max(matches, key=len)], 8) if matches else 0o644


def _install(module: AnsibleModule, relative: str, target: Path) -> None:
    params = module.params
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write((Path(params["source"]) / relative).read_bytes())
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(_mode(relative, params["modes"]))
        check = params["validate"].get(relative)
        if check:
            argv = [part.replace("%s", str(temporary)) for part in shlex.split(check)]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
            if result.returncode != 0:
                output = (result.stdout + result.stderr).strip().splitlines()[-5:]
                module.fail_json(
                    msg=f"{relative} failed its check ({check}): " + " | ".join(output)
                )
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "str", "required": True},
            "source": {"type": "path", "required": True},
            "files": {"type": "list", "elements": "str", "default": []},
            "remove": {"type": "list", "elements": "str", "default": []},
            "modes": {"type": "dict", "default": {}},
            "validate": {"type": "dict", "default": {}},
            "restarts": {"type": "list", "elements": "dict", "default": []},
            "ensure": {"type": "list", "elements": "list", "default": []},
        },
        supports_check_mode=True,
    )
    params = module.params
    root = Path(params["root"] or "/")
    installed, removed = [], []
    checked_last = sorted(params["files"], key=lambda p: (p in params["validate"], p))
    for relative in checked_last:
        target = root / relative
        if _digest(target) == _digest(Path(params["source"]) / relative):
            continue
        if not module.check_mode:
            _install(module, relative, target)
        installed.append(relative)
    for relative in sorted(params["remove"]):
        target = root / relative
        if target.exists() or target.is_symlink():
            if not module.check_mode:
                target.unlink()
            removed.append(relative)
    touched = installed + removed
    ran = [
        _run(module, item["argv"])
        for item in params["restarts"]
        if any(path.startswith(item["prefix"]) for path in touched)
    ]
    started = [] if ran else [_run(module, argv) for argv in params["ensure"]]
    changed = bool(touched or ran or any(out == "started" for out in started))
    module.exit_json(changed=changed, installed=installed, removed=removed)


def _run(module: AnsibleModule, argv: list[str]) -> str:
    if module.check_mode:
        return ""
    result = subprocess.run(
        [str(part) for part in argv], capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-5:]
        module.fail_json(msg=f"{' '.join(map(str, argv))} failed: " + " | ".join(output))
    return result.stdout.strip()


if __name__ == "__main__":
    main()
