"""JSON Schemas of the kinds, for editors (yaml-language-server) and for review.

Returns documents as text; writing them is the command line's business.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from ccmsctl.model.environment import OVERLAY, Environment, Overlay
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
    files["environment.json"] = _dump(_environment_schema())
    return files


def _environment_schema() -> dict[str, Any]:
    """For the files of environments/<name>/: the Environment document, or an overlay
    document (its kind's fields are checked once merged with the base, with their places)."""
    environment = Environment.model_json_schema(by_alias=True)
    overlay = {
        "type": "object",
        "title": "Overlay document",
        "description": "add a document the base lacks, patch one it has (mappings merged, "
        "lists of named items merged by their key, null back to the default), or remove one",
        "required": ["kind", "name", OVERLAY],
        "properties": {
            "kind": {"enum": list(KINDS)},
            "name": environment["properties"]["name"],
            OVERLAY: {"enum": [operation.value for operation in Overlay]},
        },
        "additionalProperties": True,
    }
    return {
        "$schema": SCHEMA_URL,
        "$id": "environment.json",
        "title": "ccmsctl environment document",
        "oneOf": [environment, overlay],
    }
