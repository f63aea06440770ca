"""The hand-maintained PBX the import tests bring in (tests/pbx/pudong) and
the command line that imports it, shared by the unit and the real-Asterisk tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

PUDONG = ROOT / "tests" / "pbx" / "pudong"
SOUNDS = ROOT / "tests" / "pbx" / "pudong-sounds"


def import_arguments(
    out: Path, *extra: str, source: Path = PUDONG, site: str = "sh-1"
) -> list[str]:
    """`ccmsctl import asterisk` of `source` into `out` as a site in Shanghai, with the PBX's
    sounds and an edge."""
    return [
        "import",
        "asterisk",
        str(source),
        "--out",
        str(out),
        "--site",
        site,
        "--country",
        "CN",
        "--timezone",
        "Asia/Shanghai",
        "--language",
        "zh-CN",
        "--sounds",
        str(SOUNDS),
        "--edge",
        "10.10.1.11",
        *extra,
    ]
