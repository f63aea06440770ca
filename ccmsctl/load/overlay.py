"""An environment's overlay applied to the base's documents, before any model is built.

Works on raw documents (data and spans), so that everything later — schema errors,
references, the compiled files' provenance — points at the file that set a value: the base's
file where the base did, the overlay's where the overlay did. Each overlay document says what
it does with `overlay:` (see model/environment.py): `add`, `patch` or `remove`. A patch
merges mappings key by key, merges a list of items by the items' key (a host by its name, a
VIP by its site, a menu option by its digit: the item model's MERGE_KEY), and replaces any
other value; `null` sets a field back to its default. A list whose items have no key cannot
be patched (remove the document and add it again): a list is never replaced by accident.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from ccmsctl.errors import DocumentSpans, Finding, Path, Severity, Span
from ccmsctl.load.yamlread import RawDocument
from ccmsctl.model.base import Document
from ccmsctl.model.environment import OVERLAY, Overlay

MISSING = "E0010"
PRESENT = "E0011"
MALFORMED = "E0012"

OVERLAY_CODES: Mapping[str, str] = MappingProxyType(
    {
        MISSING: "An environment's overlay patches or removes a document, or a list item, "
        "the base does not have.",
        PRESENT: "An environment's overlay adds a document the base already has.",
        MALFORMED: "An overlay document or item does not say what it does, or cannot be "
        "merged as written.",
    }
)
_REMOVED = -1
_ALLOWED_IN_REMOVAL = frozenset({"kind", "name", OVERLAY, "description"})


@dataclass
class Overlaid:
    """The base's documents with one environment's overlay applied, and what was wrong."""

    documents: list[RawDocument]
    findings: list[Finding] = field(default_factory=list)


def _identity(raw: RawDocument) -> tuple[str, str] | None:
    data = raw.data
    if isinstance(data, dict) and isinstance(data.get("kind"), str):
        name = data.get("name")
        return data["kind"], name if isinstance(name, str) else ""
    return None


def apply_overlay(
    base: Sequence[RawDocument],
    overlay: Sequence[RawDocument],
    models: Mapping[str, type[Document]],
) -> Overlaid:
    """`base` changed by `overlay`'s documents in file order; `models` are the kinds (the
    base's valid documents guide list merges by their items' keys)."""
    result = Overlaid(list(base))
    for raw in overlay:
        identity = _identity(raw)
        if identity is None or identity[0] not in models:
            continue  # not a document of a kind: the loader reports it
        kind, name = identity
        operation = _operation(raw, result.findings)
        if operation is None:
            continue
        where = next(
            (index for index, doc in enumerate(result.documents) if _identity(doc) == identity),
            None,
        )
        subject = f"{kind}/{name}"
        if operation is Overlay.add:
            if where is not None:
                result.findings.append(
                    _finding(
                        PRESENT,
                        raw.spans.at(("name",)),
                        f"the base already has {subject}",
                        "patch it (overlay: patch), or remove it first and add it again",
                        subject,
                    )
                )
                continue
            result.documents.append(_without_overlay(raw))
            continue
        if where is None:
            names = [i[1] for d in result.documents if (i := _identity(d)) and i[0] == kind]
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else ("to add it, write overlay: add" if operation is Overlay.patch else "")
            )
            result.findings.append(
                _finding(
                    MISSING,
                    raw.spans.at(("name",)),
                    f"the base has no {subject} to {operation.value}",
                    hint,
                    subject,
                )
            )
            continue
        if operation is Overlay.remove:
            extra = sorted(str(key) for key in raw.data if key not in _ALLOWED_IN_REMOVAL)
            if extra:
                result.findings.append(
                    _finding(
                        MALFORMED,
                        raw.spans.at((extra[0],), key=True),
                        f"a removal names only kind and name, not '{extra[0]}'",
                        "to change the document, patch it (overlay: patch)",
                        subject,
                    )
                )
                continue
            del result.documents[where]
            continue
        merged, problems = merge_document(result.documents[where], raw, models[kind])
        result.findings.extend(problems)
        result.documents[where] = merged
    return result


def _operation(raw: RawDocument, findings: list[Finding]) -> Overlay | None:
    value = raw.data.get(OVERLAY)
    try:
        return Overlay(value)
    except ValueError:
        place = raw.spans.at((OVERLAY,)) if OVERLAY in raw.data else raw.spans.root
        said = f"'{value}' is not" if OVERLAY in raw.data else "no 'overlay:' says"
        findings.append(
            _finding(
                MALFORMED,
                place,
                f"{said} what this document does to the base",
                f"overlay: {', '.join(op.value for op in Overlay)}",
                "/".join(str(part) for part in (raw.data.get("kind"), raw.data.get("name"))),
            )
        )
        return None


def _without_overlay(raw: RawDocument) -> RawDocument:
    data = {key: value for key, value in raw.data.items() if key != OVERLAY}
    return RawDocument(data, raw.spans, raw.plain)


def _finding(code: str, span: Span, message: str, hint: str, subject: str) -> Finding:
    return Finding(code, Severity.ERROR, span, message, hint, subject)


def merge_document(
    base: RawDocument, patch: RawDocument, model: type[Document]
) -> tuple[RawDocument, list[Finding]]:
    """`base` with `patch`'s fields merged in, and what could not be merged."""
    try:
        node: Any = model.model_validate(base.data)
    except ValidationError:
        node = None  # the base's own error is reported; lists are then replaced, not merged
    merger = _Merger(base, patch, f"{base.data.get('kind')}/{base.data.get('name')}")
    data = merger.merge(base.data, (), _without_overlay(patch).data, (), (), node)
    spans = DocumentSpans(base.spans.root, merger.values, merger.keys)
    return RawDocument(data, spans, merger.plain), merger.findings


