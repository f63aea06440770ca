"""ccms_run: run one command on the host and tell from its last line of output whether it
changed anything (see playbooks/library/ccms_run.py for the options).

The command is the whole of the step: one command over the connection (with the become
the inventory asks for), where a module run would make a folder, send the module and its
arguments, run Python on the host and remove the folder again, each its own SSH operation.
The roles' commands are small programs (systemctl, the lab's scripts, `sh -ec` scripts of
the roles' vars), so nothing of Python's is needed on the host."""

from __future__ import annotations

import shlex
from typing import Any

from ansible.plugins.action import ActionBase

TIMEOUT = 300  # seconds a command may run


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("argv", "changed_if"))

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        argv = self._task.args.get("argv")
        changed_if = self._task.args.get("changed_if", [])
        if not isinstance(argv, list) or not argv or not isinstance(changed_if, list):
            return {
                **result,
                "failed": True,
                "msg": "argv must be a non-empty list and changed_if a list",
            }
        if self._task.check_mode:
            return {**result, "changed": False, "skipped": True, "msg": "not run in check mode"}
        words = [str(part) for part in argv]
        if self._connection.has_option("use_tty"):
            # no terminal (ssh would ask for one): output and errors stay apart, and no
            # program of the command waits on a terminal it cannot have
            self._connection.set_option("use_tty", False)
        done = self._low_level_execute_command(shlex.join(["timeout", str(TIMEOUT), *words]))
        command = " ".join(shlex.join(words).split())  # on one line
        shown = command if len(command) <= 120 else command[:117] + "..."
        if done["rc"] != 0:
            output = (done["stdout"] + done["stderr"]).strip().splitlines()[-5:]
            why = f"ran longer than {TIMEOUT} s" if done["rc"] == 124 else "failed"
            return {**result, "failed": True, "msg": f"{shown} {why}: " + " | ".join(output)}
        lines = done["stdout"].strip().splitlines()
        stdout = lines[-1] if lines else ""
        return {**result, "changed": not changed_if or stdout in changed_if, "stdout": stdout}
