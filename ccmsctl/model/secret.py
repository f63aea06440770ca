"""Secret references: credentials are named, never written into the estate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from ccmsctl.model.base import Model


class SecretRef(Model):
    """`{secret: env:NAME}` or `{secret: vault:PATH#KEY}`; resolved only at apply time."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        json_schema_extra={"x-binding": True},
    )

    # a vault's path is relative and stays in the estate: no segment starts with a dot
    # (neither '..' nor '.'), and none is empty (no leading '/')
    secret: StrictStr = Field(
        pattern=r"^(env:[A-Z_][A-Z0-9_]{0,127}"
        r"|vault:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}){0,9}"
        r"#[A-Za-z0-9_.-]{1,100})$",
        description="env:VARIABLE or vault:path/in/the/estate.yml#key",
    )

    @model_validator(mode="before")
    @classmethod
    def _reference_only(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise PydanticCustomError(
                "inline_secret",
                "a credential must be a secret reference such as {secret: env:NAME}, not a value",
            )
        return data

    def __str__(self) -> str:
        return "(sensitive value)"


Place = tuple[str, str, tuple[str | int, ...]]  # (kind, name, path in the document)


def references(documents: Iterable[Any]) -> list[tuple[Place, SecretRef]]:
    """Every secret reference in `documents` (models), where it stands, in document order."""
    found: list[tuple[Place, SecretRef]] = []
    for document in documents:
        where = (str(document.kind), str(document.name))
        found += [((*where, path), ref) for path, ref in _walk(document, ())]
    return found


def _walk(
    value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], SecretRef]]:
    if isinstance(value, SecretRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
