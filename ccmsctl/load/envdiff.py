"""What differs between two environments of an estate, as a reviewer reads it: document by
document and field by field (lists of named items matched by their key), each difference
marked as a binding (a value each environment sets for itself: model/environment.py
is_binding) or not — a difference that is not a binding means one environment no longer
runs what the other does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ccmsctl.errors import Path, SourceMap, Span
from ccmsctl.load.estate import Loaded
from ccmsctl.model.base import Document
from ccmsctl.model.environment import is_binding

ABSENT = object()  # a side that has no value here
PRESENT = "(present)"  # a side that has the whole document


@dataclass(frozen=True)
class Difference:
    """One place where the two environments differ. `shown`: the path as a reviewer reads
    it (`hosts[sh1-edge-1].address`); values as text, "" where a side has none."""

    kind: str
    name: str
    shown: str
    first: str
    second: str
    binding: bool
    where_first: Span | None
    where_second: Span | None

    @property
    def subject(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class EnvironmentDiff:
    first: str
    second: str
    differences: tuple[Difference, ...]

    @property
    def bindings(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.binding)

    @property
    def beyond(self) -> tuple[Difference, ...]:
        """The differences that are not bindings."""
        return tuple(d for d in self.differences if not d.binding)


def environment_diff(first: Loaded, second: Loaded) -> EnvironmentDiff:
    """How `second` differs from `first` (both loaded from one estate)."""
    found: list[Difference] = []
    firsts = _documents(first)
    seconds = _documents(second)
    for key in sorted(firsts.keys() | seconds.keys()):
        kind, name = key
        a, b = firsts.get(key), seconds.get(key)
        walk = _Walk(kind, name, first.sources, second.sources)
        if a is None or b is None:
            sides = (PRESENT if a else ABSENT, PRESENT if b else ABSENT)
            walk.leaf((), "the document", *sides, binding=False)
        else:
            walk.model(a, b, ())
        found.extend(walk.found)
    return EnvironmentDiff(first.environment or "base", second.environment or "base", tuple(found))


def _documents(loaded: Loaded) -> dict[tuple[str, str], Document]:
    found: dict[tuple[str, str], Document] = {}
    for kind, documents in loaded.estate.documents.items():
        for document in documents:
            found.setdefault((kind, document.name), document)
    return found


class _Walk:
    def __init__(self, kind: str, name: str, first: SourceMap, second: SourceMap) -> None:
        self.kind = kind
        self.name = name
        self.sources = (first, second)
        self.found: list[Difference] = []

    def model(self, a: BaseModel, b: BaseModel, path: Path) -> None:
        if type(a) is not type(b):  # another node type of an IVR, say
            self.leaf(path, _shown(path), a, b, binding=False)
            return
        for name, info in type(a).model_fields.items():
            key = info.alias or name
            self.value(getattr(a, name), getattr(b, name), (*path, key), info)

    def value(self, a: Any, b: Any, path: Path, info: FieldInfo | None) -> None:
        if a == b:
            return
        if is_binding(a, info) or is_binding(b, info):
            self.leaf(path, _shown(path), a, b, binding=True)
        elif isinstance(a, BaseModel) and isinstance(b, BaseModel):
            self.model(a, b, path)
        elif isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                self.value(a.get(key, ABSENT), b.get(key, ABSENT), (*path, key), None)
        elif isinstance(a, tuple) and isinstance(b, tuple) and _keyed(a, b):
            self.items(a, b, path)
        else:
            values = [item for side in (a, b) if isinstance(side, tuple) for item in side]
            binding = bool(values) and all(is_binding(item, info) for item in values)
            self.leaf(path, _shown(path), a, b, binding=binding)

    def items(self, a: tuple[Any, ...], b: tuple[Any, ...], path: Path) -> None:
        """Lists of named items, matched by their key: an item only one side has is a
        binding where its key is one (a carrier's peer, by its address)."""
        key = type((a or b)[0]).MERGE_KEY
        field = type((a or b)[0]).model_fields[str(key)]
        firsts = {str(getattr(item, str(key))): (index, item) for index, item in enumerate(a)}
        seconds = {str(getattr(item, str(key))): (index, item) for index, item in enumerate(b)}
        for name in [*firsts, *(name for name in seconds if name not in firsts)]:
            left, right = firsts.get(name), seconds.get(name)
            shown = f"{_shown(path)}[{name}]"
            if left is None or right is None:
                index, item = left or right  # type: ignore[misc]
                binding = is_binding(getattr(item, str(key)), field)
                at = (*path, index)
                self.leaf(
                    at if left else None,
                    shown,
                    left[1] if left else ABSENT,
                    right[1] if right else ABSENT,
                    binding=binding,
                    second_at=at if right else None,
                )
            else:
                self.model(left[1], right[1], (*path, f"[{name}]", left[0], right[0]))

    def leaf(
        self,
        path: Path | None,
        shown: str,
        a: Any,
        b: Any,
        *,
        binding: bool,
        second_at: Path | None = None,
    ) -> None:
        firsts, seconds = _sides(path, second_at)
        self.found.append(
            Difference(
                self.kind,
                self.name,
                _display(shown),
                _text(a),
                _text(b),
                binding,
                self._at(0, firsts, a),
                self._at(1, seconds, b),
            )
        )

    def _at(self, side: int, path: Path | None, value: Any) -> Span | None:
        if path is None or value is ABSENT:
            return None
        return self.sources[side].at(self.kind, self.name, *path)


def _sides(path: Path | None, second_at: Path | None) -> tuple[Path | None, Path | None]:
    """The paths in each side's document: an item matched by key may stand at another
    index on each side (`(..., "[key]", first index, second index)` in the walk's path)."""
    if second_at is not None or path is None:
        return path, second_at if second_at is not None else path
    for index, part in enumerate(path):
        if isinstance(part, str) and part.startswith("["):
            head = path[:index]
            first, second = path[index + 1], path[index + 2]
            rest_first, rest_second = _sides(path[index + 3 :], None)
            return (*head, first, *(rest_first or ())), (*head, second, *(rest_second or ()))
    return path, path


def _shown(path: Path) -> str:
    """`hosts[sh1-edge-1].address`: keys as `[key]`, the indexes that follow them dropped."""
    parts: list[str] = []
    skip = 0
    for part in path:
        if skip:
            skip -= 1
            continue
        if isinstance(part, str) and part.startswith("["):
            parts[-1] += part
            skip = 2
        elif isinstance(part, int):
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _display(shown: str) -> str:
    return shown or "the document"


def _keyed(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    items = [*a, *b]
    return (
        bool(items)
        and all(isinstance(item, BaseModel) for item in items)
        and type(items[0]).MERGE_KEY is not None
    )


def _text(value: Any) -> str:
    if value is ABSENT:
        return ""
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        return json.dumps(dumped, sort_keys=True, ensure_ascii=False)
    if isinstance(value, tuple):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    return "null" if value is None else str(value)
