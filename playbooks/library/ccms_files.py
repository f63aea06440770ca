#!/usr/bin/python
# WANT_JSON
"""Install files compiled by ccmsctl under a host's root: only those that differ, each
checked (when a check is given) and swapped in atomically.

A WANT_JSON module on the standard library alone: Ansible hands it its arguments as a JSON
file instead of packing AnsibleModule and its module_utils into an AnsiballZ payload, which
it would build on the controller and compile on the host for every host of every run (most
of the per-host cost of a 50-host apply; see bench/README.md). The arguments are checked
here against ARGUMENTS instead. The action plugin of the same name runs it in one command
over the connection (`python3 -c SOURCE -`: arguments, then the files, on stdin) instead of
the module run's six SSH operations.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, NoReturn

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
  source: {description: Folder holding the staged files (the lab's)., type: path, default: ""}
  archive:
    description: A tar file holding the staged files instead (a real host's, sent in one
      transfer), removed once read, whatever happens; C(-) for the rest of stdin, after the
      arguments' line (as the action plugin sends them).
    type: path
    default: ""
  files: {description: Paths relative to the root., type: list, elements: str, default: []}
  remove: {description: Paths to delete., type: list, elements: str, default: []}
  modes:
    description: Path prefix -> file mode; the longest matching prefix wins, else 0644.
    type: dict
    default: {}
  groups:
    description: Path -> the group that owns the file (root stays its owner); for files
      only a service may read, such as keys and passwords.
    type: dict
    default: {}
  validate:
    description: Path -> check command, with %s standing for the file to check.
    type: dict
    default: {}
"""

RETURN = r"""
installed: {description: Paths whose content changed., type: list, returned: always}
removed: {description: Paths deleted., type: list, returned: always}
"""

# name -> (type, default); a name without a default is required.
ARGUMENTS: dict[str, tuple[type, Any]] = {
    "root": (str, None),
    "source": (str, ""),
    "archive": (str, ""),
    "files": (list, []),
    "remove": (list, []),
    "modes": (dict, {}),
    "groups": (dict, {}),
    "validate": (dict, {}),
}


def _exit(**result: Any) -> NoReturn:
    print(json.dumps(result))
    sys.exit(1 if result.get("failed") else 0)


def fail(msg: str) -> NoReturn:
    _exit(failed=True, changed=False, msg=msg)


def _arguments(path: str) -> tuple[dict[str, Any], bool]:
    """The module's arguments, checked, and whether in check mode: from Ansible's JSON file,
    or with `-` from the first line of stdin (the action plugin's one-command run)."""
    if path == "-":
        given = json.loads(sys.stdin.buffer.readline())
    else:
        given = json.loads(Path(path).read_text(encoding="utf-8"))
    unknown = sorted(key for key in given if key not in ARGUMENTS and not key.startswith("_"))
    if unknown:
        fail(f"unsupported parameters: {', '.join(unknown)}")
    params = {}
    for name, (kind, default) in ARGUMENTS.items():
        value = given.get(name, default)
        if value is None:
            fail(f"missing required argument: {name}")
        if not isinstance(value, kind):
            fail(f"argument {name} must be a {kind.__name__}, not {type(value).__name__}")
        params[name] = value
    if params["files"] and not params["source"] and not params["archive"]:
        fail("give source or archive: where the files to install are")
    params["source"] = str(Path(params["source"]).expanduser())
    return params, bool(given.get("_ansible_check_mode"))


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _mode(path: str, modes: dict[str, str]) -> int:
    matches = [prefix for prefix in modes if path.startswith(prefix)]
    return int(modes[max(matches, key=len)], 8) if matches else 0o644


def _install(params: dict[str, Any], relative: str, target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(_mode(relative, params["modes"]))
        group = params["groups"].get(relative)
        if group:
            try:
                os.chown(temporary, 0, grp.getgrnam(group).gr_gid)
            except KeyError:
                fail(f"{relative}: no group {group} here (is its service installed?)")
        check = params["validate"].get(relative)
        if check:
            argv = [part.replace("%s", str(temporary)) for part in shlex.split(check)]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
            if result.returncode != 0:
                output = (result.stdout + result.stderr).strip().splitlines()[-5:]
                fail(f"{relative} failed its check ({check}): " + " | ".join(output))
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _staged(params: dict[str, Any]) -> dict[str, bytes]:
    """The staged files by path: from the archive, else from the source folder."""
    if params["archive"]:
        sent = params["archive"] == "-"  # the rest of stdin
        with (
            tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
            if sent
            else tarfile.open(params["archive"]) as tar
        ):
            found = {}
            for member in tar:  # in order: a stream cannot seek back
                stream = tar.extractfile(member) if member.isfile() else None
                if stream is not None:
                    found[member.name] = stream.read()
        missing = sorted(set(params["files"]) - set(found))
        if missing:
            fail(f"the sent archive lacks {', '.join(missing)}")
        return found
    source = Path(params["source"])
    return {relative: (source / relative).read_bytes() for relative in params["files"]}


def main() -> None:
    params, check_mode = _arguments(sys.argv[1])
    try:
        staged = _staged(params)
    finally:
        if params["archive"] not in ("", "-"):
            Path(params["archive"]).unlink(missing_ok=True)
    root = Path(params["root"] or "/")
    installed, removed = [], []
    checked_last = sorted(params["files"], key=lambda p: (p in params["validate"], p))
    for relative in checked_last:
        target = root / relative
        if _digest(target) == hashlib.sha256(staged[relative]).hexdigest():
            continue
        if not check_mode:
            _install(params, relative, target, staged[relative])
        installed.append(relative)
    for relative in sorted(params["remove"]):
        target = root / relative
        if target.exists() or target.is_symlink():
            if not check_mode:
                target.unlink()
            removed.append(relative)
    _exit(changed=bool(installed or removed), installed=installed, removed=removed)


if __name__ == "__main__":
    main()
