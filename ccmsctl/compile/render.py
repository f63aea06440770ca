"""The one Jinja environment: templates print what Python decided, nothing more.

StrictUndefined (a missing value is an error, not an empty string), no autoescaping (these
are config files, not HTML), trim_blocks and keep_trailing_newline so output is exactly what
the template shows. Every value a template prints passes one check for its target's syntax
(the template's folder): nothing can add a line, a section, a command or a cron field. The
model already refuses such values where they are written; this is the last gate, and it
refuses rather than escapes.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from ccmsctl import tooling
from ccmsctl.errors import UserError

# Characters that change the structure of each target beyond a line break: Kamailio's and
# keepalived's quoted strings and blocks, cron's '%' (a newline in a command), YAML's
# flow and comment characters in the inventory.
FORBIDDEN: Mapping[str, str] = MappingProxyType(
    {
        "kamailio": '"',
        "keepalived": '"{}',
        "cron": "%",
        "asterisk": "",
        "network": "",
        "ansible": "#{}",
    }
)
_LINE_BREAKING = frozenset({"Cc", "Cf", "Zl", "Zp"})
# the forbidden characters of each target as a set (and none for a target not listed)
_ALLOWED = {target: frozenset(chars) for target, chars in {**FORBIDDEN, "": ""}.items()}


class UnsafeValueError(UserError):
    """A value would change the structure of the file it is printed into."""

    code = "E1104"


class TemplateBugError(Exception):
    """A template of ccmsctl's failed (a bug in it, not in the estate): located like an
    UnsafeValueError, so its report names the template's line and what was compiled."""


def _template_line(template: str, error: BaseException) -> str:
    """Where in `template` the error arose: `templates/<template>:<line>` (Jinja maps its
    frames in the traceback to the template's lines)."""
    line = 0
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(f"/{template}"):
            line = trace.tb_lineno
        trace = trace.tb_next
    return f"templates/{template}:{line}" if line else f"templates/{template}"


@contextmanager
def within(where: str) -> Iterator[None]:
    """Say `where` (the host, the estate document) of a template's failure inside."""
    try:
        yield
    except UnsafeValueError as error:
        raise UnsafeValueError(f"{where}: {error}") from None
    except TemplateBugError as error:
        raise TemplateBugError(f"{where}: {error}") from error


def check_value(target: str, value: str) -> str:
    """`value` as it may be printed into a file of `target`; raises UnsafeValueError."""
    forbidden = FORBIDDEN.get(target, "")
    # most values are printable text without a forbidden character: one pass in C each (a
    # printable string has no character of the line-breaking categories)
    if value.isprintable() and _ALLOWED[target if target in _ALLOWED else ""].isdisjoint(value):
        return value
    for char in value:
        if unicodedata.category(char) in _LINE_BREAKING or char in forbidden:
            raise UnsafeValueError(
                f"refusing to print {value!r} into a {target} file: "
                f"{char!r} would change its structure"
            )
    return value


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    if isinstance(value, bool | int | float):
        return value
    target = (context.name or "").split("/", 1)[0]
    return check_value(target, str(value))


class Renderer:
    """Renders ccmsctl's templates (or another folder's, for tests)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or tooling.templates()
        self._digest: bytes | None = None
        self._env = Environment(
            loader=FileSystemLoader(str(self.folder)),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - config files, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_finalize,
        )

    def digest(self) -> bytes:
        """sha256 of every file under the templates' folder, by its path there."""
        if self._digest is None:
            digest = hashlib.sha256()
            for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(self.folder)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
            self._digest = digest.digest()
        return self._digest

    def render(self, template: str, context: Mapping[str, Any]) -> bytes:
        """`template` rendered with `context`; an UnsafeValueError or TemplateBugError says
        the template's line."""
        try:
            return self._env.get_template(template).render(**context).encode("utf-8")
        except UnsafeValueError as error:
            raise UnsafeValueError(f"{_template_line(template, error)}: {error}") from None
        except Exception as error:
            where = _template_line(template, error)
            raise TemplateBugError(f"{where}: {type(error).__name__}: {error}") from error
