"""An estate of the previous format (the example as written before formats were stated:
no `format:`) applied to a lab, then migrated by `ccmsctl fmt --migrate`: the migrated
estate states the current format, validates with no W0015, and plans "No changes." on the
lab the old one was applied to: the migration changed the files, not what they mean."""

from __future__ import annotations

import shutil

import pytest

from ccmsctl.load.migrate import FORMAT
from tests.conftest import EXAMPLE, ccmsctl
from tests.integration.realworld import require

pytestmark = pytest.mark.slow


def test_a_migrated_estate_plans_no_changes_on_a_lab_applied_from_the_old_one(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    require("kamailio")
    tmp_path = tmp_path_factory.mktemp("m")  # short: the lab's control sockets live under it
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    info = estate / "estate.yaml"
    info.write_text(info.read_text().replace(f"format: {FORMAT}\n", "", 1))
    old = ccmsctl("validate", str(estate), cwd=tmp_path)
    assert old.returncode == 0 and "warning[W0015]" in old.stdout, old.stdout
    up = ccmsctl("lab", "up", str(estate), cwd=tmp_path)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        applied = ccmsctl("apply", str(estate), "--auto-approve", cwd=tmp_path, timeout=900)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        migrated = ccmsctl("fmt", str(estate), "--migrate", cwd=tmp_path)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert f"\nformat: {FORMAT}\n" in info.read_text()
        now = ccmsctl("validate", str(estate), cwd=tmp_path)
        assert now.returncode == 0 and "W0015" not in now.stdout, now.stdout
        plan = ccmsctl("plan", str(estate), cwd=tmp_path, timeout=600)
        assert plan.returncode == 0, plan.stdout + plan.stderr
        assert "No changes." in plan.stdout, plan.stdout
    finally:
        down = ccmsctl("lab", "down", str(estate), cwd=tmp_path)
        assert down.returncode == 0, down.stdout + down.stderr
