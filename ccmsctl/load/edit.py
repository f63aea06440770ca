"""Change one field of one document in the estate's YAML, as a person would: the file read
and written back through ruamel's round trip (comments, order and quoting kept, the layout
`ccmsctl fmt` gives), replaced whole or not at all."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from ccmsctl.load.fmt import quote_plain_dials, round_trip_yaml


class EditError(Exception):
    """The document to change is not where the estate said it was."""


def set_field(path: Path, kind: str, name: str, key: str, value: Any, after: str = "") -> str:
    """The text of `path` with `key: value` in document (kind, name): replaced where it is,
    else added after `after` (or at the end)."""
    text = path.read_text(encoding="utf-8-sig")
    yaml = round_trip_yaml()
    documents = list(yaml.load_all(quote_plain_dials(text)))
    found = [
        doc
        for doc in documents
        if isinstance(doc, CommentedMap) and doc.get("kind") == kind and doc.get("name") == name
    ]
    if len(found) != 1:
        raise EditError(f"{path} does not hold exactly one {kind} {name!r}")
    document = found[0]
    if key in document or after not in document:
        document[key] = value
    else:
        document.insert(list(document).index(after) + 1, key, value)
    out = io.StringIO()
    yaml.dump_all(documents, out)
    result = out.getvalue()
    return result if result.endswith("\n") else result + "\n"
