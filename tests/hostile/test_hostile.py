"""Hostile and broken input, as a new user and as an attacker would write it: every case is
refused with a located finding (or a clean error), never a traceback, never a half-written or
clobbered folder, never a value that adds a line to a generated file."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ccmsctl import tooling
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.render import Renderer, TemplateBugError, UnsafeValueError
from ccmsctl.load.estate import load_estate
from ccmsctl.model.agent import Agent
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from tests.conftest import BASE, EXAMPLE, brief, ccmsctl, findings_of

MEMORY_LIMIT = 4_000_000 * 1024  # ulimit -v 4000000


def overlay(tmp_path: Path, files: dict[str, str]) -> Path:
    """The base fixture estate with `files` laid over it."""
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    for name, text in files.items():
        (estate / name).write_text(text, encoding="utf-8")
    return estate


def codes_at(estate: Path) -> list[str]:
    return [brief(finding, estate) for finding in findings_of(estate)]


DEVICE = """kind: NetworkDevice
name: sw-1
site: site-a
platform: {platform}
management: 10.1.0.9
credentials: {{username: ccmsctl, password: {{secret: env:SW_PASSWORD}}}}
voice_vlan: {{id: 110, name: voice}}
{field}: ["{value}"]
"""


@pytest.mark.parametrize(
    ("platform", "field", "value"),
    [
        ("cisco_ios", "access_ports", "Gi1/0/1\\nusername evil privilege 15 secret x"),
        ("juniper_junos", "uplinks", "ge-0/0/1\\nset system login user evil class super-user"),
        ("arista_eos", "access_ports", "Ethernet1 ; username evil"),
        ("huawei_vrp", "uplinks", "GE0/0/1\\u2028local-user evil"),
    ],
)
def test_newline_in_a_port_injects_no_device_command(
    tmp_path: Path, platform: str, field: str, value: str
) -> None:
    estate = overlay(
        tmp_path,
        {"device.yaml": DEVICE.format(platform=platform, field=field, value=value)},
    )
    assert codes_at(estate) == [f"device.yaml:8:{len(field) + 4}: error[E0104]"]


AGENT = """kind: Agent
name: agent-2
display_name: "{value}"
site: site-a
extension: "1002"
sip_password: {{secret: env:PHONE_1002}}
languages: [zh-CN]
skills: {{service: 5}}
"""


@pytest.mark.parametrize(
    "value",
    [
        "Eve\\n[evil]\\ntype=endpoint",
        "Eve,PJSIP/9999",  # a queue member's fourth field is its state interface
        "Eve<9999>",
        "Eve\\u202e",  # right-to-left override: hides text from a reviewer
        "Eve\\r",
    ],
)
def test_agent_display_name_cannot_add_pjsip_or_queue_structure(tmp_path: Path, value: str) -> None:
    estate = overlay(tmp_path, {"agent2.yaml": AGENT.format(value=value)})
    assert codes_at(estate) == ["agent2.yaml:3:15: error[E0104]"]


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('carrier: "Evil\\n[trunk-x]\\ntype=endpoint"', "trunk.yaml:3:10: error[E0104]"),
        (
            'carrier: Evil\nauth: {username: "u\\n[evil]", password: {secret: env:P}}',
            "trunk.yaml:4:18: error[E0104]",
        ),
    ],
)
def test_trunk_strings_cannot_add_sections(tmp_path: Path, line: str, where: str) -> None:
    trunk = f"""kind: Trunk
