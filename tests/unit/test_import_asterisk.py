"""`ccmsctl import asterisk` on a hand-maintained PBX (tests/pbx/pudong:
templates, an #include, a registering carrier, phones, queues with penalties, a fax machine
it cannot model): the estate validates and names what the PBX has; every line read is
modelled or listed with why; no secret reaches the estate or the report; the output is the
same bytes each time; exit 3 with residue, 1 on a file Asterisk would refuse."""

from __future__ import annotations

import json
import shutil
import wave
from datetime import timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ccmsctl.cli.main import app
from ccmsctl.importing.conf import read_config
from ccmsctl.load.estate import load_estate
from ccmsctl.model.agent import Agent
from ccmsctl.model.ivr import IVR, Collect, LanguageSelect, Menu, ScheduleBranch, Transfer
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from tests.brownfield import (
    JIADING,
    JIADING_SOUNDS,
    MINHANG,
    NOT_CONFIGS,
    PUDONG,
    SOUNDS,
    asterisk_samples,
    import_arguments,
)
from tests.conftest import ROOT

SECRETS = ["Ct;Secret-2019", "zw-7731", "lf-2208", "wn-5519", "fax-0000", "4242"]
runner = CliRunner()


def _import(out: Path, *extra: str, **given: Any) -> tuple[int, str]:
    done = runner.invoke(app, import_arguments(out, *extra, **given))
    return done.exit_code, done.output


def test_the_estate_validates_and_names_what_the_pbx_has(tmp_path: Path) -> None:
    status, output = _import(tmp_path / "estate")
    assert status == 3, output  # the fax machine and a few options are not modelled
    done = runner.invoke(app, ["validate", str(tmp_path / "estate"), "--strict"])
    assert done.exit_code == 0, done.output
    estate = load_estate(tmp_path / "estate").estate
    [site] = estate.of(Site)
    assert [(h.name, str(h.address), h.roles) for h in site.hosts] == [
        ("sh-1-edge-1", "10.10.1.11", ("edge",)),
        ("sh-1-pbx-1", "10.10.2.21", ("pbx",)),
    ]
    [trunk] = estate.of(Trunk)
    assert [str(p.address) for p in trunk.peers] == ["203.0.113.10", "203.0.113.11"]
    assert (trunk.codecs, trunk.registration) == (("PCMA", "G722"), True)
    assert trunk.auth is not None and trunk.auth.username == "862161230000"
    agents = {a.extension: a for a in estate.of(Agent)}
    assert sorted(agents) == ["1001", "1002", "1003"]  # not the fax: it has no extension
    assert (agents["1002"].display_name, agents["1002"].languages) == ("Li Fang", ("en-US",))
    # penalty 0 is level 10, penalty 3 level 7: ccmsctl writes the same penalties back
    assert agents["1002"].skills == {"sales": 7, "claims": 4}
    groups = {g.name: g for g in estate.of(SkillGroup)}
    assert (groups["sales"].strategy, groups["sales"].weight) == ("leastrecent", 10)
    assert groups["claims"].wrapup.total_seconds() == 30
    # the dialplan's Queue(sales,,,,180) and the VoiceMail after it
    assert groups["sales"].max_wait.total_seconds() == 180
    assert groups["sales"].overflow is not None and groups["sales"].overflow.voicemail == "9001"
    assert groups["sales"].recording_class == "recording"  # MixMonitor before the queue


