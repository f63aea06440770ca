"""Turn pydantic validation errors into located findings with hints.

Pydantic reports a path through the data (`nodes.lang.menu.timeout`); this module walks that
path through the raw document, skipping the parts that name a union member rather than a key,
and picks the span of the deepest node it reaches.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ccmsctl.errors import Finding, Path, Severity
from ccmsctl.load.yamlread import RawDocument

MISSING = "E0101"
UNKNOWN_FIELD = "E0102"
WRONG_TYPE = "E0103"
INVALID_VALUE = "E0104"
INLINE_SECRET = "E0105"  # noqa: S105 - a finding code, not a password

_TYPE_ERRORS = frozenset(
    {
        "string_type",
        "int_type",
        "float_type",
        "bool_type",
        "dict_type",
        "list_type",
        "tuple_type",
        "model_type",
        "model_attributes_type",
        "date_type",
        "int_from_float",
        "duration_type",
        "bool_parsing",
        "int_parsing",
        "float_parsing",
        "is_instance_of",
        "none_required",
        "union_tag_invalid",
        "union_tag_not_found",
    }
)


def located(path: tuple[Any, ...], data: Any) -> Path:
    """The part of pydantic's `path` that exists in `data`."""
    found: list[str | int] = []
    node = data
    for part in path:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
            found.append(part)
    return tuple(found)


def findings_from(
    error: ValidationError, raw: RawDocument, model: type[BaseModel]
) -> list[Finding]:
    """One finding per located problem; errors at the same place are merged into one."""
    merged: dict[tuple[str, Path, bool], list[ErrorDetails]] = {}
    details = error.errors(include_url=False, include_input=False)
    for detail in details:
        if detail["type"] == "too_short" and _has_deeper(detail, details):
            continue  # a list emptied by its own items' errors: those errors say it
        code = _code(detail)
        path = located(detail["loc"], raw.data)
        on_key = code == UNKNOWN_FIELD
        merged.setdefault((code, path, on_key), []).append(detail)
    findings = []
    for (code, path, on_key), details in merged.items():
        span = raw.spans.at(path, key=on_key)
        message = _message(details, path)
        hint = _hint(code, details[0], path, raw, model)
        findings.append(Finding(code, Severity.ERROR, span, message, hint))
    return findings


