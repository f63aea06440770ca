"""The simulator proven against the real PBX: calls taken from `simulate --all` of the example
(every number range, every time class of its schedules, every digit of main-cn's services
menu, a wrong key and silence) placed through the lab's real edges into its real Asterisk,
which lives at each call's instant (libfaketime); each call must take exactly the PBX, IVR
path, queue and recording class the simulator predicted. Runs on the shared lab, after
test_calls.py left the example applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest

from ccmsctl.lab.call import lab_call, prediction_differences
from ccmsctl.lab.clock import faketime_installed, held_at
from ccmsctl.lab.lab import open_lab
from ccmsctl.load.estate import load_estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.trunk import Trunk
from ccmsctl.simulate.call import simulate_call
from ccmsctl.simulate.explore import NO_KEY, Explorer, KeyPath
from ccmsctl.simulate.summary import class_groups
from tests.conftest import EXAMPLE, ccmsctl

pytestmark = pytest.mark.slow
WEEK = date(2026, 12, 7)  # the week whose days stand for the weekly hours


def _lab_keys(path: KeyPath) -> tuple[str, ...] | None:
    """The path's answers as the lab's carrier presses them (None: silence before a key,
    which presses at a fixed pace cannot give)."""
    answers = list(path.answers)
    while answers and answers[-1] == NO_KEY:
        answers.pop()
    return None if NO_KEY in answers else tuple(answers)


def _pick(paths: tuple[KeyPath, ...], *wanted: tuple[str, ...]) -> KeyPath:
    by_keys = {path.answers: path for path in paths}
    return next((by_keys[keys] for keys in wanted if keys in by_keys), paths[0])


def cases() -> list[tuple[str, str, datetime, tuple[str, ...]]]:
    """(label, number, instant, answers): each range at each time class (the second range
    into main-cn once per group of classes that route alike; a trunk the lab cannot press
    keys on, in silence), every services digit of main-cn, a wrong key, silence at a
    menu."""
    estate = load_estate(EXAMPLE).estate
    trunks = estate.index(Trunk)
    found: list[tuple[str, str, datetime, tuple[str, ...]]] = []
    for paths_of in Explorer(estate, WEEK).explore().ranges:
        numbers: NumberRange = paths_of.numbers
        number = numbers.first or numbers.numbers[0]
        silent = trunks[numbers.trunk].srtp
        heads = {group.classes[0] for group in class_groups(paths_of)}
        for moment, paths in paths_of.classes:
            if numbers.name == "cu-sh-service" and moment.label not in heads:
                continue
            if numbers.ivr == "pay-cn":
                found.append((f"{numbers.name} card", number, moment.at, ("4111#", "1229#")))
                continue
            keys = () if silent else _lab_keys(_pick(paths, ("1", "2"), ("1",), ()))
            assert keys is not None
            found.append((f"{numbers.name} {moment.label}", number, moment.at, keys))
    service = next(
        r for r in Explorer(estate, WEEK).explore().ranges if r.numbers.name == "ct-sh-service"
    )
    moment, _ = service.classes[0]
    assert moment.label.startswith("open")
    menu: list[tuple[str, ...]] = [
        ("1", "1"),
        ("1", "3"),
        ("1", "9"),
        ("1", "0"),
        ("2", "1"),
        ("3", "1"),
    ]
    menu += [("1", "4", "4", "4", "4"), ("1",)]  # a wrong key until the retries end; silence
    found += [
        (f"ct-sh-service {moment.label} keys {','.join(keys)}", "+862161230005", moment.at, keys)
        for keys in menu
    ]
    return found


CASES = cases()
# Hong Kong's calls go to Hong Kong's PBX, whose clock is its own: they run beside the others
HONG_KONG = [case for case in CASES if case[1].startswith("+852")]
SHANGHAI = [case for case in CASES if not case[1].startswith("+852")]


@pytest.fixture(scope="module")
def lab(example_lab: Path) -> Iterator[Path]:
    lab_file = json.loads((example_lab / ".ccmsctl/lab/lab.json").read_text())
    if not lab_file["asterisk"]:
        pytest.skip("the lab found no Asterisk: its PBXs are SIPp stand-ins")
    if not faketime_installed():
        pytest.skip("faketime is not installed: the lab's PBXs cannot live at an instant")
    done = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=example_lab)
    assert done.returncode == 0, done.stdout + done.stderr
    yield example_lab
    with held_at(open_lab(example_lab / ".ccmsctl/lab"), None):
        pass  # the lab back at real time for what runs next


def differences(
    lab: Path, label: str, number: str, at: datetime, keys: tuple[str, ...]
) -> list[str]:
    """The call placed at `at` pressing `keys`, against the simulator's prediction."""
    estate = load_estate(EXAMPLE).estate
    predicted = simulate_call(estate, number, at, keys=keys)
    nodes = sum(hop.kind == "node" for hop in predicted.hops)
    hold = predicted.waited + 0.75 * nodes + 1.5
    result = lab_call(
        open_lab(lab / ".ccmsctl/lab"),
        estate,
        number,
        digits=keys,
        hold=hold,
        gap=1.0,
        at=at,
        timeout=hold + 1.5 * len("".join(keys)) + 30,
    )
    if not (result.answered and result.record):
        return [f"{label}: not answered and recorded: {result.detail}"]
    found = prediction_differences(predicted, result)
    if result.record["ccms_did"] != number:
        found.append(f"DID: {result.record['ccms_did']}")
    return [f"{label}: {difference}" for difference in found]