def test_the_dialplan_gives_numbers_ivrs_and_schedules(tmp_path: Path) -> None:
    _import(tmp_path / "estate")
    estate = load_estate(tmp_path / "estate").estate
    ranges = sorted((r.first, r.last, r.ivr) for r in estate.of(NumberRange))
    assert ranges == [
        ("+862161230000", "+862161230099", "ivr-main"),  # _+8621612300XX
        ("+862161231000", "+862161231000", "ivr-claims"),
        ("+862161231001", "+862161231009", "ivr-claims"),  # _+86216123100[1-9]
    ]
    ivrs = estate.index(IVR)
    main = ivrs["ivr-main"]
    hours = main.nodes[main.entry]
    assert isinstance(hours, ScheduleBranch)
    [schedule] = estate.of(Schedule)
    [week] = schedule.weekly
    # GotoIfTime(09:00-18:00,mon-fri,*,*) takes 18:00's minute in
    assert (week.days, week.open, week.close) == (
        ("mon", "tue", "wed", "thu", "fri"),
        "09:00",
        "18:01",
    )
    menu = main.nodes[hours.open]
    assert isinstance(menu, Menu)
    assert (menu.prompt, menu.timeout, menu.retries) == ("custom/welcome", timedelta(seconds=5), 0)
    assert {o.digit: type(main.nodes[o.next]).__name__ for o in menu.options} == {
        "1": "Queue",
        "2": "Queue",
        "0": "Transfer",
    }
    # `i` asks again for as long as the caller presses wrong keys: through a twin of the
    # menu, which comes back to it (a ccmsctl menu going to itself asks `retries` times)
    assert menu.on_invalid == f"{hours.open}-again"
    again = main.nodes[menu.on_invalid]
    assert isinstance(again, Menu) and again.on_invalid == hours.open
    assert (again.options, again.on_timeout) == (menu.options, menu.on_timeout)
    transfer = next(n for n in main.nodes.values() if isinstance(n, Transfer))
    assert transfer.to == "+862161239999"  # ${TRUNK}/${OPERATOR} from [globals]
    # MixMonitor just before Queue(claims): the group's recording, every call it takes
    assert ivrs["ivr-claims"].recording_class is None
    assert estate.index(SkillGroup)["claims"].recording_class == "recording"
    assert (tmp_path / "estate" / "prompts" / "zh-CN" / "custom" / "welcome.wav").read_bytes() == (
        SOUNDS / "zh" / "custom" / "welcome.wav"
    ).read_bytes()


def test_the_imported_estate_sends_calls_where_the_pbx_did(tmp_path: Path) -> None:
    """ccmsctl's simulator on the imported estate: open, a caller keying 1 queues to sales
    (recorded, then voicemail 9001); closed, the closed message, then a hang-up."""
    _import(tmp_path / "estate")
    estate = str(tmp_path / "estate")
    monday = "2026-12-07T10:00:00+08:00"
    evening = "2026-12-07T20:00:00+08:00"
    done = runner.invoke(
        app, ["simulate", estate, "+862161230005", "--at", monday, "--digits", "1"]
    )
    assert done.exit_code == 0, done.output
    assert "Ends: queue sales → voicemail 9001 (recorded: recording, CN)" in done.output
    done = runner.invoke(app, ["simulate", estate, "+862161230005", "--at", evening])
    assert "Path: hours-ivr-main (closed) → play-closed → hangup" in done.output


def test_every_line_is_modelled_or_listed_with_why(tmp_path: Path) -> None:
    status, output = _import(tmp_path / "estate", "--format", "json")
    assert status == 3
    report = json.loads(output)
    statements = {
        (s.span.file, s.span.line)
        for name in ("pjsip.conf", "queues.conf", "extensions.conf", "voicemail.conf")
        for s in read_config(PUDONG, name).statements
    }
    listed = {(r["file"], r["line"]) for r in report["residue"]}
    # each queue's Queue() gives its timeout: no max_wait is assumed
    assert not [a for a in report["assumed"] if a["field"] == "max_wait"]
    assert report["read"] == len(statements)
    assert report["modelled"] + len(listed) == len(statements)
    why = {(r["file"], r["line"]): r["why"] for r in report["residue"]}
    fax = "a phone without an extension of 2 to 8 digits and an auth section"
    assert why[("pjsip_phones.conf", 61)] == fax  # [fax](phone)
    assert why[("pjsip.conf", 50)] == "no field of the model says this"  # qualify_frequency
    assert ("pjsip.conf", 57) not in listed  # the #include: what it read is accounted for
    assert ("pjsip_phones.conf", 5) not in listed  # a template line the phones modelled
    assert ("pjsip.conf", 16) not in listed  # inside a ;-- --; comment: not a line
    assert why[("extensions.conf", 23)] == "ccmsctl's menus set their own timeouts"
    assert why[("extensions.conf", 42)].startswith("a context no trunk's calls reach")
    assert ("extensions.conf", 20) not in listed  # the GotoIfTime: the schedule
    assert ("extensions.conf", 28) not in listed  # VoiceMail after Queue: the overflow


def test_no_secret_reaches_the_estate_or_the_report(tmp_path: Path) -> None:
    status, output = _import(tmp_path / "estate")
    assert status == 3
    written = [p for p in (tmp_path / "estate").rglob("*") if p.is_file()]
    texts = [p.read_bytes() for p in written] + [output.encode()]
    texts.append(_import(tmp_path / "again", "--format", "json")[1].encode())
    for secret in SECRETS:
        assert not any(secret.encode() in text for text in texts), secret
    kept = (tmp_path / "estate.secrets.yml").read_text()
    assert "Ct;Secret-2019" in kept and "zw-7731" in kept
    assert (tmp_path / "estate.secrets.yml").stat().st_mode & 0o077 == 0