name: second
{line}
sites: [site-a]
peers: [{{address: 198.51.100.7}}]
channels: 30
"""
    estate = overlay(tmp_path, {"trunk.yaml": trunk})
    assert codes_at(estate) == [where]


def test_renderer_refuses_what_the_model_would_have_refused() -> None:
    """The last gate: a value that slipped past the model (built without validation here)
    never reaches a generated file."""
    loaded = load_estate(BASE)
    [agent] = loaded.estate.of(Agent)
    forged = agent.model_copy(update={"display_name": "Eve\n[evil]"})
    documents = dict(loaded.estate.documents)
    documents["Agent"] = (forged,)
    with pytest.raises(UnsafeValueError, match="asterisk") as refused:
        compile_estate(Estate(documents=documents))
    # located: the site (its PBXs share the agents' sections), the template and its line
    site = next(s.name for s in loaded.estate.of(Site) if s.hosts_with("pbx"))
    where = rf"Site/{site}: templates/asterisk/\S+\.j2:\d+: refusing to print "
    assert re.match(where, str(refused.value)), str(refused.value)


def test_a_template_fault_names_its_line_and_what_was_compiled(tmp_path: Path) -> None:
    """A bug in a template (here one that prints what its context lacks) is still a bug,
    but its report says which template line, and for which host and document."""
    templates = tmp_path / "templates"
    shutil.copytree(tooling.templates(), templates)
    broken = templates / "kamailio" / "kamailio.cfg.j2"
    lines = broken.read_text().splitlines()
    lines.insert(3, "{{ edge.no_such_field }}")
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(TemplateBugError) as fault:
        compile_estate(load_estate(BASE).estate, renderer=Renderer(templates))
    edge = next(
        h.name for s in load_estate(BASE).estate.of(Site) for h in s.hosts if "edge" in h.roles
    )
    assert re.match(
        rf"host {edge} of Site/\S+: templates/kamailio/kamailio.cfg.j2:4: UndefinedError: ",
        str(fault.value),
    ), str(fault.value)


def test_plan_base_never_reads_a_revision_as_an_option(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(BASE, repository / "estate")
    git = ["git", "-C", str(repository), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "estate"], check=True)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    result = ccmsctl("plan", "estate", "--base", f"--output={victim}", cwd=repository)
    assert result.returncode == 1
    assert "is not a Git revision" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "precious\n"


def test_compile_never_replaces_a_folder_it_did_not_write(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "icons").mkdir(parents=True)
    (web / "index.html").write_text("<html>")
    (web / "manifest.json").write_text("{}")
    result = ccmsctl("compile", str(BASE), "--out", str(web), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "not written by ccmsctl" in result.stderr
    assert sorted(p.name for p in web.iterdir()) == ["icons", "index.html", "manifest.json"]
    build = tmp_path / "build"
    for _ in range(2):  # its own build it replaces
        assert ccmsctl("compile", str(BASE), "--out", str(build), cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("where", ["inside", "file", "holder"])
def test_compile_refuses_an_out_folder_that_would_hurt(tmp_path: Path, where: str) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    out = {"inside": estate / "build", "file": tmp_path / "a-file", "holder": tmp_path}[where]
    if where == "file":
        out.write_text("mine\n")
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    result = ccmsctl("compile", str(estate), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error[E1") and "Traceback" not in result.stderr
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before
    assert codes_at(estate) == []


@pytest.mark.parametrize(("options", "reason"), [("size=64k", "No space"), ("ro", "Read-only")])
def test_compile_onto_a_full_or_read_only_disk_changes_nothing(
    tmp_path: Path, options: str, reason: str
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr!r}")
    try:
        result = ccmsctl("compile", str(EXAMPLE), "--out", str(disk / "build"), cwd=tmp_path)
        assert result.returncode == 1
        assert reason in result.stderr and "nothing was changed" in result.stderr
        assert "Traceback" not in result.stderr
        assert list(disk.iterdir()) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 200_000, "a:\n" + "".join(f"{' ' * (2 * i)}- b:\n" for i in range(1, 3000))],
    ids=["200000-brackets", "3000-nested-sequences"],  # short: the id is in the environment
)
def test_deep_nesting_is_a_located_error_within_memory(tmp_path: Path, text: str) -> None:
    estate = overlay(tmp_path, {"deep.yaml": text})
    result = subprocess.run(
        [sys.executable, "-m", "ccmsctl", "validate", str(estate)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited,  # a memory limit for the child only
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"{estate}/deep.yaml:" in result.stdout
    assert "nesting deeper than 64 levels" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an overflowing duration
        (
            "kind: RetentionPolicy\nname: forever\njurisdiction: CN\nclasses:\n"
            "  - {name: r2, data_class: cdr, keep: 1000000000d, store: [site-a]}\n",
            ["extra.yaml:5:39: error[E0104]"],
        ),
        # a hundred million DIDs: refused before compile
        (
            "kind: NumberRange\nname: huge\ntrunk: carrier\nsite: site-a\nivr: main\n"
            'first: "+8621000000000"\nlast: "+8621099999999"\n',
            ["extra.yaml:2:7: error[E0303]", "extra.yaml:7:7: error[E0303]"],
        ),
        # a burst pool whose region is not in its country
        (
            "kind: BurstPool\nname: burst\nprovider: aws\nregion: us-east-1\ncountry: CN\n"
            "node_template: pbx\nmin: 0\nmax: 2\nnode_channels: 30\nserves: [site-a]\n"
            "subnet: 10.99.0.0/29\n"
            "data_classes: [cdr]\n"
            "trigger: {metric: cpu, above: 80, for: 5m}\n",
            ["extra.yaml:5:10: error[E0704]"],
        ),
        # a data class with no rule in its jurisdiction's policy
        (
            "kind: BurstPool\nname: burst\nprovider: aliyun\nregion: cn-shanghai\ncountry: CN\n"
            "node_template: pbx\nmin: 0\nmax: 2\nnode_channels: 30\nserves: [site-a]\n"
            "subnet: 10.99.0.0/29\n"
            "data_classes: [transcript]\n"
            "trigger: {metric: cpu, above: 80, for: 5m}\n",
            ["extra.yaml:12:16: error[E0703]"],
        ),
        # a site whose jurisdiction has no policy at all
        (
            "kind: Site\nname: site-jp\ncountry: JP\nregion: tokyo\ntimezone: Asia/Tokyo\n",
            ["extra.yaml:3:10: error[E0702]"],
        ),
        # two agents, one extension
        (
            "kind: Agent\nname: agent-9\ndisplay_name: Agent Nine\nsite: site-b\n"
            'extension: "1001"\nsip_password: {secret: env:PHONE_1001}\n'
            "languages: [zh-CN]\nskills: {service: 5}\n",
            ["people.yaml:15:12: error[E0203]"],
        ),
        # two twin pairs claiming one site, opposite primaries
        (
            "kind: TwinPair\nname: reversed\nsites: [site-b, site-a]\nmode: active-standby\n"
            "primary: site-b\nrto: 60s\n",
            ["sites.yaml:26:9: error[E0604]", "sites.yaml:26:17: error[E0604]"],
        ),
        # a VIP that is a host's own address
        (
            "kind: Gateway\nname: gw\nsite: site-a\nvendor: AudioCodes\naddress: 10.1.0.1\n",
            ["extra.yaml:5:10: error[E0204]"],
        ),
        # a second Estate document
        (
            "kind: Estate\nname: other\nformat: 2\nsip_domain: other.example\n",
            ["sites.yaml:2:7: error[E0008]"],
        ),
        # an IPv6 carrier peer: refused, not written into an IPv4 ACL
        (
            "kind: Trunk\nname: v6\ncarrier: V6 Telecom\nsites: [site-a]\n"
            "peers: [{address: '2001:db8::7'}]\nchannels: 30\n",
            ["extra.yaml:5:19: error[E0104]"],
        ),
    ],
)
def test_unbounded_and_fail_open_input_is_refused(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    estate = overlay(tmp_path, {"extra.yaml": text})
    assert codes_at(estate) == expected


def test_a_twin_vip_on_a_host_address_is_refused(tmp_path: Path) -> None:
    sites = (BASE / "sites.yaml").read_text() + "vips: [{site: site-a, address: 10.1.0.2}]\n"
    estate = overlay(tmp_path, {"sites.yaml": sites})
    assert codes_at(estate) == ["sites.yaml:30:32: error[E0204]"]


def test_an_estate_without_an_estate_document_is_refused(tmp_path: Path) -> None:
    sites = (BASE / "sites.yaml").read_text().split("---\n", 1)[1]
    estate = overlay(tmp_path, {"sites.yaml": sites})
    assert codes_at(estate) == ["compliance.yaml:1:1: error[E0008]"]


def test_links_leaving_the_estate_are_not_followed(tmp_path: Path) -> None:
    estate = overlay(tmp_path, {})
    (estate / "passwd.yaml").symlink_to("/etc/passwd")
    (estate / "env.yaml").symlink_to("/proc/self/environ")
    (estate / "loop").symlink_to(estate)
    (estate / "nowhere.yaml").symlink_to(tmp_path / "missing")
    findings = findings_of(estate)
    assert [brief(f, estate) for f in findings] == [
        "env.yaml:1:1: error[E0007]",
        "loop:1:1: error[E0007]",
        "nowhere.yaml:1:1: error[E0007]",
        "passwd.yaml:1:1: error[E0007]",
    ]
    assert not any("root" in f.message + f.hint for f in findings)


def test_an_unreadable_folder_is_an_error_not_a_skip(tmp_path: Path) -> None:
    """Root reads every folder; the check runs without the capabilities that allow it."""
    estate = overlay(tmp_path, {})
    hidden = estate / "private"
    hidden.mkdir()
    shutil.move(estate / "people.yaml", hidden / "people.yaml")
    hidden.chmod(0)
    try:
        result = subprocess.run(
            [
                "setpriv",
                "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search",
                sys.executable,
                "-m",
                "ccmsctl",
                "validate",
                str(estate),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        hidden.chmod(0o755)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{hidden}:1:1: error[E0005]: Permission denied" in result.stdout


def test_github_annotations_cannot_carry_workflow_commands(tmp_path: Path) -> None:
    sites = (
        (BASE / "sites.yaml")
        .read_text()
        .replace(
            "region: cn-east\n",
            'region: cn-east\n"x\\n::stop-commands::t\\n::error::owned": 1\n',
            1,
        )
    )
    estate = overlay(tmp_path, {"sites.yaml": sites})
    result = ccmsctl("validate", str(estate), "--format", "github", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert "stop-commands" in result.stdout
    text = ccmsctl("validate", str(estate), cwd=tmp_path)
    assert not any(line.startswith("::") for line in text.stdout.splitlines())


def test_a_tab_is_the_cause_and_is_reported_first(tmp_path: Path) -> None:
    sites = (BASE / "sites.yaml").read_text().replace("  - {name: b-pbx", "\t- {name: b-pbx")
    estate = overlay(tmp_path, {"sites.yaml": sites})
    findings = findings_of(estate)
    assert [f.code for f in findings][:1] == ["E0001"]
    assert findings[0].hint.startswith("YAML is indented with spaces")
    assert not any(f.code == "E0202" for f in findings), findings


def test_hints_stay_in_their_jurisdiction(tmp_path: Path) -> None:
    extra = (
        "kind: Site\nname: site-hk\ncountry: HK\nregion: hk\ntimezone: Asia/Hong_Kong\n---\n"
        "kind: RetentionPolicy\nname: cn-typo\njurisdiction: CN\nclasses:\n"
        "  - {name: rec2, data_class: recording, keep: 365d, store: [site-h]}\n"
    )
    estate = overlay(tmp_path, {"extra.yaml": extra})
    [dangling] = [f for f in findings_of(estate) if f.code == "E0202"]
    assert "site-hk" not in dangling.hint


ALERTING = """kind: Alerting
name: ops
receiver: {receiver}
thresholds:
  - name: trunk-busy
    metric: ccms_trunk_channel_utilisation
    above: 0.9
    for: 5m
    runbook: {runbook}