def _code(detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind == "missing":
        return MISSING
    if kind == "extra_forbidden":
        return UNKNOWN_FIELD
    if kind == "inline_secret":
        return INLINE_SECRET
    if kind in _TYPE_ERRORS:
        return WRONG_TYPE
    return INVALID_VALUE


def _has_deeper(detail: ErrorDetails, details: list[ErrorDetails]) -> bool:
    loc = detail["loc"]
    return any(
        len(other["loc"]) > len(loc) and other["loc"][: len(loc)] == loc for other in details
    )


def _message(details: list[ErrorDetails], path: Path) -> str:
    first = details[0]
    field = str(first["loc"][-1]) if first["loc"] else "document"
    if first["type"] == "missing":
        return f"missing required field '{field}'"
    if first["type"] == "extra_forbidden":
        return f"unknown field '{field}'"
    where = ".".join(str(part) for part in path) or "document"
    reasons = dict.fromkeys(detail["msg"].removeprefix("Value error, ") for detail in details)
    return f"{where}: {' or '.join(reasons)}"


def _hint(code: str, detail: ErrorDetails, path: Path, raw: RawDocument, model: type) -> str:
    if code == UNKNOWN_FIELD:
        return _unknown_field_hint(str(detail["loc"][-1]) if detail["loc"] else "", path, model)
    if code == INLINE_SECRET:
        return "put the value in an environment variable or Ansible Vault and reference it"
    if detail["type"] == "string_pattern_mismatch" and detail["loc"][-1:] == ("secret",):
        return (
            "env:NAME, or vault:PATH#KEY with PATH a file inside the estate "
            "(relative, no '..', no segment starting with '.')"
        )
    if code != WRONG_TYPE:
        return ""
    if detail["type"] == "bool_type":
        return "write true or false (yes, no, on and off are strings in YAML 1.2)"
    text = raw.plain.get(path)
    if text is None:
        return ""
    if detail["type"] == "string_type" and text.lstrip("+-").isdigit():
        lost = " and drops the leading zeros" if text.lstrip("+").startswith("0") else ""
        return f'YAML reads {text} as a number{lost}: quote it, "{text}"'
    if detail["type"] == "string_type":
        return f'quote it: "{text}"'
    if detail["type"] == "duration_type" and text.isdigit():
        return f"give a unit: {text}s, {text}m or {text}d"
    return ""


def _unknown_field_hint(field: str, path: Path, model: type) -> str:
    """Where `field` belongs when it is a field one level up or down (or elsewhere in the
    document): an indentation slip; else the closest field of this level, or of the
    document."""
    here = _shown(path[:-1])
    places = [place for place, name in _places(model) if name == field]
    if places:
        where = " or ".join(
            f"in {place.removesuffix('.' + field)}" if "." in place else "at the top level"
            for place in places[:3]
        )
        return f"'{field}' belongs {where}, not {_in(here)}: check its indentation"
    level = sorted({name for m in _models_at(model, path[:-1]) for name in _own_fields(m)})
    close = difflib.get_close_matches(field, level, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    elsewhere = difflib.get_close_matches(field, sorted(_field_names(model)), n=1)
    if elsewhere:
        found = next(place for place, name in _places(model) if name == elsewhere[0])
        return f"did you mean '{elsewhere[0]}' (a field of {found})?"
    return f"the fields of {here}: {', '.join(level)}" if level else ""


def _in(place: str) -> str:
    return "at the top level" if place == "the document" else f"in {place}"


def _shown(path: Path) -> str:
    """A place in a document as the hints name it: `hosts[]`, `nodes.lang`, `the document`."""
    shown = ""
    for part in path:
        shown += "[]" if isinstance(part, int) else (f".{part}" if shown else str(part))
    return shown or "the document"


def _own_fields(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _models_at(model: type, path: Path) -> list[type[BaseModel]]:
    """The models a place in a document may be (a union's members all), walking `path`:
    a field name steps into the models its type holds; an index or a mapping's key stays."""
    current = [model] if isinstance(model, type) and issubclass(model, BaseModel) else []
    for part in path:
        stepped = [
            inner
            for m in current
            if isinstance(part, str) and part in m.model_fields
            for inner in _types_in(m.model_fields[part].annotation)
            if isinstance(inner, type) and issubclass(inner, BaseModel)
        ]
        current = stepped or current
    return current


def _places(
    model: type, prefix: str = "", seen: frozenset[type] = frozenset()
) -> list[tuple[str, str]]:
    """(`hosts[].channels`, `channels`): every field anywhere in `model`, where it is."""
    if model in seen or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    found = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        place = f"{prefix}{key}"
        found.append((place, key))
        step = {"dict": f"{place}.<name>.", "list": f"{place}[]."}.get(
            _container(info.annotation), f"{place}."
        )
        for nested in _types_in(info.annotation):
            found += _places(nested, step, seen | {model})
    return found


def _container(annotation: Any) -> str:
    """ "list" for a tuple or list of items, "dict" for a mapping, else ""."""
    origin = get_origin(annotation)
    if origin in (tuple, list, set, frozenset):
        return "list"
    if origin is dict:
        return "dict"
    for arg in get_args(annotation) if origin is not None else ():
        if found := _container(arg):
            return found
    return ""


def _field_names(model: type, seen: set[type] | None = None) -> set[str]:
    """Every field name (and alias) anywhere in `model`, for 'did you mean' hints."""
    seen = seen if seen is not None else set()
    if model in seen or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _types_in(info.annotation):
            names |= _field_names(inner, seen)
    return names


def _types_in(annotation: Any) -> Iterable[type]:
    if isinstance(annotation, type):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _types_in(arg)
    for meta in getattr(annotation, "__metadata__", ()):
        yield from _types_in(meta)