def test_the_same_pbx_gives_the_same_bytes(tmp_path: Path) -> None:
    _import(tmp_path / "one" / "estate")
    _import(tmp_path / "two" / "estate")

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    one, two = files(tmp_path / "one" / "estate"), files(tmp_path / "two" / "estate")
    assert one == two
    assert (tmp_path / "one" / "estate.secrets.yml").read_bytes() == (
        tmp_path / "two" / "estate.secrets.yml"
    ).read_bytes()
    assert {Path(name).name for name in one} >= {"trunks.yaml", "agents.yaml", "IMPORT.md"}


def test_a_file_asterisk_would_refuse_is_an_error_at_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "pbx"
    broken.mkdir()
    (broken / "pjsip.conf").write_text("[t](!)\ntype = endpoint\n[a](missing)\n")
    status, output = _import(tmp_path / "e", source=broken)
    assert status == 1
    assert "pjsip.conf:3:1" in output and "E1901" in output
    assert not (tmp_path / "e").exists()


def test_an_estate_folder_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "estate").mkdir()
    (tmp_path / "estate" / "keep.yaml").write_text("x: 1\n")
    status, output = _import(tmp_path / "estate")
    assert status == 1 and "E1902" in output
    assert not (tmp_path / "estate.secrets.yml").exists()


def test_a_value_the_model_refuses_leaves_its_section_out_with_why(tmp_path: Path) -> None:
    pbx = tmp_path / "pbx"
    pbx.mkdir()
    long_name = "N" * 80
    (pbx / "pjsip.conf").write_text(
        "[1001]\ntype = endpoint\nauth = 1001\naors = 1001\n"
        f'callerid = "{long_name}" <1001>\n'
        "[1001]\ntype = aor\nmax_contacts = 1\n"
        "[1001]\ntype = auth\nauth_type = userpass\nusername = 1001\npassword = p-1\n"
    )
    status, output = _import(tmp_path / "e", "--format", "json", source=pbx)
    assert status == 3, output
    why = {r["line"]: r["why"] for r in json.loads(output)["residue"]}
    assert why[1].startswith("the model refuses its display_name")
    assert not (tmp_path / "e" / "people" / "agents.yaml").exists()
    assert runner.invoke(app, ["validate", str(tmp_path / "e")]).exit_code == 0


def test_an_option_the_model_refuses_is_an_error(tmp_path: Path) -> None:
    status, output = _import(tmp_path / "e", site="Bad Site")
    assert status == 1
    assert "E1903" in output and "Bad Site" in output
    assert not (tmp_path / "e").exists() and not (tmp_path / "e.secrets.yml").exists()


def test_the_estate_is_in_fmts_layout(tmp_path: Path) -> None:
    _import(tmp_path / "estate")
    done = runner.invoke(app, ["fmt", str(tmp_path / "estate"), "--check"])
    assert done.exit_code == 0, done.output


def test_asterisks_sample_configuration_imports_with_every_line_listed(tmp_path: Path) -> None:
    """Asterisk's sample files (all of configs/samples in one folder): no trunk's context
    takes calls there, so little is modelled, but every line is read and accounted for and
    the estate validates."""
    samples = asterisk_samples(tmp_path / "samples")
    for name in NOT_CONFIGS:
        (samples / name).unlink()
    status, output = _import(tmp_path / "estate", "--format", "json", source=samples)
    assert status == 3
    report = json.loads(output)
    configs = {path.name: read_config(samples, path.name) for path in samples.glob("*.conf")}
    included = {file for name, c in configs.items() for file in c.files if file != name}
    statements = {
        s.span for name, c in configs.items() if name not in included for s in c.statements
    }
    assert report["read"] == len(statements) > 1500
    assert report["modelled"] + len(report["residue"]) == report["read"]
    assert runner.invoke(app, ["validate", str(tmp_path / "estate")]).exit_code == 0


