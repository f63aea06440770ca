"""The benchmark's estate stays valid as checks are added: bench/generate.py writes it, and
it must validate with no error and no warning, or the bench's figures measure an estate no
user would have."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT, brief, findings_of

pytestmark = pytest.mark.slow


def test_the_generated_bench_estate_validates_clean(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    estate = tmp_path / "large"
    generator.generate(estate)
    found = [brief(finding, estate) for finding in findings_of(estate)]
    assert found == []
