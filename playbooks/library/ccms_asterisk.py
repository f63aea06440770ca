#!/usr/bin/python
"""ccms_asterisk's documentation: the action plugin of the same name (playbooks/action_plugins)
does the work, over the connection with commands and on the controller, so there is no
module code here (as Ansible's own debug and set_fact)."""

DOCUMENTATION = r"""
module: ccms_asterisk
short_description: Check that the running Asterisk runs what its installed files say
description:
  - Waits (30 s at most) for Asterisk to finish booting, then compares what its CLI says it
    runs (`module show`, `pjsip list endpoints`, `queue show`) with the installed
    modules.conf, pjsip.conf and queues.conf.
  - A module modules.conf lists that Asterisk does not run (C(core reload) loads no new
    module) is loaded with C(module load); the task is then changed.
  - Fails, naming what differs, when Asterisk does not answer, cannot load a module, or did
    not take an endpoint or a queue of its files. In check mode nothing runs.
options:
  cli:
    description: The command that runs one Asterisk CLI command, given as its last argument.
    type: list
    elements: str
    required: true
  etc: {description: The folder of Asterisk's installed files., type: str, required: true}
"""

RETURN = r"""
stdout:
  description: healthy, or the modules it loaded (loaded ...).
  type: str
  returned: success
"""
