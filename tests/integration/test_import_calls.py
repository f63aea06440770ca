"""Same calls, same way: a hand-maintained PBX (tests/pbx/pudong) imported,
then the *original* configuration run in one real Asterisk and the *imported* estate,
compiled and applied to a lab, run in another; the same calls are placed to both (each DID
range, each menu key, silence, a wrong key, open and closed instants through libfaketime)
and each must reach the same queue, voicemail box, transfer or hang-up, recorded alike,
after the same prompts.

The original's addresses are moved onto loopback (127.6.0.0/24: the PBX, and the carrier
its identify section admits), Shanghai's time zone its host's local time
(tests/integration/brownfield_lab.py). The imported estate's lab has loopback addresses of
its own (127.0-4), so this runs before the shared lab comes up (tests/conftest.py ORDER)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ccmsctl.lab.call import lab_call
from ccmsctl.lab.clock import faketime_installed
from ccmsctl.lab.lab import open_lab
from ccmsctl.model.kinds import Estate
from tests.brownfield import PUDONG, SOUNDS, import_arguments
from tests.integration.brownfield_lab import (
    GAP,
    Original,
    imported_lab,
    original_pbx,
    outcome_in,
)
from tests.integration.realworld import asterisk, require

pytestmark = pytest.mark.slow

MOVED = {"10.10.2.21": "127.6.0.21", "203.0.113.10": "127.6.0.10", "203.0.113.11": "127.6.0.11"}
OPEN = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CLOSED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai
WAITED = 9.0  # past the menu's 5 s wait for a key
# (label, DID, instant, keys, seconds the caller stays after the keys)
CALLS = [
    ("service, open, key 1", "+862161230005", OPEN, ("1",), 3.0),
    ("service, open, key 2", "+862161230005", OPEN, ("2",), 3.0),
    ("service, open, key 0", "+862161230077", OPEN, ("0",), 3.0),
    ("service, open, silence", "+862161230005", OPEN, (), WAITED),
    ("service, open, a wrong key", "+862161230099", OPEN, ("7",), WAITED),
    ("service, closed", "+862161230005", CLOSED, (), 3.0),
    ("claims, exact number", "+862161231000", OPEN, (), 3.0),
    ("claims, pattern", "+862161231005", CLOSED, (), 3.0),
]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Original]:
    """The original configuration, its addresses on loopback, in a real Asterisk."""
    require("sipp")
    if not faketime_installed():
        pytest.skip("faketime is not installed: a PBX cannot live at an instant")
    files = {}
    for path in PUDONG.glob("*.conf"):
        text = path.read_text()
        for old, new in MOVED.items():
            text = text.replace(old, new)
        files[path.name] = text
    with original_pbx(
        asterisk(),
        tmp_path_factory.mktemp("original") / "pudong",
        files,
        {"en": SOUNDS / "zh", "zh": SOUNDS / "zh"},
        # from the carrier's second address: a transfer dials out to its first
        carrier=MOVED["203.0.113.11"],
        pbx=MOVED["10.10.2.21"],
        zone="Asia/Shanghai",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Estate]]:
    """The imported estate, applied to a lab of its own."""
    require("kamailio")
    work = tmp_path_factory.mktemp("imported")
    with imported_lab(import_arguments(work / "estate"), work) as estate:
        yield work, estate


@pytest.mark.parametrize(("label", "did", "at", "keys", "hold"), CALLS, ids=[c[0] for c in CALLS])
def test_the_imported_estate_takes_each_call_where_the_original_did(
    original: Original,
    imported: tuple[Path, Estate],
    tmp_path: Path,
    label: str,
    did: str,
    at: datetime,
    keys: tuple[str, ...],
    hold: float,
) -> None:
    work, estate = imported
    before = original.call(did, at, keys, hold, tmp_path)
    result = lab_call(
        open_lab(work / ".ccmsctl/lab"),
        estate,
        did,
        digits=keys,
        hold=hold,
        gap=GAP,
        at=at,
        timeout=60,
    )
    after = outcome_in(estate, result)
    assert after == before, f"{label}: the original {before}, the imported estate {after}"
    assert before.end != "hangup" or at == CLOSED, f"{label}: {before}"
