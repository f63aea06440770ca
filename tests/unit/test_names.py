"""Host names and retention class names are unique across the estate."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import BASE, brief, findings_of


def test_host_and_retention_class_names_are_estate_wide(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    estate.mkdir()
    shutil.copytree(BASE, estate, dirs_exist_ok=True)
    (estate / "zz-more.yaml").write_text(
        "kind: Site\nname: site-c\ncountry: CN\nregion: x\ntimezone: Asia/Shanghai\n"
        "hosts:\n  - {name: a-edge, roles: [edge], address: 10.3.0.1}\n"
        "---\nkind: RetentionPolicy\nname: second\njurisdiction: CN\n"
        "classes:\n  - {name: rec, data_class: recording, keep: 365d, store: [site-a]}\n",
        encoding="utf-8",
    )
    found = findings_of(estate)
    assert [brief(f, estate) for f in found] == [
        "zz-more.yaml:7:12: error[E0201]",
        "zz-more.yaml:13:12: error[E0201]",
    ]
    assert "Site 'site-a'" in found[0].message
    assert "RetentionPolicy 'retention'" in found[1].message
