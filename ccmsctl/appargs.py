"""An Asterisk application's (or function's) arguments, split as Asterisk splits them
(main/app.c, __ast_app_separate_args, keeping quotes and backslashes): at commas outside
parentheses, brackets and double quotes. The one home of that rule for what runs the
dialplan (the simulator) and what reads it (the import)."""

from __future__ import annotations


def split_arguments(data: str) -> list[str]:
    """`data` split at its top-level commas; one empty argument for empty data."""
    parts: list[str] = []
    current: list[str] = []
    paren = bracket = 0
    quoted = escaped = False
    for char in data:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            paren += 1
        elif char == ")":
            paren = max(0, paren - 1)
        elif char == "[":
            bracket += 1
        elif char == "]":
            bracket = max(0, bracket - 1)
        elif char == '"':
            quoted = not quoted
        elif char == "," and not (paren or bracket or quoted):
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
