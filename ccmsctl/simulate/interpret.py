"""Run a call through a compiled dialplan (compile/dialplan.py's contexts), as Asterisk 22
would, without Asterisk: each priority's application with its data substituted, the
branches taken, the keys the caller presses at each prompt.

A call stops where the caller must act (a menu waiting for a key, a Read collecting digits):
`press` answers with keys, or silence, and the call goes on. The explorer (explore.py)
copies a stopped call to try every answer; a single simulation answers from a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ccmsctl.appargs import split_arguments
from ccmsctl.compile.dialplan import Context, Extension, Step
from ccmsctl.simulate.asterisk import (
    Functions,
    UnsupportedError,
    is_true,
    literal_prefix,
    pattern_matches,
    substitute,
    time_matches,
)

STEP_LIMIT = 10_000  # priorities one call may run: a loop in the dialplan ends here
KEYS = "0123456789*#"


@dataclass(frozen=True)
class Executed:
    """One priority the call ran: its application and data (substituted), the step (and so
    the estate's place that decided it), a branch's outcome, the keys that answered a wait."""

    context: str
    exten: str
    priority: int
    app: str
    data: str
    step: Step
    taken: bool | None = None
    keys: str | None = None
    elapsed: float = 0.0  # seconds into the call


@dataclass(frozen=True)
class Wait:
    """Where the call waits for the caller: `exten` (a menu: one key, or silence until
    `seconds`) or `read` (digits into a variable)."""

    kind: str
    seconds: float
    variable: str = ""
    max_digits: int = 1


@dataclass
class Call:
    """A channel in the dialplan: where it is, its variables, its record (CDR), what it ran."""

    context: str
    exten: str
    index: int  # the priority to run next, 0-based
    started: datetime
    variables: dict[str, str]
    cdr: dict[str, str]
    trace: list[Executed] = field(default_factory=list)
    elapsed: float = 0.0
    waiting: Wait | None = None
    ended: str = ""  # why the call ended ("" while it goes on)

    def copy(self) -> Call:
        return replace(
            self, variables=dict(self.variables), cdr=dict(self.cdr), trace=list(self.trace)
        )

    @property
    def now(self) -> datetime:
        return self.started + timedelta(seconds=self.elapsed)


@dataclass(frozen=True)
class _Indexed:
    """A context's extensions: by name, and its patterns by their literal prefix."""

    context: Context
    exact: Mapping[str, Extension]
    patterns: Mapping[str, tuple[Extension, ...]]


class Dialplan:
    """The contexts of one PBX's dialplan, indexed for lookup, and its [globals]."""

    def __init__(self, contexts: Iterable[Context], globals_: Mapping[str, str]) -> None:
        self.globals = dict(globals_)
        self._contexts: dict[str, _Indexed] = {}
        for context in contexts:
            exact = {e.name: e for e in context.extensions if not e.name.startswith("_")}
            patterns: dict[str, list[Extension]] = {}
            for extension in context.extensions:
                if extension.name.startswith("_"):
                    patterns.setdefault(literal_prefix(extension.name), []).append(extension)
            self._contexts[context.name] = _Indexed(
                context, exact, {k: tuple(v) for k, v in patterns.items()}
            )

    def extension(self, context: str, exten: str) -> Extension | None:
        """The extension a call to `exten` in `context` runs: the same name, else the
        matching pattern with the longest literal prefix (Asterisk's most specific)."""
        indexed = self._contexts.get(context)
        if indexed is None:
            return None
        found = indexed.exact.get(exten)
        if found is not None:
            return found
        for end in range(len(exten), -1, -1):
            for extension in indexed.patterns.get(exten[:end], ()):
                if pattern_matches(extension.name, exten):
                    return extension
        return None

    def keys(self, context: str) -> list[str]:
        """The single keys `context` has an extension for (a menu's options)."""
        indexed = self._contexts.get(context)
        return sorted(name for name in indexed.exact if name in KEYS) if indexed else []

    def start(self, context: str, exten: str, at: datetime, unique_id: str) -> Call:
        variables = {
            **self.globals,
            "EXTEN": exten,
            "UNIQUEID": unique_id,
            "CHANNEL_LANGUAGE": "en",
        }
        return Call(context, exten, 0, at, variables, {})

    def run(self, call: Call) -> Call:
        """Run `call` until it waits for the caller or ends (`start` and `press` give each
        run a call of its own)."""
        while not call.ended and call.waiting is None:
            if len(call.trace) >= STEP_LIMIT:
                call.ended = f"ran {STEP_LIMIT} priorities: the dialplan loops"
                break
            extension = self.extension(call.context, call.exten)
            if extension is None:
                call.ended = f"no extension {call.exten} in context {call.context}"
                break
            if call.index >= len(extension.steps):
                call.ended = "the extension has no more priorities"
                break
            self._step(call, extension)
        return call

    def press(self, call: Call, keys: str) -> Call:
        """Answer the call's wait with `keys` ("" is silence until the wait times out)."""
        wait = call.waiting
        if wait is None:
            raise ValueError("the call waits for nothing")
        call = call.copy()
        call.waiting = None
        last = call.trace.pop()
        call.trace.append(replace(last, keys=keys))
        if wait.kind == "read":
            call.variables[wait.variable] = keys.split("#", maxsplit=1)[0][: wait.max_digits]
            if not keys:
                call.elapsed += wait.seconds
            call.index += 1
            return call
        if not keys:
            call.elapsed += wait.seconds
            self._goto(call, call.context, "t", "1")
        elif self.extension(call.context, keys[0]) is not None and keys[0] in KEYS:
            self._goto(call, call.context, keys[0], "1")
        else:
            self._goto(call, call.context, "i", "1")
        return call

    # the applications
    def _step(self, call: Call, extension: Extension) -> None:
        step = extension.steps[call.index]
        app, _, rest = step.app.partition("(")
        raw = rest[:-1] if rest.endswith(")") else rest
        call.variables["EPOCH"] = str(int(call.now.timestamp()))
        data = substitute(raw, call.variables, _functions(call)) if "$" in raw else raw
        executed = Executed(
            call.context, call.exten, call.index + 1, app, data, step, elapsed=call.elapsed
        )
        call.trace.append(executed)
        self._execute(call, extension, app, data)

    def _execute(self, call: Call, extension: Extension, app: str, data: str) -> None:
        match app:
            case "Set":
                name, _, value = data.partition("=")
                _set(call, name, value)
            case "ExecIf" | "GotoIf" | "GotoIfTime" | "Goto":
                self._branch(call, extension, app, data)
                return
            case "WaitExten" | "Read":
                call.waiting = _wait(app, data)
                return
            case "Hangup":
                call.ended = f"hung up{f' (cause {data})' if data else ''}"
                return
            case "Background" | "Playback" | "Queue" | "VoiceMail" | "Dial":
                pass  # the narrator reads these from the trace; the call goes on after them
            case "MixMonitor" | "StopMixMonitor" | "NoOp" | "Answer":
                pass
            case _:
                raise UnsupportedError(f"application {app}")
        call.index += 1

    def _branch(self, call: Call, extension: Extension, app: str, data: str) -> None:
        """Goto, and the conditionals: GotoIf, GotoIfTime (`cond?yes[:no]`) and ExecIf
        (`cond?App(data)`)."""
        if app == "Goto":
            self._jump(call, extension, data)
            return
        condition, _, targets = data.partition("?")
        taken = time_matches(condition, call.now) if app == "GotoIfTime" else is_true(condition)
        call.trace[-1] = replace(call.trace[-1], taken=taken)
        if app == "ExecIf":
            if taken:
                inner, _, rest = targets.partition("(")
                self._execute(call, extension, inner, rest[:-1])
            else:
                call.index += 1
            return
        yes, _, no = targets.partition(":")
        target = yes if taken else no
        if target:
            self._jump(call, extension, target)
        else:
            call.index += 1

    def _jump(self, call: Call, extension: Extension, target: str) -> None:
        """Goto's forms: `label`, `exten,label`, `context,exten,label` (a label or a
        priority number)."""
        parts = [part.strip() for part in target.split(",")]
        if len(parts) == 1:
            self._goto(call, call.context, call.exten, parts[0], extension)
        elif len(parts) == 2:
            self._goto(call, call.context, parts[0], parts[1])
        else:
            self._goto(call, parts[0], parts[1], parts[2])

    def _goto(
        self,
        call: Call,
        context: str,
        exten: str,
        priority: str,
        extension: Extension | None = None,
    ) -> None:
        call.context, call.exten = context, exten
        call.variables["EXTEN"] = exten
        found = extension or self.extension(context, exten)
        if found is None:
            call.index = 0  # run() ends the call: no such extension
            return
        if priority.isdigit():
            call.index = int(priority) - 1
            return
        labels = [index for index, step in enumerate(found.steps) if step.label == priority]
        if not labels:
            raise UnsupportedError(f"label {priority} in {context},{exten}")
        call.index = labels[0]


def _wait(app: str, data: str) -> Wait:
    """WaitExten(seconds), or Read(variable,prompt,max digits,options,attempts,seconds)."""
    if app == "WaitExten":
        return Wait("exten", float(data or 0))
    arguments = [*split_arguments(data), "", "", "", "", "", ""]
    seconds = float(arguments[5]) if arguments[5] else 0
    maximum = int(arguments[2]) if arguments[2] else 255
    return Wait("read", seconds, arguments[0].lstrip("_"), maximum)


def _set(call: Call, name: str, value: str) -> None:
    if name.startswith("CDR(") and name.endswith(")"):
        call.cdr[name[4:-1]] = value
    elif name == "CHANNEL(language)":
        call.variables["CHANNEL_LANGUAGE"] = value
    elif name.startswith("GROUP("):
        call.variables[f"GROUP:{name[6:-1]}"] = value
    elif "(" in name:
        raise UnsupportedError(f"Set({name}=...)")
    else:
        call.variables[name.lstrip("_")] = value


def _strftime(arguments: list[str]) -> str:
    epoch, zone, pattern = [*arguments, "", "", ""][:3]
    instant = datetime.fromtimestamp(int(epoch or 0), ZoneInfo(zone or "UTC"))
    return instant.strftime(pattern or "%c")


def _functions(call: Call) -> Functions:
    return {
        "STRFTIME": _strftime,
        "LEN": lambda arguments: str(len(",".join(arguments))),
        "CDR": lambda arguments: call.cdr.get(arguments[0], ""),
        "CHANNEL": lambda arguments: (
            call.variables.get("CHANNEL_LANGUAGE", "")
            if arguments[0] == "language"
            else f"simulated-{call.variables.get('UNIQUEID', '')}"
        ),
        "GROUP_COUNT": lambda arguments: "1",  # this call is the only one
    }
