"""`ccmsctl simulate`: the compiled dialplan run without Asterisk — Asterisk's text rules
(substitution, expressions, patterns, GotoIfTime), the way a call comes in, a call told step
by step with its estate lines, and `--all`'s time classes, key paths and findings. The
differential call tests (tests/integration/test_simulate_calls.py) check the same
predictions against real Asterisk."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.compile.views import DispatcherSet, Target
from ccmsctl.load.estate import load_estate
from ccmsctl.model.schedule import Schedule
from ccmsctl.simulate.asterisk import evaluate, pattern_matches, substitute, time_matches
from ccmsctl.simulate.call import simulate_call
from ccmsctl.simulate.explore import Explorer, time_classes
from ccmsctl.simulate.route import NoRouteError, Router
from tests.conftest import EXAMPLE, ROOT

GOLDEN = ROOT / "tests" / "golden" / "simulate"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = "2026-12-07T10:00:00+08:00"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


# Asterisk's text rules
@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('"2026-12-07" >= "2026-10-01" & "2026-12-07" <= "2026-10-07"', "0"),
        ('"2026-10-03" >= "2026-10-01" & "2026-10-03" <= "2026-10-07"', "1"),
        ("3 <= 2", "0"),
        ("2 + 1", "3"),
        ("400 > 0 & 1 > 400", "0"),
        ("10 > 9", "1"),  # numbers compare as numbers
        ('"10" > "9"', "1"),
        ("0 > 0", "0"),
    ],
)
def test_expressions_evaluate_as_asterisk_does(expression: str, value: str) -> None:
    assert evaluate(expression) == value


def test_substitution_works_innermost_first() -> None:
    variables = {"TRIES": "2", "X": "/spool/abc.wav", "EPOCH": "1796529600"}
    functions = {"LEN": lambda args: str(len(",".join(args)))}
    assert substitute("$[${TRIES} + 1]", variables, functions) == "3"
    assert substitute("${X:0:-4}-part.wav", variables, functions) == "/spool/abc-part.wav"
    assert substitute("$[${LEN(${X})} > 0]", variables, functions) == "1"
    assert substitute("${MISSING}x", variables, functions) == "x"


@pytest.mark.parametrize(
    ("pattern", "exten", "matches"),
    [
        ("_+8621612300XX", "+862161230005", True),
        ("_+8621612300XX", "+86216123005", False),
        ("_+X.", "+852300", True),
        ("_X.", "+852300", False),
        ("+85230011234", "+85230011234", True),
        ("_NXX", "199", False),
    ],
)
def test_extension_patterns(pattern: str, exten: str, matches: bool) -> None:
    assert pattern_matches(pattern, exten) is matches


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        ("2026-12-07T08:00", True),  # first minute
        ("2026-12-07T19:59", True),  # last minute (close 20:00 is written 19:59)
        ("2026-12-07T20:00", False),
        ("2026-12-07T07:59", False),
        ("2026-12-12T10:00", False),  # Saturday
    ],
)
def test_gotoiftime_takes_the_last_minute_and_the_zone(local: str, inside: bool) -> None:
    moment = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
    assert time_matches("08:00-19:59,mon-fri,*,*,Asia/Shanghai", moment) is inside
    # the same instant seen from UTC: the spec's zone decides
    assert time_matches("08:00-19:59,mon-fri,*,*,Asia/Shanghai", moment.astimezone()) is inside


def test_the_edge_tries_equal_priorities_last_listed_first() -> None:
    """Kamailio keeps a set ascending by priority, each entry after its equals, then reverses
    it: algorithm 8 takes the highest priority, and of equals the one listed last."""
    targets = (
        Target("a-1", "sip:127.0.0.1", 20),
        Target("a-2", "sip:127.0.0.2", 20),
        Target("b-1", "sip:127.0.0.3", 10),
        Target("b-2", "sip:127.0.0.4", 10),
        Target("burst", "sip:127.0.0.5", 5),
    )
    tried = DispatcherSet(11, "PBXs", targets).tried()
    assert [t.name for t in tried] == ["a-2", "a-1", "b-2", "b-1", "burst"]


# one call
def test_the_issue_example_prints_the_path_agents_and_recording_with_lines() -> None:
    code, out, _ = run(str(EXAMPLE), "+862161230005", "--at", MONDAY_10, "--digits", "1,2")
    assert code == 0, out
    assert "Path: choose-language → hours (open) → services → queue-claims" in out
    assert "rings 1003 Wang Na (penalty 1); 2002 Huang Xiu (penalty 2)" in out
    assert "recorded into rec-cn-claims encrypted at rest on sh1-pbx-2 (sh-1, CN)" in out
    lines = out.splitlines()
    key = next(line for line in lines if line.strip().startswith("key       key 2"))
    assert key.endswith("(" + str(EXAMPLE / "ivr/main-cn.yaml") + ":32:9)")
    schedule = next(line for line in lines if "schedule" in line and "open:" in line)
    assert "Mon 2026-12-07 10:00 Asia/Shanghai" in schedule and "schedules.yaml:6:" in schedule
    assert lines[-1] == ("Ends: queue claims-zh → voicemail 9001 (recorded: rec-cn-claims, CN)")


def test_json_carries_the_same_steps_and_lines() -> None:
    args = (str(EXAMPLE), "+862161230005", "--at", MONDAY_10, "--digits", "1,2")
    code, out, _ = run(*args, "--format", "json")
    assert code == 0
    document = json.loads(out)
    _, text, _ = run(*args)
    assert document["outcome"]["text"] in text
    kinds = [step["kind"] for step in document["steps"]]
    assert kinds[:4] == ["trunk", "edge", "pbx", "ivr"]
    key = next(s for s in document["steps"] if s["kind"] == "key" and s["facts"]["key"] == "2")
    assert (Path(key["file"]).name, key["line"]) == ("main-cn.yaml", 32)
    queue = next(s for s in document["steps"] if s["kind"] == "queue")
    assert queue["facts"] == {"queue": "claims-zh", "agents": "4"}


@pytest.mark.parametrize(
    ("number", "at", "keys", "ends"),
    [
        # Sunday: no opening hours
        ("+862161230005", "2026-12-06T10:00:00+08:00", (), "voicemail 9000"),
        # National Day: the holiday's own message, then voicemail
        ("+862161230005", "2026-10-02T10:00:00+08:00", ("1",), "voicemail 9000"),
        # 19:59 is open, 20:00 is not
        ("+862161230005", "2026-12-07T19:59:30+08:00", ("1", "1"), "queue sales-zh"),
        ("+862161230005", "2026-12-07T20:00:00+08:00", ("1", "1"), "voicemail 9000"),
        # the same instant written in UTC
        ("+862161230005", "2026-12-07T02:00:00Z", ("1", "9"), "queue service-en"),
        # silence at the menu: its timeout's target after the retries
        ("+862161230005", MONDAY_10, ("1",), "queue sales-zh"),
        ("+862161230005", MONDAY_10, ("1", "0"), "transfer +862161239999"),
        # Hong Kong on Christmas: closed message, then the IVR hangs up
        ("+85230011235", "2026-12-25T11:00:00+08:00", ("1",), "hangup"),
        ("+85230011235", "2026-12-24T11:00:00+08:00", ("2", "2"), "queue service-en"),
        # the payments line takes card digits and queues
        ("+862161232003", MONDAY_10, ("4111111111111111", "1229"), "queue billing-zh"),
    ],
)
def test_other_instants_and_numbers_behave_as_the_estate_says(
    number: str, at: str, keys: tuple[str, ...], ends: str
) -> None:
    estate = load_estate(EXAMPLE).estate
    found = simulate_call(estate, number, datetime.fromisoformat(at), keys=keys)
    assert found.outcome.text().startswith(ends), found.outcome.text()


def test_the_holiday_step_names_the_holiday_and_its_line() -> None:
    estate = load_estate(EXAMPLE).estate
    found = simulate_call(estate, "+862161230005", datetime.fromisoformat("2026-10-02T10:00+08:00"))
    holiday = next(hop for hop in found.hops if hop.kind == "schedule")
    assert holiday.facts == {"state": "holiday", "rule": "National Day"}
    assert holiday.where == ("Schedule", "cn-business", ("holidays", 0))
    assert found.path() == "choose-language → hours (holiday) → holiday-message → leave-message"


def test_card_entry_pauses_the_recording_and_goes_on() -> None:
    estate = load_estate(EXAMPLE).estate
    found = simulate_call(
        estate, "+862161232003", datetime.fromisoformat(MONDAY_10), keys=("4111", "1229")
    )
    kinds = [hop.kind for hop in found.hops if hop.kind in ("record", "pause", "resume")]
    assert kinds == ["record", "pause", "resume", "pause", "resume"]


def test_a_language_menu_takes_the_language_asked_for() -> None:
    code, out, _ = run(
        str(EXAMPLE), "+862161230005", "--at", MONDAY_10, "--language", "yue-HK", "--digits", "2"
    )
    assert code == 0
    assert "key 2 → language yue-HK, then hours" in out
    assert "queue claims-zh" in out  # the language took no key of --digits


def test_down_takes_hosts_and_sites_out() -> None:
    estate = load_estate(EXAMPLE).estate
    at = datetime.fromisoformat(MONDAY_10)
    first = simulate_call(estate, "+862161230005", at).hops
    assert first[2].facts["pbx"] == "sh1-pbx-2"
    one_down = simulate_call(estate, "+862161230005", at, router=Router(estate, ["sh1-pbx-2"]))
    assert one_down.hops[2].facts["pbx"] == "sh1-pbx-1"
    site_down = simulate_call(estate, "+862161230005", at, router=Router(estate, ["sh-1"]))
    assert site_down.hops[1].facts == {
        "edge": "sh2-edge-1",
        "site": "sh-2",
        "uri": "sip:10.20.1.10:5060",
    }
    assert site_down.hops[2].facts["pbx"] == "sh2-pbx-2"
    with pytest.raises(NoRouteError):
        simulate_call(estate, "+862161230005", at, router=Router(estate, ["sh-1", "sh-2"]))


def test_exit_status_one_for_no_route_two_for_bad_input() -> None:
    code, _, err = run(str(EXAMPLE), "+862161239995", "--at", MONDAY_10)
    assert code == 1
    assert "error[E1801]: +862161239995 is in no NumberRange" in err
    assert "numbers.yaml:" in err  # located at the nearest range
    code, _, err = run(
        str(EXAMPLE), "+862161230005", "--at", MONDAY_10, "--down", "sh-1", "--down", "sh-2"
    )
    assert code == 1 and "trunks.yaml:" in err
    for args in (
        ("+862161230005", "--at", "2026-12-07T10:00:00"),  # no offset
        ("+862161230005", "--at", "monday"),
        ("862161230005", "--at", MONDAY_10),
        ("+862161230005", "--at", MONDAY_10, "--digits", "1,a"),
        ("+862161230005", "--at", MONDAY_10, "--down", "sh1-pbx-9"),
        ("+862161230005", "--at", MONDAY_10, "--language", "fr-FR"),
        ("--all", "+862161230005"),
        ("+862161230005",),
    ):
        code, out, err = run(str(EXAMPLE), *args)
        assert code == 2, (args, out)
        assert "error[E1802]" in err and "Traceback" not in err


# every call
def test_time_classes_cover_each_rule_edge_holiday_and_daylight_saving() -> None:
    schedule = Schedule.model_validate(
        {
            "kind": "Schedule",
            "name": "london",
            "timezone": "Europe/London",
            "weekly": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "17:00"}
            ],
            "holidays": [{"name": "Boxing Day", "date": "2026-12-28"}],
        }
    )
    classes = time_classes([schedule], date(2026, 12, 21))
    labels = [c.label for c in classes]
    assert labels[:4] == [
        "open mon-fri 09:00-17:00",
        "open mon-fri, last minute before 17:00",
        "closed mon-fri, minute before 09:00",
        "closed mon-fri from 17:00",
    ]
    assert "closed sat (no opening hours)" in labels and "fri 23:59 before sat" in labels
    assert "holiday Boxing Day (2026-12-28)" in labels
    changes = [c for c in classes if c.label.startswith("daylight-saving change")]
    assert [c.label for c in changes] == [
        "daylight-saving change 2027-03-28, 09:00",
        "daylight-saving change 2027-10-31, 09:00",
    ]
    # the plain week skips the holiday's week (2026-12-28 is a Monday)
    first = classes[0].at
    assert first.date() == date(2026, 12, 21) and first.utcoffset() is not None


def test_all_lists_every_range_and_collapses_outcomes(update_goldens: bool) -> None:
    code, out, _ = run(str(EXAMPLE), "--all", "--week-of", "2026-12-07")
    assert code == 0
    golden = GOLDEN / "example-all.txt"
    shown = out.replace(str(EXAMPLE), "sites/example")
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(shown, encoding="utf-8")
    assert shown == golden.read_text(encoding="utf-8"), (
        "the exploration changed; if intended: pytest tests/unit/test_simulate.py --update-goldens"
    )
    code, again, _ = run(str(EXAMPLE), "--all", "--week-of", "2026-12-07", "--format", "json")
    document = json.loads(again)
    assert {r["name"] for r in document["ranges"]} == {
        "ct-sh-claims",
        "ct-sh-payments",
        "ct-sh-service",
        "cu-sh-service",
        "hkt-hk-service",
    }
    service = next(r for r in document["ranges"] if r["name"] == "ct-sh-service")
    opened = next(c for c in service["classes"] if c["label"] == "open mon-fri 08:00-20:00")
    assert {
        "keys": ["1", "2"],
        "label": "1 › 2",
        "outcome": ("queue claims-zh → voicemail 9001 (recorded: rec-cn-claims, CN)"),
    } in opened["paths"]
    # every digit of the services menu is tried
    seconds = {p["keys"][1] for p in opened["paths"] if len(p["keys"]) > 1 and p["keys"][0] == "1"}
    assert {"0", "1", "2", "3", "9"} <= seconds


def test_all_finds_unstaffed_queues_and_unreached_nodes(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    schedules = estate / "ivr/schedules.yaml"
    text = schedules.read_text(encoding="utf-8")
    start = text.index("holidays:")
    end = text.index("---")
    schedules.write_text(text[:start] + text[end:], encoding="utf-8")  # cn-business: no holidays
    agents = estate / "people/agents.yaml"
    kept = [
        doc for doc in agents.read_text(encoding="utf-8").split("---\n") if "claims:" not in doc
    ]
    agents.write_text("---\n".join(kept), encoding="utf-8")  # nobody has the claims skill
    loaded = load_estate(estate)
    found = Explorer(loaded.estate, date(2026, 12, 7)).explore()
    assert ("main-cn", "holiday-message") in found.unreached
    unstaffed = {
        name for r in found.ranges for _, p in r.classes for k in p for name, _ in k.unstaffed
    }
    assert "claims-zh" in unstaffed


def test_an_exploration_cut_short_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from ccmsctl.simulate import explore, summary  # noqa: PLC0415

    monkeypatch.setattr(explore, "PATH_LIMIT", 3)
    monkeypatch.setattr(summary, "PATH_LIMIT", 3)
    found = Explorer(load_estate(EXAMPLE).estate, date(2026, 12, 7)).explore()
    assert "main-cn" in found.cut
    texts = [f.text for f in summary.findings(found) if f.kind == "too many paths"]
    assert "IVR main-cn: more than 3 key paths at one instant; the rest unexplored" in texts


def test_a_real_call_is_compared_with_its_prediction_as_far_as_it_went() -> None:
    from ccmsctl.lab.call import CallResult, prediction_differences  # noqa: PLC0415

    estate = load_estate(EXAMPLE).estate
    predicted = simulate_call(
        estate, "+862161230005", datetime.fromisoformat(MONDAY_10), keys=("1", "2")
    )
    recording = Path("/lab/sh1-pbx-2/var/spool/asterisk/recording/rec-cn-claims/2026/x.wav")
    path = "choose-language hours services queue-claims"
    whole = CallResult(
        "+862161230005", "ct-sh", "127.1.1.1", "sh1-edge-1", True, "sh1-pbx-2", "",
        {"ccms_ivr_path": path, "ccms_skill_group": "claims-zh", "billsec": "9"},
        recording, stay=6.5,
    )  # fmt: skip
    assert prediction_differences(predicted, whole) == []
    wrong = CallResult(**{**whole.__dict__, "record": {**whole.record, "ccms_skill_group": "x"}})
    assert prediction_differences(predicted, wrong) == ["queue: predicted claims-zh, was x"]
    # the carrier left at the language menu: compared as far as it went
    left = CallResult(
        **{
            **whole.__dict__,
            "record": {"ccms_ivr_path": "choose-language", "billsec": "3"},
            "recording": None,
            "stay": 3.5,
        }
    )
    assert prediction_differences(predicted, left) == []
    # ...but a call the PBX ended early is not excused
    cut = CallResult(**{**left.__dict__, "stay": 30.0})
    assert prediction_differences(predicted, cut)[0].startswith("IVR path: predicted")
