"""Where ccmsctl's own files are: the templates compile renders, the roles, playbooks and
modules apply runs, and the JSON Schemas of the estate kinds.

An installed ccmsctl carries them in its package (`ccmsctl/share/`, put there when the wheel
is built: see setup.py); a checkout uses the repository's top-level folders. Nothing else
reads them from anywhere.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

FOLDERS = ("templates", "roles", "playbooks", "schemas")
_PACKAGE = Path(__file__).resolve().parent
SHARE = _PACKAGE / "share"


def root() -> Path:
    """The folder holding templates/, roles/, playbooks/ and schemas/."""
    return SHARE if (SHARE / "templates").is_dir() else _PACKAGE.parent


def templates() -> Path:
    return root() / "templates"


def playbooks() -> Path:
    return root() / "playbooks"


def roles() -> Path:
    return root() / "roles"


def schemas() -> Path:
    return root() / "schemas"


@cache
def network_platforms() -> dict[str, dict[str, Any]]:
    """Every network platform ccmsctl drives, by name: the tables of the platform.toml in its
    folder, templates/network/<name>/ (its rules, its lab dialect, its lab seed), whose
    config.j2 renders its intended configuration. A platform is that one folder."""
    folder = templates() / "network"
    return {
        path.parent.name: tomllib.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*/platform.toml"))
    }
