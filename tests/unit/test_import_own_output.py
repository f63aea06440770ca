"""ccmsctl's own output brought back: the example's PBX sh1-pbx-1 as compiled (its
/etc/asterisk and its prompts) imported into a new estate, which validates; then every call
the simulator explores for the numbers that PBX answers (each range, each time class of
its schedules, holidays included, each key path: menus with their retries, a language
menu, card digits, silence and wrong keys) ends where it ends in the example: the same
queue and overflows, voicemail box, transfer or hang-up, recorded or not alike.

And compiled again, that estate gives the PBX's files back, up to what `_normalised` says
(comments, the order of DIDs, the edges' addresses: this imports the PBX alone, without its
edges' folders; tests/property/test_import_round_trip.py brings every PBX and edge of a
site in and compares all their files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.simulate.call import simulate_call
from ccmsctl.simulate.explore import Explorer
from tests.brownfield import import_arguments
from tests.conftest import EXAMPLE

runner = CliRunner()
PBX = "sh1-pbx-1"
WEEK = date(2026, 12, 7)


def _pbx_files(into: Path) -> Path:
    example = load_estate(EXAMPLE).estate
    for path, content in compile_estate(example).hosts[PBX].items():
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return into


def _ends(estate: object, number: str, at: object, keys: tuple[str, ...]) -> tuple[object, ...]:
    outcome = simulate_call(estate, number, at, keys=keys).outcome  # type: ignore[arg-type]
    return (outcome.kind, outcome.target, outcome.then, bool(outcome.recording))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The compiled PBX's folder, and the estate imported from it (validated)."""
    work = tmp_path_factory.mktemp("own")
    root = _pbx_files(work / "pbx")
    done = runner.invoke(
        app,
        import_arguments(
            work / "estate",
            source=root / "etc/asterisk",
            sounds=root / "var/lib/asterisk/ccmsctl-prompts",
        ),
    )
    assert done.exit_code == 3, done.output  # ccmsctl's own files for its own machinery
    assert runner.invoke(app, ["validate", str(work / "estate")]).exit_code == 0
    return root, work / "estate"


def test_the_compiled_pbx_imported_takes_every_call_where_the_estate_does(
    imported: tuple[Path, Path],
) -> None:
    example = load_estate(EXAMPLE).estate
    estate = load_estate(imported[1]).estate
    compared = 0
    for paths_of in Explorer(example, WEEK).explore().ranges:
        numbers = paths_of.numbers
        if numbers.site not in ("sh-1", "sh-2"):  # the PBX answers its site's and its twin's
            continue
        number = numbers.first or numbers.numbers[0]
        for moment, paths in paths_of.classes:
            for path in paths:
                before = _ends(example, number, moment.at, path.answers)
                after = _ends(estate, number, moment.at, path.answers)
                assert after == before, (number, moment.at, path.label())
                compared += 1
    assert compared > 100


def _normalised(name: str, text: str) -> list[str]:
    """A PBX file as the round trip compares it: comment lines out (they name the estate's
    documents, some of which no PBX file names: agents, number ranges, retention policies);
    the DIDs of a trunk's context in order (ccmsctl lists them by their ranges' names); in
    pjsip.conf, the edges' addresses out (a trunk's aor contact and the edges' identify
    list: the edges' files say them, which this import is not given)."""
    lines = [line for line in text.splitlines() if not line.startswith(";")]
    if name == "pjsip.conf":
        lines = [line for line in lines if not line.startswith(("contact = ", "match = "))]
    if name == "extensions.conf":
        out: list[str] = []
        dids: list[str] = []
        for line in lines:
            if line.startswith("exten => _+") and "Goto(did-" in line:
                dids.append(line)
                continue
            out += sorted(dids)
            dids = []
            out.append(line)
        lines = out + sorted(dids)
    return lines


def test_the_compiled_pbx_imported_compiles_to_the_same_pbx_files(
    imported: tuple[Path, Path],
) -> None:
    root, estate = imported
    again = compile_estate(load_estate(estate).estate).hosts["sh-1-pbx-1"]
    compared = []
    for path in sorted((root / "etc/asterisk").glob("*.conf")):
        name = path.name
        before = _normalised(name, path.read_text())
        after = _normalised(name, again[f"etc/asterisk/{name}"].decode())
        assert after == before, name
        compared.append(name)
    assert {"extensions.conf", "pjsip.conf", "queues.conf", "voicemail.conf"} <= set(compared)