def test_another_pbx_tls_a_language_menu_and_a_read(tmp_path: Path) -> None:
    """tests/pbx/jiading, written in another hand: a TLS carrier with SRTP, phones with
    hashed passwords, DIDs that set the caller's language before their Goto, a language
    menu, two opening windows to one place, Read() before a queue, a Dial after it."""
    status, output = _import(
        tmp_path / "estate",
        "--format",
        "json",
        source=JIADING,
        site="sh-2",
        sounds=JIADING_SOUNDS,
        edge="10.20.1.11",
    )
    assert status == 3, output
    why = {(r["file"], r["line"]): r["why"] for r in json.loads(output)["residue"]}
    assert runner.invoke(app, ["validate", str(tmp_path / "estate"), "--strict"]).exit_code == 0
    estate = load_estate(tmp_path / "estate").estate
    [trunk] = estate.of(Trunk)
    assert (trunk.transport, trunk.srtp, trunk.peers[0].port) == ("tls", True, 5061)
    [site] = estate.of(Site)
    assert site.tls is not None  # the edges end TLS now: its certificate, to add
    [ivr] = estate.of(IVR)
    assert ivr.name == "welcome"  # named after where the DIDs land, past Set and Goto
    entry = ivr.nodes[ivr.entry]
    assert isinstance(entry, LanguageSelect)
    assert [(o.digit, o.language) for o in entry.options] == [("1", "zh-CN"), ("2", "en-US")]
    [schedule] = estate.of(Schedule)
    assert [(w.days, w.open, w.close) for w in schedule.weekly] == [
        (("mon", "tue", "wed", "thu", "fri"), "08:30", "17:30"),
        (("sat",), "09:00", "12:00"),
    ]
    collect = next(n for n in ivr.nodes.values() if isinstance(n, Collect))
    assert (collect.prompt, collect.max_digits) == ("jiading/account", 8)
    [group] = estate.of(SkillGroup)
    assert group.overflow is not None and group.overflow.transfer == "+862131889999"
    [agent] = estate.of(Agent)
    assert agent.sip_password.secret == "vault:secrets/imported.yml#phone-2001"
    assert why[("extensions.conf", 23)].startswith("plays more than one sound")
    assert why[("extensions.conf", 28)] == "GotoIf: an application ccmsctl's IVRs do not have"
    assert why[("pjsip.conf", 51)] == "no field of the model says this"  # md5_cred


def test_the_pbxs_of_a_site_import_together(tmp_path: Path) -> None:
    """Two PBXs running one configuration but for their address: one estate, each a host
    of the site, every line of both accounted for; a PBX that differs is refused."""
    for name, address in (("a", "10.10.2.21"), ("b", "10.10.2.22")):
        shutil.copytree(PUDONG, tmp_path / name)
        pjsip = tmp_path / name / "pjsip.conf"
        pjsip.write_text(pjsip.read_text().replace("10.10.2.21", address))
    status, output = _import(tmp_path / "estate", "--format", "json", source=tmp_path / "a")
    alone = json.loads(output)
    done = runner.invoke(
        app,
        [
            *import_arguments(tmp_path / "both", "--format", "json", source=tmp_path / "a"),
            str(tmp_path / "b"),
        ],
    )
    both = json.loads(done.output)
    assert done.exit_code == status == 3
    assert both["read"] == 2 * alone["read"]
    assert both["modelled"] == 2 * alone["modelled"]
    assert {r["file"].split("/")[0] for r in both["residue"]} == {"a", "b"}
    [site] = load_estate(tmp_path / "both").estate.of(Site)
    assert [(h.name, str(h.address)) for h in site.hosts if "pbx" in h.roles] == [
        ("sh-1-pbx-1", "10.10.2.21"),
        ("sh-1-pbx-2", "10.10.2.22"),
    ]
    assert runner.invoke(app, ["validate", str(tmp_path / "both")]).exit_code == 0
    phones = tmp_path / "b" / "pjsip_phones.conf"
    phones.write_text(phones.read_text().replace("Zhang Wei", "Zhang W."))
    done = runner.invoke(app, [*import_arguments(tmp_path / "mixed"), str(tmp_path / "b")])
    assert done.exit_code == 1 and "E1905" in done.output
    assert not (tmp_path / "mixed").exists()


def test_two_places_of_one_kind_are_two_nodes(tmp_path: Path) -> None:
    """Two keys transferring to two numbers: two transfer nodes, each its own number."""
    pbx = tmp_path / "pbx"
    shutil.copytree(PUDONG, pbx)
    dialplan = pbx / "extensions.conf"
    dialplan.write_text(
        dialplan.read_text().replace(
            "exten => 0,1,Dial(${TRUNK}/${OPERATOR})",
            "exten => 0,1,Dial(${TRUNK}/${OPERATOR})\nexten => 8,1,Dial(PJSIP/ct/+862161238888)",
        )
    )
    status, output = _import(tmp_path / "estate", source=pbx)
    assert status == 3, output
    main = load_estate(tmp_path / "estate").estate.index(IVR)["ivr-main"]
    menu = main.nodes[main.nodes[main.entry].open]  # type: ignore[union-attr]
    assert isinstance(menu, Menu)
    dialled = {o.digit: main.nodes[o.next] for o in menu.options}
    assert isinstance(dialled["0"], Transfer) and isinstance(dialled["8"], Transfer)
    assert (dialled["0"].to, dialled["8"].to) == ("+862161239999", "+862161238888")


