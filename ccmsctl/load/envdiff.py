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
            walk.leaf(_ROOT, *sides, binding=False)
        else:
            walk.model(a, b, _ROOT)
        found.extend(walk.found)
    return EnvironmentDiff(first.environment or "base", second.environment or "base", tuple(found))


def _documents(loaded: Loaded) -> dict[tuple[str, str], Document]:
    found: dict[tuple[str, str], Document] = {}
    for kind, documents in loaded.estate.documents.items():
        for document in documents:
            found.setdefault((kind, document.name), document)
    return found


@dataclass(frozen=True)
class _At:
    """Where the walk stands: the path in each side's document (an item matched by its key
    may stand at another index on each side), and as a reviewer reads it
    (`hosts[sh1-edge-1].address`)."""

    first: Path
    second: Path
    shown: str

    def field(self, key: str) -> _At:
        shown = f"{self.shown}.{key}" if self.shown else key
        return _At((*self.first, key), (*self.second, key), shown)

    def item(self, name: str, first: int, second: int) -> _At:
        return _At((*self.first, first), (*self.second, second), f"{self.shown}[{name}]")


_ROOT = _At((), (), "")


class _Walk:
    def __init__(self, kind: str, name: str, first: SourceMap, second: SourceMap) -> None:
        self.kind = kind
        self.name = name
        self.sources = (first, second)
        self.found: list[Difference] = []

    def model(self, a: BaseModel, b: BaseModel, at: _At) -> None:
        if type(a) is not type(b):  # another node type of an IVR, say
            self.leaf(at, a, b, binding=False)
            return
        for name, info in type(a).model_fields.items():
            self.value(getattr(a, name), getattr(b, name), at.field(info.alias or name), info)

    def value(self, a: Any, b: Any, at: _At, info: FieldInfo | None) -> None:
        if a == b:
            return
        if is_binding(a, info) or is_binding(b, info):
            self.leaf(at, a, b, binding=True)
        elif isinstance(a, BaseModel) and isinstance(b, BaseModel):
            self.model(a, b, at)
        elif isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                self.value(a.get(key, ABSENT), b.get(key, ABSENT), at.field(key), None)
        elif isinstance(a, tuple) and isinstance(b, tuple) and _keyed(a, b):
            self.items(a, b, at)
        else:
            values = [item for side in (a, b) if isinstance(side, tuple) for item in side]
            binding = bool(values) and all(is_binding(item, info) for item in values)
            self.leaf(at, a, b, binding=binding)

    def items(self, a: tuple[Any, ...], b: tuple[Any, ...], at: _At) -> None:
        """Lists of named items, matched by their key: an item only one side has is a
        binding where its key is one (a carrier's peer, by its address)."""
        key = str(type((a or b)[0]).MERGE_KEY)
        field = type((a or b)[0]).model_fields[key]
        firsts = {str(getattr(item, key)): index for index, item in enumerate(a)}
        seconds = {str(getattr(item, key)): index for index, item in enumerate(b)}
        for name in [*firsts, *(name for name in seconds if name not in firsts)]:
            left, right = firsts.get(name, -1), seconds.get(name, -1)
            here = at.item(name, left, right)
            if left < 0 or right < 0:
                item = a[left] if left >= 0 else b[right]
                binding = is_binding(getattr(item, key), field)
                sides = (a[left] if left >= 0 else ABSENT, b[right] if right >= 0 else ABSENT)
                self.leaf(here, *sides, binding=binding)
            else:
                self.model(a[left], b[right], here)

    def leaf(self, at: _At, a: Any, b: Any, *, binding: bool) -> None:
        self.found.append(
            Difference(
                self.kind,
                self.name,
                at.shown or "the document",
                _text(a),
                _text(b),
                binding,
                self._span(0, at.first, a),
                self._span(1, at.second, b),
            )
        )

    def _span(self, side: int, path: Path, value: Any) -> Span | None:
        if value is ABSENT:
            return None
        return self.sources[side].at(self.kind, self.name, *path)


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