class _Merger:
    """Builds the merged data and, for every node of it, the span it was read from."""

    def __init__(self, base: RawDocument, patch: RawDocument, subject: str) -> None:
        self.base = base
        self.patch = patch
        self.subject = subject
        self.values: dict[Path, Span] = {}
        self.keys: dict[Path, Span] = {}
        self.plain: dict[Path, str] = {}
        self.findings: list[Finding] = []

    def place(self, value: Any, raw: RawDocument, source: Path, target: Path) -> Any:
        """`value` as read from `raw` at `source`, standing at `target` of the result."""
        span = raw.spans.values.get(source)
        if span is not None:
            self.values[target] = span
        if source in raw.plain:
            self.plain[target] = raw.plain[source]
        if isinstance(value, dict):
            for key, item in value.items():
                key_span = raw.spans.keys.get((*source, key))
                if key_span is not None:
                    self.keys[(*target, key)] = key_span
                self.place(item, raw, (*source, key), (*target, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.place(item, raw, (*source, index), (*target, index))
        return value

    def merge(
        self, base: Any, at_base: Path, patch: Any, at_patch: Path, target: Path, node: Any
    ) -> Any:
        """`patch` merged into `base`; `node` is the base's model value here (or None)."""
        if isinstance(base, dict) and isinstance(patch, dict):
            return self._mapping(base, at_base, patch, at_patch, target, node)
        if isinstance(base, list) and isinstance(patch, list):
            key = _item_key(node)
            if key is _UNKEYED:
                self.findings.append(
                    _finding(
                        MALFORMED,
                        self.patch.spans.at(at_patch),
                        f"'{_shown(target)}' is a list without a key to merge its items by",
                        "remove the document (overlay: remove) and add it again whole "
                        "(overlay: add)",
                        self.subject,
                    )
                )
                return self.place(base, self.base, at_base, target)
            if isinstance(key, str):
                return self._keyed(base, at_base, patch, at_patch, target, node, key)
        return self.place(self._unmatched(patch, at_patch), self.patch, at_patch, target)

    def _mapping(
        self,
        base: dict[Any, Any],
        at_base: Path,
        patch: dict[Any, Any],
        at_patch: Path,
        target: Path,
        node: Any,
    ) -> dict[Any, Any]:
        merged: dict[Any, Any] = {}
        self._own_span(self.base, at_base, target)
        for key, value in base.items():
            if key not in patch:
                self._key_span(self.base, (*at_base, key), (*target, key))
                merged[key] = self.place(value, self.base, (*at_base, key), (*target, key))
            elif patch[key] is not None:  # null: back to the field's default
                self._key_span(self.patch, (*at_patch, key), (*target, key))
                merged[key] = self.merge(
                    value,
                    (*at_base, key),
                    patch[key],
                    (*at_patch, key),
                    (*target, key),
                    _child(node, key),
                )
        for key, value in patch.items():
            if key not in base and value is not None:
                self._key_span(self.patch, (*at_patch, key), (*target, key))
                added = self._unmatched(value, (*at_patch, key))
                merged[key] = self.place(added, self.patch, (*at_patch, key), (*target, key))
        return merged

    def _keyed(
        self,
        base: list[Any],
        at_base: Path,
        patch: list[Any],
        at_patch: Path,
        target: Path,
        node: Any,
        key: str,
    ) -> list[Any]:
        """Items of `patch` merged into `base`'s by `key`: a matching item is patched, one
        marked `overlay: remove` removes its match, any other is added at the end."""
        changes, added = self._changes(base, patch, at_patch, target, key)
        merged: list[Any] = []
        self._own_span(self.base, at_base, target)
        for index, item in enumerate(base):
            change = changes.get(index)
            if change == _REMOVED:
                continue
            place = (*target, len(merged))
            if change is None:
                merged.append(self.place(item, self.base, (*at_base, index), place))
            else:
                merged.append(
                    self.merge(
                        item,
                        (*at_base, index),
                        patch[change],
                        (*at_patch, change),
                        place,
                        _child(node, index),
                    )
                )
        for index in added:
            merged.append(
                self.place(patch[index], self.patch, (*at_patch, index), (*target, len(merged)))
            )
        return merged

    def _unmatched(self, value: Any, at: Path) -> Any:
        """`value` from the patch where the base has nothing to merge it with: an item
        marked `overlay: remove` in it removes nothing, and is reported."""
        if not isinstance(value, list):
            return value
        kept = []
        for index, item in enumerate(value):
            if isinstance(item, dict) and OVERLAY in item:
                self._problem(
                    MISSING,
                    (*at, index, OVERLAY),
                    f"'{_shown(at)}' of the base has no item to {item[OVERLAY]}",
                    "",
                )
            else:
                kept.append(item)
        return kept if len(kept) < len(value) else value

    def _changes(
        self, base: list[Any], patch: list[Any], at_patch: Path, target: Path, key: str
    ) -> tuple[dict[int, int], list[int]]:
        """What `patch`'s items do to `base`'s: base index -> patch index (or _REMOVED),
        and the patch's items to add."""
        by_key: dict[str, int] = {}
        for index, item in enumerate(base):
            if isinstance(item, dict) and key in item:
                by_key.setdefault(str(item[key]), index)
        changes: dict[int, int] = {}
        added: list[int] = []
        for index, item in enumerate(patch):
            at = (*at_patch, index)
            if not isinstance(item, dict) or key not in item:
                self._problem(
                    MALFORMED,
                    at,
                    f"an item of '{_shown(target)}' is merged by its {key}: it names none",
                    f"give its {key}",
                )
                continue
            operation = item.get(OVERLAY)
            if operation not in (None, Overlay.remove.value):
                self._problem(
                    MALFORMED,
                    (*at, OVERLAY),
                    f"'{operation}' is not what a list item can do",
                    "overlay: remove (or no overlay: to add or patch the item)",
                )
                continue
            found = by_key.get(str(item[key]))
            if found is not None and found in changes:
                self._problem(
                    MALFORMED,
                    (*at, key),
                    f"{key} '{item[key]}' is given twice in '{_shown(target)}'",
                    "merge the two items",
                )
            elif operation is not None and found is None:
                close = difflib.get_close_matches(str(item[key]), list(by_key), n=1, cutoff=0.6)
                self._problem(
                    MISSING,
                    (*at, key),
                    f"'{_shown(target)}' of the base has no item with {key} '{item[key]}' "
                    "to remove",
                    f"did you mean '{close[0]}'?" if close else "",
                )
            elif operation is not None and found is not None:
                changes[found] = _REMOVED
            elif found is None:
                added.append(index)
            else:
                changes[found] = index
        return changes, added

    def _own_span(self, raw: RawDocument, source: Path, target: Path) -> None:
        span = raw.spans.values.get(source)
        if span is not None:
            self.values[target] = span

    def _key_span(self, raw: RawDocument, source: Path, target: Path) -> None:
        span = raw.spans.keys.get(source)
        if span is not None:
            self.keys[target] = span

    def _problem(self, code: str, at: Path, message: str, hint: str) -> None:
        self.findings.append(_finding(code, self.patch.spans.at(at), message, hint, self.subject))


_UNKEYED = object()


def _item_key(node: Any) -> str | object | None:
    """How a list merges: the key of its items (a model's MERGE_KEY), _UNKEYED for items
    of a model without one, None for anything else (values, an empty list: replaced)."""
    if isinstance(node, tuple) and node and isinstance(node[0], BaseModel):
        key = type(node[0]).MERGE_KEY  # type: ignore[attr-defined]
        return key if key is not None else _UNKEYED
    return None


def _child(node: Any, key: Any) -> Any:
    """The part of a model value that the raw key or index `key` reads."""
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            if key in (name, info.alias):
                return getattr(node, name)
        return None
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, tuple) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _shown(path: Path) -> str:
    return ".".join(str(part) for part in path) or "the document"