"""


@pytest.mark.parametrize(
    ("receiver", "runbook", "where"),
    [
        ("ops", '"{{ query \\"up\\" }}"', "9:14"),  # a Go template in an annotation
        ('"ops {{ $value }}"', "see the wiki", "3:11"),  # and in the receiver label
        ('"ops\\"}, {receiver=\\"x"', "see the wiki", "3:11"),  # a matcher broken out of
    ],
)
def test_alerting_strings_cannot_become_templates_or_matchers(
    tmp_path: Path, receiver: str, runbook: str, where: str
) -> None:
    text = ALERTING.format(receiver=receiver, runbook=runbook)
    estate = overlay(tmp_path, {"alerting.yaml": text})
    found = codes_at(estate)
    assert len(found) == 1 and found[0].startswith(f"alerting.yaml:{where}: error["), found


def _output_cases(tmp_path: Path) -> list[tuple[list[str], dict[str, str], str]]:
    """(command, environment, what the error says) for outputs that cannot be written."""
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("mine\n")
    review = ["plan", str(EXAMPLE), "--base", "HEAD", "--format", "markdown", "--comment-dir"]
    erase = ["erase", str(EXAMPLE), "--caller", "+8613812345678", "--request", "R-1", "--out"]
    return [
        (["report", str(EXAMPLE), "--out", "missing/report.md"], {}, "no folder missing"),
        (["report", str(EXAMPLE), "--out", "a-folder"], {}, "is a folder"),
        (
            [*review, str(tmp_path / "a-file")],
            {},
            "not a folder",
        ),
        (["report", str(EXAMPLE), "--out", "r.md"], {"SOURCE_DATE_EPOCH": "abc"}, "SOURCE_DATE"),
        (
            ["report", str(EXAMPLE), "--out", "r.md"],
            {"SOURCE_DATE_EPOCH": "99999999999999"},
            "SOURCE_DATE_EPOCH",
        ),
        (
            [*erase, "erasure"],
            {"SOURCE_DATE_EPOCH": "99999999999999"},
            "SOURCE_DATE_EPOCH",
        ),
    ]


def test_outputs_that_cannot_be_written_are_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for command, environment, said in _output_cases(tmp_path):
        before = sorted(p.name for p in tmp_path.iterdir())
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        done = subprocess.run(
            [sys.executable, "-m", "ccmsctl", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        )
        for name in environment:
            monkeypatch.delenv(name)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and said in done.stderr, (command, done.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == before, command  # nothing written


def test_fmt_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    estate = tmp_path / "estate"
    shutil.copytree(BASE, estate)
    (estate / "latin1.yaml").write_bytes(b"kind: Agent\nname: caf\xe9\n")
    done = ccmsctl("fmt", str(estate), "--check", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{estate / 'latin1.yaml'}:2:10: error[E0005]" in done.stderr
