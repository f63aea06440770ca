"""Builds the wheel with ccmsctl's run-time files inside its package: templates/, roles/,
playbooks/ and schemas/ are copied to ccmsctl/share/ (ccmsctl/tooling.py finds them there),
so an installed ccmsctl needs no checkout. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FOLDERS = ("templates", "roles", "playbooks", "schemas")


class BuildWithShare(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # a checkout reads the top-level folders themselves
        share = Path(self.build_lib) / "ccmsctl" / "share"
        for folder in FOLDERS:
            shutil.copytree(
                folder,
                share / folder,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithShare})
