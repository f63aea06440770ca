"""Every output names a twin pair's sides with the one vocabulary (TwinPair.side_of):
`primary`, and `standby` or, in an active-active pair, `secondary`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from tests.conftest import BASE


@pytest.mark.parametrize(
    ("mode", "other"), [("active-standby", "standby"), ("active-active", "secondary")]
)
def test_the_inventory_and_the_scrape_targets_agree(tmp_path: Path, mode: str, other: str) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    sites = estate / "sites.yaml"
    text = sites.read_text()
    if mode == "active-active":
        text = text.replace("mode: active-standby\nprimary: site-a\n", "mode: active-active\n")
    sites.write_text(text)
    artifacts = compile_estate(load_estate(estate).estate)
    inventory = YAML(typ="safe").load(artifacts.estate["inventory.yml"].decode())
    groups = inventory["all"]["children"]
    assert groups["twin_twins_primary"]["hosts"].keys() == {"a-edge", "a-pbx"}
    assert groups[f"twin_twins_{other}"]["hosts"].keys() == {"b-edge", "b-pbx"}
    targets = json.loads(artifacts.estate["prometheus/targets/edge.json"])
    assert {group["labels"]["host"]: group["labels"]["twin_side"] for group in targets} == {
        "a-edge": "primary",
        "b-edge": other,
    }
