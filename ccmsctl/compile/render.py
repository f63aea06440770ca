"""The one Jinja environment: templates print what Python decided, nothing more.

StrictUndefined (a missing value is an error, not an empty string), no autoescaping (these
are config files, not HTML), trim_blocks and keep_trailing_newline so output is exactly what
the template shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


class Renderer:
    """Renders templates from `templates/` (or another folder, for tests)."""

    def __init__(self, folder: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - config files, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, template: str, context: Mapping[str, Any]) -> bytes:
        return self._env.get_template(template).render(**context).encode("utf-8")