@pytest.fixture(scope="module")
def hong_kong(lab: Path) -> Iterator[Future[list[str]]]:
    """Hong Kong's calls, placed one after the other in a thread of their own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(lambda: [d for case in HONG_KONG for d in differences(lab, *case)])


@pytest.mark.parametrize(("label", "number", "at", "keys"), SHANGHAI, ids=[c[0] for c in SHANGHAI])
def test_real_asterisk_takes_the_predicted_path(
    lab: Path,
    hong_kong: Future[list[str]],
    label: str,
    number: str,
    at: datetime,
    keys: tuple[str, ...],
) -> None:
    assert differences(lab, label, number, at, keys) == []


def test_hong_kongs_real_asterisk_takes_the_predicted_paths(hong_kong: Future[list[str]]) -> None:
    assert hong_kong.result(timeout=1200) == []


def test_the_cases_cover_every_range_and_time_class() -> None:
    estate = load_estate(EXAMPLE).estate
    ranges = {numbers.name for numbers in estate.of(NumberRange)}
    assert {label.split()[0] for label, *_ in CASES} == ranges
    explored = {r.numbers.name: r for r in Explorer(estate, WEEK).explore().ranges}
    for name in ("ct-sh-claims", "hkt-hk-service"):  # every time class of both schedules
        labels = {label.split(" ", 1)[1] for label, *_ in CASES if label.split()[0] == name}
        assert labels == {moment.label for moment, _ in explored[name].classes}
    service = [label for label, *_ in CASES if label.startswith("ct-sh-service ")]
    assert {m.label for m, _ in explored["ct-sh-service"].classes} <= {
        label.split(" ", 1)[1].split(" keys ")[0] for label in service
    }
    digits = {
        keys[1]
        for label, _, _, keys in CASES
        if label.startswith("ct-sh-service") and len(keys) > 1
    }
    assert {"0", "1", "2", "3", "9"} <= digits


def test_lab_call_at_an_instant_prints_the_prediction_beside_the_call(lab: Path) -> None:
    done = ccmsctl(
        "lab", "call", str(EXAMPLE), "+862161230005", "--digits", "1,2",
        "--at", "2026-12-07T10:00:00+08:00", cwd=lab,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "at 2026-12-07T10:00:00+08:00: answered by sh1-pbx-2" in done.stdout
    assert "  predicted: choose-language → hours (open) → services → queue-claims;" in done.stdout
    assert "  as the simulator predicted" in done.stdout
    # the recording is filed under the day the PBX lived at
    assert "/rec-cn-claims/2026/12/07/" in done.stdout
