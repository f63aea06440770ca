"""The controller's side of ccms_files: on a real host it sends the host's changed files,
which ccmsctl packed into one archive on the controller (`send`), into the folder Ansible
makes for the module's own run, and hands the module that copy (`archive`), which the
module removes whatever happens. One transfer in the step that installs the files: a copy
task before it would run two more modules on every host (copy's stat and copy), each a
Python start and an AnsiballZ payload."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        send = args.pop("send", "")
        shell = self._connection._shell
        try:
            if send:
                if shell.tmpdir is None:
                    self._make_tmp_path()
                remote = shell.join_path(shell.tmpdir, "files.tar")
                self._transfer_file(send, remote)
                self._fixup_perms2((shell.tmpdir, remote), execute=False)
                args["archive"] = remote
            result.update(
                self._execute_module(
                    module_name="ccms_files", module_args=args, task_vars=task_vars
                )
            )
        finally:
            self._remove_tmp_path(shell.tmpdir)
        return result
