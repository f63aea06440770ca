"""extensions.conf read as a dialplan: contexts of extensions, each a list of steps in
priority order (`exten => PATTERN,PRIORITY(LABEL),App(args)`, `same =>`, priority `n`,
labels), the `[globals]` substituted where a step says `${NAME}`, and each step's line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ccmsctl.appargs import split_arguments
from ccmsctl.importing.conf import Config, Section, Setting
from ccmsctl.importing.ledger import Ledger

_PRIORITY = re.compile(r"^(n|s|[0-9]+)(?:\+([0-9]+))?(?:\(([A-Za-z0-9_-]+)\))?$")
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
SPECIAL = ("general", "globals")


@dataclass(frozen=True)
class Step:
    """One priority of an extension: the application and its arguments."""

    priority: int
    label: str
    app: str  # as written, e.g. "Background"
    args: tuple[str, ...]
    setting: Setting

    @property
    def name(self) -> str:
        return self.app.lower()


@dataclass
class Context:
    section: Section
    extensions: dict[str, list[Step]] = field(default_factory=dict)  # in the order written
    others: list[Setting] = field(default_factory=list)  # include, switch, ignorepat, ...

    def find(self, exten: str, target: str) -> int | None:
        """The index in `exten`'s steps of priority or label `target`."""
        for index, step in enumerate(self.extensions.get(exten, [])):
            if target in (str(step.priority), step.label):
                return index
        return None


@dataclass
class Dialplan:
    contexts: dict[str, Context] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # [globals]
    used: set[str] = field(default_factory=set)  # the variables substituted somewhere


def read_dialplan(config: Config, ledger: Ledger) -> Dialplan:
    """The contexts of `config`; a line that is not a step Asterisk would run is residue."""
    dialplan = Dialplan()
    for section in config.sections:
        if section.name == "globals":
            dialplan.variables |= {s.name: s.value for s in section.settings}
    for section in config.sections:
        if section.name in SPECIAL:
            continue
        context = dialplan.contexts.setdefault(section.name, Context(section))
        _read_context(section, context, dialplan, ledger)
    return dialplan


def _read_context(section: Section, context: Context, dialplan: Dialplan, ledger: Ledger) -> None:
    current = ""
    for setting in section.settings:
        if setting.name == "exten":
            pattern, _, rest = setting.value.partition(",")
            current = pattern.strip()
            _add(context, current, rest, setting, dialplan, ledger)
        elif setting.name == "same" and current:
            _add(context, current, setting.value, setting, dialplan, ledger)
        else:
            context.others.append(setting)


def _add(
    context: Context,
    exten: str,
    text: str,
    setting: Setting,
    dialplan: Dialplan,
    ledger: Ledger,
) -> None:
    priority_text, _, call = text.partition(",")
    found = _PRIORITY.match(priority_text.strip())
    steps = context.extensions.setdefault(exten, [])
    if found is None:  # `hint` and the like: not a step a call runs
        ledger.leave(setting, "not a priority a call runs (a hint, or malformed)")
        return
    last = steps[-1].priority if steps else 0
    number, plus, label = found.groups()
    priority = last + 1 if number == "n" else last if number == "s" else int(number)
    priority += int(plus or 0)
    app, args = _call(_substituted(call.strip(), dialplan))
    steps.append(Step(priority, label or "", app, args, setting))
    steps.sort(key=lambda step: step.priority)


def _substituted(text: str, dialplan: Dialplan) -> str:
    """`text` with each `${NAME}` of [globals] replaced by its value."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in dialplan.variables:
            return match.group()
        dialplan.used.add(name)
        return dialplan.variables[name]

    return _VARIABLE.sub(value, text)


def _call(text: str) -> tuple[str, tuple[str, ...]]:
    """`App(a,b)` (or the old `App,a,b`) as its name and arguments."""
    paren = text.find("(")
    comma = text.find(",")
    if paren >= 0 and (comma < 0 or paren < comma):
        inner = text[paren + 1 :]
        inner = inner[:-1] if inner.endswith(")") else inner
        return text[:paren].strip(), split_args(inner)
    if comma >= 0:
        return text[:comma].strip(), split_args(text[comma + 1 :])
    return text.strip(), ()


def split_args(text: str) -> tuple[str, ...]:
    """Arguments split as Asterisk splits them, each stripped; none for no text."""
    return tuple(part.strip() for part in split_arguments(text)) if text else ()
