"""The controller's side of ccms_files: the whole install is one command over the
connection. The module (playbooks/library/ccms_files.py, Python's standard library alone)
runs as `python3 -c SOURCE -`, reading its arguments and then, on a real host, the host's
changed files (one tar ccmsctl packed on the controller, `send`) from stdin; where Ansible
would make a folder on the host, send the module, its arguments and the archive to it, run
it and remove the folder again, six SSH operations or more. Nothing of the files is left on
the host but the installed files themselves."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

PYTHON = "/usr/bin/python3"  # where the inventory leaves the interpreter to discovery


class ActionModule(ActionBase):
    TRANSFERS_FILES = False  # the files go over stdin: no folder on the host for them

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        send = args.pop("send", "")
        if send:
            args["archive"] = "-"
        args["_ansible_check_mode"] = self._task.check_mode
        source = Path(self._shared_loader_obj.module_loader.find_plugin("ccms_files"))
        python = str(
            self._templar.template((task_vars or {}).get("ansible_python_interpreter", PYTHON))
        )
        if python.startswith("auto"):
            python = PYTHON
        data = json.dumps(args).encode() + b"\n" + (Path(send).read_bytes() if send else b"")
        command = shlex.join([*shlex.split(python), "-c", source.read_text(encoding="utf-8"), "-"])
        done = self._low_level_execute_command(command, in_data=data)
        lines = done["stdout"].strip().splitlines()
        try:
            answer = json.loads(lines[-1]) if lines else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            output = (done["stdout"] + done["stderr"]).strip().splitlines()[-5:]
            return {
                **result,
                "failed": True,
                "msg": "ccms_files did not answer: " + " | ".join(output),
            }
        return {**result, **answer}
