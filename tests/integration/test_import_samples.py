"""Same calls, same way, for Asterisk's own sample configuration (configs/samples of the
vendored sources): its demo IVR is the part within the model (BackGround prompts, a menu of
one-key extensions with `t` and `i`, a Goto back to a label, Playback and Hangup). The
samples carry no trunk (pjsip.conf.sample is all comments), so the test adds the least
that brings calls in: a transport, a carrier endpoint with its identify section, and a
context that sends the carrier's DIDs to `demo`. The rest is the samples as shipped.

The samples are imported; then the original runs in one real Asterisk and the imported
estate in a lab (tests/integration/brownfield_lab.py), and each call (a key that ends the
demo, a key that plays more and comes back to the menu, silence, a wrong key) must hang up
after the same prompts in the same order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ccmsctl.importing.asterisk import silence
from ccmsctl.lab.call import lab_call
from ccmsctl.lab.lab import open_lab
from ccmsctl.model.kinds import Estate
from tests.brownfield import NOT_CONFIGS, asterisk_samples
from tests.integration.brownfield_lab import (
    GAP,
    Original,
    imported_lab,
    original_pbx,
    outcome_in,
)
from tests.integration.realworld import asterisk, require

pytestmark = pytest.mark.slow

PBX, CARRIER = "10.10.2.21", "203.0.113.10"
MOVED = {PBX: "127.6.1.21", CARRIER: "127.6.1.10"}
DID = "+862161230005"
PROMPTS = ("demo-congrats", "demo-instruct", "demo-moreinfo", "demo-thanks", "invalid")
WIRING = {
    "pjsip.conf": f"""
; added for the test: where the PBX listens, and the carrier whose calls reach the demo
[transport-udp]
type = transport
protocol = udp
bind = {PBX}:5060

[carrier]
type = endpoint
transport = transport-udp
context = from-carrier
disallow = all
allow = alaw

[carrier]
type = aor
contact = sip:{CARRIER}:5060

[carrier-identify]
type = identify
endpoint = carrier
match = {CARRIER}
""",
    "extensions.conf": """
; added for the test: the carrier's DIDs go to the demo
[from-carrier]
exten => _+8621612300XX,1,Goto(demo,s,1)
""",
}
# (label, keys, seconds the caller stays after the keys)
CALLS = [
    ("#: thanks, bye", ("#",), 3.0),
    ("2 then #: more information, the menu again, bye", ("2", "#"), 3.0),
    ("silence: the menu's 10 s, then bye", (), 14.0),
    ("a wrong key: invalid, bye", ("9",), 3.0),
]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The samples with the test's wiring, and their prompts (short silences) in a sounds
    folder laid out as Asterisk's (en/NAME.wav)."""
    work = tmp_path_factory.mktemp("samples")
    etc = asterisk_samples(work / "etc")
    for name in NOT_CONFIGS:
        (etc / name).unlink()
    for name, added in WIRING.items():
        with (etc / name).open("a", encoding="utf-8") as stream:
            stream.write(added)
    sounds = work / "sounds" / "en"
    sounds.mkdir(parents=True)
    for prompt in PROMPTS:
        (sounds / f"{prompt}.wav").write_bytes(silence(0.3))
    return etc, sounds.parent


@pytest.fixture(scope="module")
def original(
    samples: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Original]:
    require("sipp")
    etc, sounds = samples
    files = {}
    for path in sorted(etc.glob("*.conf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for old, new in MOVED.items():
            text = text.replace(old, new)
        files[path.name] = text
    with original_pbx(
        asterisk(),
        tmp_path_factory.mktemp("original") / "samples",
        files,
        {"en": sounds / "en"},
        carrier=MOVED[CARRIER],
        pbx=MOVED[PBX],
        zone="Asia/Shanghai",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def imported(
    samples: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Estate]]:
    require("kamailio")
    etc, sounds = samples
    work = tmp_path_factory.mktemp("imported")
    arguments = [
        "import",
        "asterisk",
        str(etc),
        "--out",
        str(work / "estate"),
        "--site",
        "sh-1",
        "--country",
        "CN",
        "--timezone",
        "Asia/Shanghai",
        "--sounds",
        str(sounds),
        "--edge",
        "10.10.1.11",
    ]
    with imported_lab(arguments, work) as estate:
        yield work, estate


@pytest.mark.parametrize(("label", "keys", "hold"), CALLS, ids=[c[0] for c in CALLS])
def test_the_samples_demo_takes_each_call_the_same_way(
    original: Original,
    imported: tuple[Path, Estate],
    tmp_path: Path,
    label: str,
    keys: tuple[str, ...],
    hold: float,
) -> None:
    work, estate = imported
    before = original.call(DID, None, keys, hold, tmp_path)
    result = lab_call(
        open_lab(work / ".ccmsctl/lab"), estate, DID, digits=keys, hold=hold, gap=GAP, timeout=60
    )
    after = outcome_in(estate, result)
    assert after == before, f"{label}: the original {before}, the imported estate {after}"
    assert before.heard[:2] == ("demo-congrats", "demo-instruct"), before
    assert before.heard[-1] in ("demo-thanks", "invalid"), before
