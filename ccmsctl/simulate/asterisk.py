"""What Asterisk 22 makes of the dialplan's text: `${...}` substitution with the functions the
compiled dialplan uses, `$[...]` expressions, extension patterns, and GotoIfTime's time
specifications. Pure functions over strings; the interpreter (interpret.py) runs them.

Only what compile writes is covered, and anything else is refused (`UnsupportedError`) rather
than guessed: the differential call tests place the same calls through real Asterisk and
check that it agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from ccmsctl.appargs import split_arguments


class UnsupportedError(Exception):
    """The dialplan uses something the simulator does not model (a bug in ccmsctl: compile
    wrote what its simulator cannot read)."""


Functions = Mapping[str, Callable[[list[str]], str]]


def substitute(text: str, variables: Mapping[str, str], functions: Functions) -> str:
    """`text` with every `${NAME}`, `${NAME:offset:length}`, `${FUNCTION(args)}` and `$[expr]`
    replaced, innermost first, as Asterisk substitutes an application's data."""
    if "$" not in text:
        return text
    out: list[str] = []
    at = 0
    while at < len(text):
        start = text.find("$", at)
        if start < 0 or start + 1 >= len(text) or text[start + 1] not in "{[":
            if start < 0:
                out.append(text[at:])
                break
            out.append(text[at : start + 1])
            at = start + 1
            continue
        out.append(text[at:start])
        opening = text[start + 1]
        end = _closing(text, start + 1, opening, "}" if opening == "{" else "]")
        inner = substitute(text[start + 2 : end], variables, functions)
        out.append(_value(inner, variables, functions) if opening == "{" else evaluate(inner))
        at = end + 1
    return "".join(out)


