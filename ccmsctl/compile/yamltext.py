"""YAML text for the generated files Prometheus and Alertmanager read: block style, keys in
the order given, and each string either plain (when YAML reads it back as the same string)
or double-quoted as JSON, so no value a user wrote can add a key, a line or a document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Value = str | int | float | bool | Mapping[str, "Value"] | Sequence["Value"]

_PLAIN = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_./-]*|\d+[smhdwy])$")  # names, durations
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def dump(value: Mapping[str, Value]) -> str:
    """`value` as a YAML document (a mapping at the top), ending in a newline."""
    return "".join(f"{line}\n" for line in _mapping(value, 0))


def _lines(value: Value, indent: int) -> list[str]:
    if isinstance(value, Mapping):
        return _mapping(value, indent)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _sequence(value, indent)
    return [" " * indent + scalar(value)]


def _empty(value: Value) -> str | None:
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, Sequence) and not isinstance(value, str) and not value:
        return "[]"
    return None


def _mapping(value: Mapping[str, Value], indent: int) -> list[str]:
    pad = " " * indent
    found: list[str] = []
    for key, item in value.items():
        empty = _empty(item)
        if empty is not None:
            found.append(f"{pad}{scalar(key)}: {empty}")
        elif isinstance(item, Mapping | Sequence) and not isinstance(item, str):
            found.append(f"{pad}{scalar(key)}:")
            found += _lines(item, indent + 2)
        else:
            found.append(f"{pad}{scalar(key)}: {scalar(item)}")
    return found


def _sequence(value: Sequence[Value], indent: int) -> list[str]:
    pad = " " * indent
    found: list[str] = []
    for item in value:
        empty = _empty(item)
        if empty is not None:
            found.append(f"{pad}- {empty}")
            continue
        lines = _lines(item, indent + 2)
        found.append(f"{pad}- {lines[0][indent + 2 :]}")
        found += lines[1:]
    return found
