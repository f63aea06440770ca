#!/usr/bin/python
"""ccms_run's documentation: the action plugin of the same name (playbooks/action_plugins)
does the work, in one command on the host, so there is no module code here (as Ansible's
own debug and set_fact)."""

DOCUMENTATION = r"""
module: ccms_run
short_description: Run a command; changed when it prints one of the given words
description:
  - Runs I(argv) on the host, without a shell of its own (a shell where argv starts one), in
    a single command over the connection: no module is sent and no Python starts on the
    host. What the roles use to install packages, run Kamailio and Asterisk and reload
    them, reload keepalived, and make the recording folders.
  - The task fails, with the last lines of output, when the command exits non-zero or runs
    longer than five minutes. In check mode nothing runs.
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
