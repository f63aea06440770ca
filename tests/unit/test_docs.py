"""The documentation site (mkdocs.yml, docs/) builds with no warning — broken links and
missing pages are errors — and its reference cannot drift from the code: every field of
every kind has a description and appears on its kind's page, every command on the
commands page, every finding code in the codes index."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from ccmsctl.cli.main import app
from ccmsctl.model.environment import Environment
from ccmsctl.model.kinds import KINDS
from tests.conftest import ROOT


def _models() -> list[type[BaseModel]]:
    """Every model an estate document is made of: the kinds and what they hold."""
    found: list[type[BaseModel]] = []
    todo: list[type] = [*KINDS.values(), Environment]
    while todo:
        model = todo.pop()
        if model in found or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        found.append(model)
        for field in model.model_fields.values():
            todo += _types(field.annotation)
    return found


def _types(annotation: object) -> list[type]:
    found = [annotation] if isinstance(annotation, type) else []
    for inner in (*getattr(annotation, "__args__", ()), *getattr(annotation, "__metadata__", ())):
        found += _types(inner)
    return found


def test_every_field_of_every_kind_has_a_description() -> None:
    missing = [
        f"{model.__name__}.{name}"
        for model in _models()
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert not missing, f"fields without a description (the reference needs one): {missing}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_every_kind_has_a_page_naming_every_field(site: Path) -> None:
    for model in [*KINDS.values(), Environment]:
        kind = model.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
        page = site / "reference" / "kinds" / kind / "index.html"
        assert page.is_file(), f"no reference page for {kind}"
        text = _text(page)
        for name, field in model.model_fields.items():
            assert (field.alias or name) in text, f"{kind}.{name} is not on its page"


def test_every_command_is_on_the_commands_page(site: Path) -> None:
    text = _text(site / "reference" / "commands" / "index.html")

    def walk(command: object, path: str) -> list[str]:
        subs = getattr(command, "commands", {})
        return [path] + [p for name, sub in subs.items() for p in walk(sub, f"{path} {name}")]

    for path in walk(typer.main.get_command(app), "ccmsctl")[1:]:
        assert path in text, f"{path} is not documented"


def test_every_finding_code_is_in_the_codes_index(site: Path) -> None:
    text = _text(site / "codes" / "index.html")
    for page in (ROOT / "docs" / "codes").glob("[EW][0-9]*.md"):
        assert page.stem in text
        assert (site / "codes" / page.stem / "index.html").is_file()