def _closing(text: str, at: int, opening: str, closing: str) -> int:
    depth = 0
    for index in range(at, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    raise UnsupportedError(f"unbalanced {opening!r} in {text!r}")


_CALL = re.compile(r"^([A-Z_]+)\((.*)\)$", re.DOTALL)
_SLICE = re.compile(r"^([A-Za-z0-9_]+):(-?\d+)(?::(-?\d+))?$")


def _value(inner: str, variables: Mapping[str, str], functions: Functions) -> str:
    call = _CALL.match(inner)
    if call:
        function = functions.get(call.group(1))
        if function is None:
            raise UnsupportedError(f"function {call.group(1)}")
        return function(split_arguments(call.group(2)))
    piece = _SLICE.match(inner)
    if piece:
        value = variables.get(piece.group(1), "")
        offset = int(piece.group(2))
        length = piece.group(3)
        begin = offset if offset >= 0 else max(0, len(value) + offset)
        if length is None:
            return value[begin:]
        count = int(length)
        return value[begin : begin + count] if count >= 0 else value[begin:count]
    return variables.get(inner, "")


# $[...]: Asterisk's expression language, the operators the dialplan uses, loosest first
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("|",),
    ("&",),
    ("=", "!=", "<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)
_TOKEN = re.compile(r'\s*("[^"]*"|<=|>=|!=|[|&=<>+\-*/%()]|[^\s|&=<>+\-*/%()"]+)')


def evaluate(expression: str) -> str:
    """The value of an `$[...]` expression: numbers compare as numbers, anything else as
    text; a comparison gives 1 or 0."""
    tokens: list[str] = []
    at = 0
    while at < len(expression):
        if not expression[at:].strip():
            break
        match = _TOKEN.match(expression, at)
        if match is None:
            raise UnsupportedError(f"expression {expression!r}")
        tokens.append(match.group(1))
        at = match.end()
    value, rest = _level(tokens, 0)
    if rest:
        raise UnsupportedError(f"expression {expression!r}")
    return value


def _level(tokens: list[str], level: int) -> tuple[str, list[str]]:
    if level == len(_LEVELS):
        return _operand(tokens)
    left, rest = _level(tokens, level + 1)
    while rest and rest[0] in _LEVELS[level]:
        operator = rest[0]
        right, rest = _level(rest[1:], level + 1)
        left = _apply(operator, left, right)
    return left, rest


def _operand(tokens: list[str]) -> tuple[str, list[str]]:
    if not tokens:
        return "", []
    if tokens[0] == "(":
        value, rest = _level(tokens[1:], 0)
        if not rest or rest[0] != ")":
            raise UnsupportedError("unbalanced parentheses in an expression")
        return value, rest[1:]
    token = tokens[0]
    return (token[1:-1] if token.startswith('"') else token), tokens[1:]


def _number(value: str) -> int | None:
    return int(value) if re.fullmatch(r"-?\d+", value.strip()) else None


def _true(value: str) -> bool:
    return value not in ("", "0")


def _apply(operator: str, left: str, right: str) -> str:
    if operator == "|":
        return left if _true(left) else right
    if operator == "&":
        return left if _true(left) and _true(right) else "0"
    a, b = _number(left), _number(right)
    if operator in ("+", "-", "*", "/", "%"):
        if a is None or b is None:
            raise UnsupportedError(f"arithmetic on {left!r} and {right!r}")
        results = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}
        return str(results.get(operator, a % b if b else 0))
    if a is not None and b is not None:
        return _compare(operator, a, b)
    return _compare(operator, left, right)


Ordered = TypeVar("Ordered", int, str)


def _compare(operator: str, x: Ordered, y: Ordered) -> str:
    outcome = {
        "=": x == y,
        "!=": x != y,
        "<": x < y,
        ">": x > y,
        "<=": x <= y,
        ">=": x >= y,
    }[operator]
    return "1" if outcome else "0"


def is_true(value: str) -> bool:
    """A condition's truth, as GotoIf and ExecIf read it: anything but empty or 0."""
    return _true(value.strip())


# extension patterns
_CLASSES = {"X": "0123456789", "Z": "123456789", "N": "23456789"}


def pattern_matches(pattern: str, exten: str) -> bool:
    """Whether the extension `pattern` (a name, or `_` and a pattern) matches `exten`."""
    if not pattern.startswith("_"):
        return pattern == exten
    return re.fullmatch(_pattern_regex(pattern[1:]), exten) is not None


def _pattern_regex(body: str) -> str:
    parts = []
    index = 0
    while index < len(body):
        char = body[index]
        if char in _CLASSES:
            parts.append(f"[{_CLASSES[char]}]")
        elif char == ".":
            parts.append(".+")
        elif char == "!":
            parts.append(".*")
        elif char == "[":
            end = body.index("]", index)
            parts.append(f"[{re.escape(body[index + 1 : end])}]")
            index = end
        else:
            parts.append(re.escape(char))
        index += 1
    return "".join(parts)


def literal_prefix(pattern: str) -> str:
    """The characters a pattern's matches all begin with (all of a plain name)."""
    if not pattern.startswith("_"):
        return pattern
    prefix = []
    for char in pattern[1:]:
        if char in _CLASSES or char in ".![":
            break
        prefix.append(char)
    return "".join(prefix)


# GotoIfTime
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def time_matches(spec: str, instant: datetime) -> bool:
    """Whether `instant` falls in a GotoIfTime specification
    `times,weekdays,mdays,months[,timezone]` (each `*`, a value, a range `a-b` or several
    joined by `&`); the time range includes its last minute."""
    fields = split_arguments(spec)
    if len(fields) not in (4, 5):
        raise UnsupportedError(f"time specification {spec!r}")
    zone = fields[4].strip() if len(fields) == 5 and fields[4].strip() else "UTC"
    local = instant.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    return (
        _any_of(fields[0], lambda part: _in_times(part, minute))
        and _any_of(fields[1], lambda part: _in_names(part, _DAYS, local.weekday()))
        and _any_of(fields[2], lambda part: _in_numbers(part, local.day))
        and _any_of(fields[3], lambda part: _in_names(part, _MONTHS, local.month - 1))
    )


def _any_of(field: str, check: Callable[[str], bool]) -> bool:
    field = field.strip()
    return field in ("*", "") or any(check(part.strip()) for part in field.split("&"))


def _clock(text: str) -> int:
    hour, _, minute = text.partition(":")
    return int(hour) * 60 + int(minute or 0)


def _in_times(part: str, minute: int) -> bool:
    first, _, last = part.partition("-")
    return _clock(first) <= minute <= _clock(last or first)


def _in_names(part: str, names: tuple[str, ...], index: int) -> bool:
    first, _, last = part.lower().partition("-")
    start, end = names.index(first), names.index(last or first)
    if start <= end:
        return start <= index <= end
    return index >= start or index <= end  # a range across the week's (year's) end


def _in_numbers(part: str, value: int) -> bool:
    first, _, last = part.partition("-")
    return int(first) <= value <= int(last or first)
