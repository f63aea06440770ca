"""ccms_asterisk: the PBX's part of the health gate. Does the running Asterisk run what its
installed files say? (See playbooks/library/ccms_asterisk.py for the options.)

One command over the connection prints the installed modules.conf, pjsip.conf and
queues.conf and what Asterisk's CLI says of each (`module show`, `pjsip list endpoints`,
`queue show`), after waiting, bounded, for it to finish booting. The comparison runs here,
on the controller: nothing of Python's is needed on the host.

Asterisk's `core reload` reads the files of the modules it runs but loads no module that
modules.conf newly lists (the first trunk with SRTP needs res_srtp, the first voicemail box
app_voicemail): such a module is loaded here with `module load`, and the task is then
changed. A module Asterisk cannot load (an Asterisk built without it), an endpoint or a
queue it did not take from its files, or an Asterisk that does not answer its CLI fails the
task, so the host fails and its wave is rolled back."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible.plugins.action import ActionBase

TIMEOUT = 30  # seconds one CLI command may take (a booting Asterisk: until it has booted)
MARK = "@@ccms "  # starts the line before each part of the host's answer
FILES = ("modules.conf", "pjsip.conf", "queues.conf")
COMMANDS = ("module show", "pjsip list endpoints", "queue show")
SHOWN = 5  # names listed per kind of problem

# The host's part: the files, then the CLI's answers, each after a line of MARK and its
# name. $1 is the folder of the files, the rest the CLI (its last argument: the command).
GATHER = f"""
etc=$1; shift
for f in {" ".join(FILES)}; do printf '\\n{MARK}%s\\n' "$f"; cat "$etc/$f" 2>/dev/null || :; done
printf '\\n{MARK}core waitfullybooted\\n'
timeout {TIMEOUT} "$@" 'core waitfullybooted' 2>&1 || echo "{MARK}failed $?"
for c in {" ".join(shlex.quote(c) for c in COMMANDS)}; do
  printf '\\n{MARK}%s\\n' "$c"; timeout {TIMEOUT} "$@" "$c" 2>&1 || echo "{MARK}failed $?"
done
"""

# Before GATHER: $1 the modules to load (names of MODULE_NAME, split at spaces), then
# GATHER's arguments.
LOAD = f"""
modules=$1; etc=$2; shift 2
for module in $modules; do
  printf '\\n{MARK}module load %s\\n' "$module"
  timeout {TIMEOUT} "$@" "module load $module" 2>&1 || :
done
set -- "$etc" "$@"
"""
MODULE_NAME = re.compile(r"^[A-Za-z0-9_]+\.so$")


FAILED = "!"  # parts(): the key of a command that failed is its name after this


def parts(output: str) -> dict[str, str]:
    """The host's answer taken apart: each file's text and each command's output, by name,
    and for a command that exited non-zero, its exit status under FAILED + its name."""
    found: dict[str, list[str]] = {}
    name, current = "", None
    for line in output.splitlines():
        if line.startswith(MARK + "failed "):
            found[FAILED + name] = [line.removeprefix(MARK + "failed ")]
        elif line.startswith(MARK):
            name = line[len(MARK) :]
            current = found.setdefault(name, [])
        elif current is not None:
            current.append(line)
    return {key: "\n".join(lines) for key, lines in found.items()}


def sections(text: str) -> dict[str, dict[str, list[str]]]:
    """An Asterisk config file's sections, templates (`(!)`) left out: name -> option ->
    values, in order, with what each inherits from its templates first (`[1001](phone)`);
    `=` and `=>` alike, comments dropped, `(+)` adds to a section already read."""
    found: dict[str, dict[str, list[str]]] = {}
    templates: set[str] = set()
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if header := re.match(r"^\[([^\]]+)\](?:\(([^)]*)\))?", line):
            name, marks = header.group(1), [m.strip() for m in (header.group(2) or "").split(",")]
            if "+" in marks and name in found:
                current = found[name]
                continue
            current = found[name] = {}
            for parent in marks:
                for key, values in found.get(parent, {}).items():
                    current.setdefault(key, []).extend(values)
            if "!" in marks:
                templates.add(name)
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current.setdefault(key.strip(), []).append(value.lstrip(">").strip())
    return {name: options for name, options in found.items() if name not in templates}


@dataclass(frozen=True)
class Expected:
    """What the installed files say Asterisk runs."""

    modules: tuple[str, ...]
    endpoints: frozenset[str]
    queues: frozenset[str]


def expected(files: dict[str, str]) -> Expected:
    modules = sections(files.get("modules.conf", "")).get("modules", {})
    pjsip = sections(files.get("pjsip.conf", ""))
    queues = sections(files.get("queues.conf", ""))
    return Expected(
        tuple(sorted({*modules.get("load", []), *modules.get("require", [])})),
        frozenset(name for name, options in pjsip.items() if "endpoint" in options.get("type", [])),
        frozenset(name for name in queues if name != "general"),
    )


@dataclass(frozen=True)
class Running:
    """What Asterisk's CLI says it runs; `problems`: what the CLI itself failed to answer."""

    booted: bool
    modules: frozenset[str]
    endpoints: frozenset[str]
    queues: frozenset[str]
    problems: tuple[str, ...] = field(default=())


