"""A structural checker for Asterisk configuration: what a real Asterisk does not find when it
loads the files (tests/integration/test_asterisk.py loads them), because it resolves these
only when a call gets there.

It parses pjsip.conf, extensions.conf and queues.conf the way Asterisk's config loader does
(sections, templates, `=`/`=>`, `;` comments, #include/#tryinclude) and reports:

- a Goto/GotoIf/GotoIfTime target (context, extension, priority or label) that does not exist;
- extensions whose priorities are not 1, n, n, ... (or strictly increasing numbers), and
  duplicate labels;
- an include => naming an unknown context;
- Queue() naming a queue that queues.conf lacks; a queue member or a Dial() naming a PJSIP
  endpoint that pjsip.conf lacks;
- a PJSIP endpoint, identify or registration whose aors, auth, outbound_auth, transport or
  endpoint name no section of that type; a template that does not exist;
- a context given to an endpoint that extensions.conf lacks (Asterisk reports it only when
  a call arrives).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<opts>[^)]*)\))?\s*$")
_LINE = re.compile(r"^(?P<key>[^=]+?)\s*=>?\s*(?P<value>.*)$")
_PRIORITY = re.compile(r"^(?P<prio>\d+|n)(?:\((?P<label>[A-Za-z0-9_-]+)\))?$")


@dataclass
class Section:
    name: str
    options: list[str]
    lines: list[tuple[int, str, str]] = field(default_factory=list)  # (line, key, value)

    def get(self, key: str) -> str | None:
        values = [value for _, k, value in self.lines if k == key]
        return values[-1] if values else None


def _strip_comment(line: str) -> str:
    result, escaped = [], False
    for char in line:
        if char == ";" and not escaped:
            break
        escaped = char == "\\" and not escaped
        result.append(char)
    return "".join(result).strip()


def parse(path: Path) -> list[Section]:
    """Sections of an Asterisk config file, with the files it includes beside it read in
    their place (a #tryinclude of an absent one is nothing, as in Asterisk) and template
    inheritance applied."""
    sections: list[Section] = []
    current: Section | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _strip_comment(raw)
        if line.startswith(("#include", "#tryinclude")):
            included = path.parent / line.split(maxsplit=1)[1].strip('"')
            if included.is_file() and included != path:
                sections.extend(parse(included))
                current = None
            continue
        if not line:
            continue
        if match := _SECTION.match(line):
            options = [o.strip() for o in (match["opts"] or "").split(",") if o.strip()]
            current = Section(match["name"], options)
            sections.append(current)
        elif match := _LINE.match(line):
            if current is None:
                raise ValueError(f"{path}:{number}: setting outside any section")
            current.lines.append((number, match["key"].strip(), match["value"].strip()))
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    templates = {s.name: s for s in sections if "!" in s.options}
    for section in sections:
        for option in section.options:
            if option in ("!", "+"):
                continue
            if option not in templates:
                raise ValueError(f"{path}: [{section.name}] uses unknown template '{option}'")
            section.lines = [*templates[option].lines, *section.lines]
    return [s for s in sections if "!" not in s.options]


@dataclass
class Dialplan:
    # context -> extension -> list of (line, priority token, label, application)
    contexts: dict[str, dict[str, list[tuple[int, str, str, str]]]]
    includes: list[tuple[str, int, str]]


def parse_dialplan(path: Path) -> Dialplan:
    contexts: dict[str, dict[str, list[tuple[int, str, str, str]]]] = {}
    includes = []
    for section in parse(path):
        if section.name in ("general", "globals"):
            continue
        extensions: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
        last = ""
        for number, key, value in section.lines:
            if key == "include":
                includes.append((section.name, number, value))
                continue
            if key == "exten":
                name, priority, app = (part.strip() for part in value.split(",", 2))
                last = name
            elif key == "same":
                if not last:
                    raise ValueError(f"{path}:{number}: 'same' before any 'exten'")
                priority, app = (part.strip() for part in value.split(",", 1))
                name = last
            else:
                raise ValueError(f"{path}:{number}: unknown dialplan key '{key}'")
            match = _PRIORITY.match(priority)
            if match is None:
                raise ValueError(f"{path}:{number}: bad priority '{priority}'")
            extensions[name].append((number, match["prio"], match["label"] or "", app))
        contexts[section.name] = dict(extensions)
    return Dialplan(contexts, includes)


def _args(app: str) -> tuple[str, str]:
    name, _, rest = app.partition("(")
    return name.strip(), rest[: rest.rfind(")")] if ")" in rest else rest


def _matches(pattern: str, exten: str) -> bool:
    if not pattern.startswith("_"):
        return pattern == exten
    regex = "".join(
        {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}.get(c, re.escape(c))
        for c in pattern[1:]
    )
    return re.fullmatch(regex, exten) is not None


def check(folder: Path) -> list[str]:
    """Problems found in folder/{pjsip,extensions,queues}.conf; empty when consistent."""
    problems: list[str] = []
    pjsip = parse(folder / "pjsip.conf")
    dialplan = parse_dialplan(folder / "extensions.conf")
    queues = {s.name for s in parse(folder / "queues.conf") if s.name != "general"}
    typed: dict[str, set[str]] = defaultdict(set)
    for section in pjsip:
        typed[section.get("type") or "?"].add(section.name)

    def need(kind: str, name: str, where: str) -> None:
        if name not in typed[kind]:
            problems.append(f"{where}: no {kind} '{name}'")

    for section in pjsip:
        where = f"pjsip.conf [{section.name}]"
        kind = section.get("type")
        for key, target in (
            ("transport", "transport"),
            ("auth", "auth"),
            ("outbound_auth", "auth"),
            ("endpoint", "endpoint"),
        ):
            value = section.get(key)
            if value and kind in ("endpoint", "identify", "registration"):
                need(target, value, where)
        if kind == "endpoint":
            for aor in (section.get("aors") or "").split(","):
                if aor.strip():
                    need("aor", aor.strip(), where)
            context = section.get("context")
            if context and context not in dialplan.contexts:
                problems.append(f"{where}: context '{context}' is not in extensions.conf")
        if kind is None:
            problems.append(f"{where}: no type")

    for section in parse(folder / "queues.conf"):
        for number, key, value in section.lines:
            if key == "member":
                interface = value.split(",")[0]
                if interface.startswith("PJSIP/"):
                    need("endpoint", interface.split("/", 1)[1], f"queues.conf:{number}")

    for context, number, target in dialplan.includes:
        if target not in dialplan.contexts:
            problems.append(f"extensions.conf:{number}: [{context}] includes unknown '{target}'")
    for context, extensions in dialplan.contexts.items():
        for exten, steps in extensions.items():
            problems += _check_priorities(context, exten, steps)
            for number, _, _, app in steps:
                problems += _check_app(dialplan, context, exten, number, app, queues, typed)
    return problems


def _check_priorities(
    context: str, exten: str, steps: list[tuple[int, str, str, str]]
) -> list[str]:
    problems = []
    where = f"extensions.conf:{steps[0][0]} [{context}] {exten}"
    if steps[0][1] != "1":
        problems.append(f"{where}: first priority is {steps[0][1]}, not 1")
    previous = 1
    for number, priority, _, _ in steps[1:]:
        current = previous + 1 if priority == "n" else int(priority)
        if current <= previous:
            problems.append(f"extensions.conf:{number} [{context}] {exten}: priority goes back")
        previous = current
    labels = [label for _, _, label, _ in steps if label]
    if len(labels) != len(set(labels)):
        problems.append(f"{where}: a label is used twice")
    return problems


def _targets(app: str) -> list[str]:
    """Goto-style targets ("[[context,]exten,]priority") an application may jump to."""
    name, args = _args(app)
    if name == "Goto":
        return [args]
    if name in ("GotoIf", "GotoIfTime"):
        branches = args.split("?", 1)[1] if "?" in args else ""
        return [target for target in branches.split(":") if target]
    return []


def _check_app(
    dialplan: Dialplan,
    context: str,
    exten: str,
    number: int,
    app: str,
    queues: set[str],
    typed: dict[str, set[str]],
) -> list[str]:
    where = f"extensions.conf:{number} [{context}] {exten}"
    problems = []
    for target in _targets(app):
        parts = [part.strip() for part in target.split(",")]
        if len(parts) == 1:
            parts = [context, exten, *parts]
        elif len(parts) == 2:
            parts = [context, *parts]
        to_context, to_exten, to_priority = parts
        if "$" in to_context or "$" in to_exten:
            continue  # computed at run time: not checkable here
        extensions = dialplan.contexts.get(to_context)
        if extensions is None:
            problems.append(f"{where}: {app}: no context '{to_context}'")
            continue
        steps = next((s for pattern, s in extensions.items() if _matches(pattern, to_exten)), None)
        if steps is None:
            problems.append(f"{where}: {app}: no extension '{to_exten}' in '{to_context}'")
        elif not to_priority.isdigit() and to_priority not in {label for *_, label, _ in steps}:
            problems.append(f"{where}: {app}: no label '{to_priority}'")
        elif to_priority.isdigit() and int(to_priority) > len(steps):
            problems.append(f"{where}: {app}: no priority {to_priority}")
    name, args = _args(app)
    if name == "Queue" and args.split(",")[0] not in queues:
        problems.append(f"{where}: Queue({args.split(',')[0]}) has no queues.conf section")
    if name == "Dial":
        for interface in args.split(",")[0].split("&"):
            if interface.startswith("PJSIP/"):
                endpoint = interface.split("/", 1)[1]
                endpoint = endpoint.split("@", 1)[1] if "@" in endpoint else endpoint
                if "$" not in endpoint and endpoint not in typed["endpoint"]:
                    problems.append(f"{where}: Dial to unknown endpoint '{endpoint}'")
    return problems
