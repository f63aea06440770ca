"""JSON Schemas of the kinds, for editors (yaml-language-server) and for review.

Returns documents as text; writing them is the command line's business.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from ccmsctl.model.kinds import KINDS, AnyDocument

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def json_schemas() -> dict[str, str]:
    """File name -> schema text: one per kind, and `ccmsctl.json` accepting any kind."""
    files: dict[str, str] = {}
    for kind, model in KINDS.items():
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = SCHEMA_URL
        schema["$id"] = f"{kind.lower()}.json"
        files[f"{kind.lower()}.json"] = _dump(schema)
    combined = TypeAdapter(AnyDocument).json_schema(by_alias=True)
    combined["$schema"] = SCHEMA_URL
    combined["$id"] = "ccmsctl.json"
    combined["title"] = "ccmsctl estate document"
    files["ccmsctl.json"] = _dump(combined)
    return files
