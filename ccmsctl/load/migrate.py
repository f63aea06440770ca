"""The estate format: which version of the documents' shape an estate is written for, and
the steps that bring an older one up to date. The Estate document states it (`format: 2`);
an estate that states none is of format 1, the shape before formats were numbered.

Each step takes the documents of format N (plain mappings, as YAML gives them: the loader's
raw data, or fmt's round-trip documents, comments kept) to format N + 1, in place. The
loader runs the steps on an older estate in memory, so every command reads it as the
current format (and validate warns, W0015); `ccmsctl fmt --migrate` writes them into the
files. A newer format than this ccmsctl knows is refused (E0014): its documents may mean
what this version cannot read.

Format history:
1. The documents as first written (no `format:`).
2. The Estate document states its format (`format: 2`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from ccmsctl.model.estate import ESTATE_FORMAT

FORMAT = ESTATE_FORMAT  # the format this version writes and reads

NEWER = "E0014"
OLDER = "W0015"


def _state_the_format(documents: Sequence[MutableMapping[str, Any]]) -> None:
    """1 → 2: the Estate document says `format: 2`, after its name."""
    for document in documents:
        if document.get("kind") == "Estate":
            _put_after(document, "name", "format", 2)


STEPS: dict[int, Callable[[Sequence[MutableMapping[str, Any]]], None]] = {1: _state_the_format}


def format_of(documents: list[Any]) -> int | None:
    """The format the Estate document states (1 when it states none; None: no Estate, or a
    `format:` that is not a whole number from 1, which the schema reports)."""
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "Estate":
            stated = document.get("format", 1)
            whole = isinstance(stated, int) and not isinstance(stated, bool) and stated >= 1
            return stated if whole else None
    return None


def migrate(documents: Sequence[MutableMapping[str, Any]], version: int) -> int:
    """Take `documents` of format `version` to FORMAT, in place; the steps run."""
    ran = 0
    for step in range(version, FORMAT):
        STEPS[step](documents)
        ran += 1
    return ran


def _put_after(mapping: MutableMapping[str, Any], after: str, key: str, value: Any) -> None:
    """`key: value` in `mapping`, placed after `after` where the mapping keeps order."""
    if key in mapping:
        mapping[key] = value
        return
    insert = getattr(mapping, "insert", None)
    if insert is not None and after in mapping:
        insert(list(mapping).index(after) + 1, key, value)  # ruamel's CommentedMap
    else:
        mapping[key] = value