def running(answers: dict[str, str]) -> Running:
    booted = "fully booted" in answers.get("core waitfullybooted", "")
    modules = re.findall(r"^(\S+\.so)\s.*\bRunning\b", answers.get("module show", ""), re.M)
    endpoints = re.findall(
        r"^ Endpoint:  ([^\s/<]+)", answers.get("pjsip list endpoints", ""), re.M
    )
    queues = re.findall(r"^(\S+) has \d+ calls", answers.get("queue show", ""), re.M)
    problems = tuple(
        f"`{command}` failed (exit {answers[FAILED + command]}): "
        + " ".join(answers.get(command, "").split()[-12:])
        for command in ("core waitfullybooted", *COMMANDS)
        if FAILED + command in answers
    )
    return Running(booted, frozenset(modules), frozenset(endpoints), frozenset(queues), problems)


def _names(what: str, names: Iterable[str]) -> str:
    listed = sorted(names)
    more = f" and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
    return f"{what}: {', '.join(listed[:SHOWN])}{more}"


def problems(want: Expected, have: Running, refused: dict[str, str]) -> list[str]:
    """What differs between the files and the running Asterisk; `refused`: the modules
    `module load` could not load, with Asterisk's words."""
    if not have.booted:
        return ["Asterisk does not answer its CLI, or has not finished booting", *have.problems]
    found = list(have.problems)
    if missing := [m for m in want.modules if m not in have.modules]:
        found.append(_names("modules.conf loads what Asterisk does not run", missing))
        found += [f"{module}: {said}" for module, said in sorted(refused.items())]
    if missing_endpoints := want.endpoints - have.endpoints:
        found.append(_names("endpoints of pjsip.conf Asterisk did not take", missing_endpoints))
    if missing_queues := want.queues - have.queues:
        found.append(_names("queues of queues.conf Asterisk did not take", missing_queues))
    return found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("cli", "etc"))

    def _host(self, argv: list[str]) -> dict[str, Any]:
        done: dict[str, Any] = self._low_level_execute_command(shlex.join(argv))
        return done

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        cli, etc = self._task.args.get("cli"), self._task.args.get("etc")
        if not isinstance(cli, list) or not cli or not isinstance(etc, str):
            return {**result, "failed": True, "msg": "cli must be a non-empty list, etc a path"}
        if self._task.check_mode:
            return {**result, "changed": False, "skipped": True, "msg": "not run in check mode"}
        if self._connection.has_option("use_tty"):
            self._connection.set_option("use_tty", False)
        words = [str(part) for part in cli]
        gather = ["sh", "-c", GATHER, "sh", etc, *words]
        answer = parts(self._host(gather)["stdout"])
        want, have = expected(answer), running(answer)
        unloaded = (
            [m for m in want.modules if m not in have.modules and MODULE_NAME.match(m)]
            if have.booted
            else []
        )
        refused: dict[str, str] = {}
        if unloaded:  # loaded in one command, then everything read again
            load = ["sh", "-c", LOAD + GATHER, "sh", " ".join(unloaded), etc, *words]
            answer = parts(self._host(load)["stdout"])
            for module in unloaded:
                said = " ".join(answer.get(f"module load {module}", "").split())
                if not said.startswith("Loaded"):
                    refused[module] = said or "no answer"
            have = running(answer)
        found = problems(want, have, refused)
        if found:
            return {**result, "failed": True, "msg": "; ".join(found)}
        loaded = sorted(set(unloaded) - set(refused))
        return {
            **result,
            "changed": bool(loaded),
            "stdout": "loaded " + ", ".join(loaded) if loaded else "healthy",
        }
