"""The hand-maintained PBX the import tests bring in (tests/pbx/pudong) and
the command line that imports it, shared by the unit and the real-Asterisk tests."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PUDONG = ROOT / "tests" / "pbx" / "pudong"
SOUNDS = ROOT / "tests" / "pbx" / "pudong-sounds"
EDGE = ROOT / "tests" / "pbx" / "pudong-edge"  # its hand-maintained Kamailio
MINHANG = ROOT / "tests" / "pbx" / "minhang"  # national DIDs, phone templates, no sounds
JIADING = ROOT / "tests" / "pbx" / "jiading"  # TLS and SRTP, a language menu, Read
JIADING_SOUNDS = ROOT / "tests" / "pbx" / "jiading-sounds"
VENDOR = ROOT.parent / "shared" / "vendor" / "asterisk-22.10.1.tar.gz"
# the samples that are not in Asterisk's configuration syntax (shell and SQL templates)
NOT_CONFIGS = frozenset({"ast_debug_tools.conf", "cel_sqlite3_custom.conf", "dbsep.conf"})


def asterisk_samples(into: Path) -> Path:
    """Asterisk's sample configuration (configs/samples of the vendored sources) written to
    `into` as an /etc/asterisk would hold it; without the sources the test is skipped."""
    if not VENDOR.is_file():
        pytest.skip("the vendored Asterisk sources are absent")
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(VENDOR) as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if (
                "/configs/samples/" in member.name
                and member.isfile()
                and name.endswith(".conf.sample")
            ):
                stream = archive.extractfile(member)
                assert stream is not None
                (into / name.removesuffix(".sample")).write_bytes(stream.read())
    return into


def import_arguments(
    out: Path,
    *extra: str,
    source: Path = PUDONG,
    site: str = "sh-1",
    sounds: Path = SOUNDS,
    edge: str = "10.10.1.11",
) -> list[str]:
    """`ccmsctl import asterisk` of `source` into `out` as a site in Shanghai, with the PBX's
    sounds and an edge's address (none: "")."""
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
        str(sounds),
        *(["--edge", edge] if edge else []),
        *extra,
    ]