def test_prompts_without_a_playable_recording_are_silence_listed_to_record(
    tmp_path: Path,
) -> None:
    """No --sounds given, or a recording Asterisk has that the model does not play (16 kHz):
    the estate still validates, each such prompt 1 s of silence, listed as assumed with why."""
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS, sounds)
    wide = sounds / "zh" / "custom" / "welcome.wav"
    with wave.open(str(wide), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 1600)
    done = runner.invoke(
        app, import_arguments(tmp_path / "estate", "--format", "json", sounds=sounds)
    )
    assert done.exit_code == 3, done.output
    assert runner.invoke(app, ["validate", str(tmp_path / "estate")]).exit_code == 0
    assumed = {a["document"]: a["why"] for a in json.loads(done.output)["assumed"]}
    assert "16000 Hz" in assumed["Prompt/custom/welcome"]
    empty = tmp_path / "none"
    empty.mkdir()
    bare = runner.invoke(app, import_arguments(tmp_path / "bare", "--format", "json", sounds=empty))
    assert runner.invoke(app, ["validate", str(tmp_path / "bare")]).exit_code == 0
    silent = [a for a in json.loads(bare.output)["assumed"] if a["document"].startswith("Prompt/")]
    assert len(silent) >= 2 and all(a["value"] == "1 s of silence" for a in silent)


def test_a_pbx_whose_carrier_writes_national_numbers(tmp_path: Path) -> None:
    """tests/pbx/minhang: DIDs written nationally (021...), phones from templates, no sounds
    folder: an estate that validates, with its DIDs in E.164 and its trunk reading them."""
    out = tmp_path / "estate"
    arguments = import_arguments(out, source=MINHANG, site="minhang", sounds=tmp_path, edge="")
    done = runner.invoke(app, arguments)
    assert done.exit_code == 3, done.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    estate = load_estate(out).estate
    trunk = estate.index(Trunk)["cmcc"]
    assert trunk.national_numbers == "CN"
    spans = sorted(span for r in estate.of(NumberRange) for span in r.spans())
    assert spans == [
        (862154300100, 862154300100),
        (862154300110, 862154300119),
        (862154300199, 862154300199),
    ]
    assert sorted(estate.index(Agent)) == ["chen.jie", "liu.fang", "zhang.wei"]
    groups = estate.index(SkillGroup)
    assert groups["sales"].max_wait == timedelta(seconds=120) and groups["support"].recording_class
    assert len(estate.of(Schedule)) == 1 and sorted(estate.index(IVR)) == [
        "mainmenu",
        "support-direct",
    ]


def test_a_wizard_configuration_imports_as_its_pjsip_objects(tmp_path: Path) -> None:
    """tests/pbx/minhang-wizard: the Minhang PBX with its trunk and phones in
    pjsip_wizard.conf (a registering trunk, phones from a wizard template): the same trunk
    and agents as written out in pjsip.conf, and every wizard line accounted for."""
    pbx = tmp_path / "pbx"
    shutil.copytree(MINHANG, pbx)
    for path in (ROOT / "tests/pbx/minhang-wizard").iterdir():
        shutil.copy(path, pbx / path.name)
    out = tmp_path / "estate"
    arguments = import_arguments(
        out, "--format", "json", source=pbx, site="minhang", sounds=tmp_path, edge=""
    )
    done = runner.invoke(app, arguments)
    assert done.exit_code == 3, done.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    estate = load_estate(out).estate
    trunk = estate.index(Trunk)["cmcc"]
    assert trunk.registration and trunk.auth is not None
    assert [str(p.address) for p in trunk.peers] == ["198.51.100.7"]
    assert sorted(estate.index(Agent)) == ["chen.jie", "liu.fang", "zhang.wei"]
    assert len(estate.of(NumberRange)) == 3
    wizard = {
        r["line"]: r["why"]
        for r in json.loads(done.output)["residue"]
        if r["file"] == "pjsip_wizard.conf"
    }
    assert set(wizard) == {7, 9}  # the phones' transport and codecs, ccmsctl's own
