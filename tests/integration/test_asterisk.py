"""Every PBX host's compiled files, loaded by a real Asterisk 22 (built by bootstrap --dev from
the vendored sources where none is installed): it logs no ERROR and no WARNING, and what it
loaded is what the model says: the endpoints (trunks and agents' phones, each agent with its
password), the dialplan's contexts, the queues with their members and penalties.

The example's PBXs are all tested; of the bench generator's estate (50 uniform sites), the
four PBXs of its first twin pair, each loading the dialplan of about 4,000 DIDs."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ccmsctl.compile.monitoring.names import PBX_CHANNELS, PBX_METRICS_PORT
from ccmsctl.load.estate import load_estate
from ccmsctl.model.agent import Agent
from ccmsctl.model.ivr import IVR, Queue
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from tests.asterisk_check import check_plugin, host_answer
from tests.conftest import EXAMPLE, ROOT
from tests.integration.realworld import Pbx, asterisk, asterisk_pbx, build_lab

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate

BENCH_PBXS = ("s00-pbx-1", "s00-pbx-2", "s01-pbx-1", "s01-pbx-2")


@dataclass(frozen=True)
class Expected:
    """What a PBX of a site serves, read from the model."""

    endpoints: set[str]
    auths: set[str]
    registrations: set[str]
    contexts: set[str]
    members: dict[str, dict[str, int]]  # queue -> member interface -> penalty


def expected(estate: Estate, site: str) -> Expected:
    served = estate.site_and_twin(site)
    ranges = [r for r in estate.of(NumberRange) if r.site in served]
    trunks = {r.trunk for r in ranges} | {t.name for t in estate.of(Trunk) if site in t.sites}
    by_trunk = estate.index(Trunk)
    agents = [a for a in estate.of(Agent) if a.site in served]
    ivrs = [estate.index(IVR)[name] for name in sorted({r.ivr for r in ranges})]
    groups = estate.index(SkillGroup)
    todo = [n.skill_group for ivr in ivrs for n in ivr.nodes.values() if isinstance(n, Queue)]
    reached: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            overflow = groups[name].overflow
            if overflow and overflow.skill_group:
                todo.append(overflow.skill_group)
    members = {
        name: {
            f"PJSIP/{a.extension}": 10 - min(a.skills[s] for s in groups[name].skills)
            for a in agents
            if all(s in a.skills for s in groups[name].skills)
        }
        for name in reached
    }
    authenticating = {t for t in trunks if by_trunk[t].auth is not None}
    return Expected(
        endpoints={f"trunk-{t}" for t in trunks} | {a.extension for a in agents} | {"edges"},
        auths={f"trunk-{t}-auth" for t in authenticating} | {f"{a.extension}-auth" for a in agents},
        registrations={
            f"trunk-{t}-registration" for t in authenticating if by_trunk[t].registration
        },
        contexts={f"from-trunk-{t}" for t in trunks}
        | {f"did-{r.trunk}-{r.ivr}" for r in ranges}
        | {f"ivr-{ivr.name}-{node}" for ivr in ivrs for node in ivr.nodes}
        | {f"queue-{g}" for g in reached}
        | {"internal", "from-edges"},
        members=members,
    )


def loaded(pbx: Pbx) -> Expected:
    """What the running Asterisk has loaded, read from its CLI."""
    endpoints = set(re.findall(r"^ Endpoint:  ([^\s/<]+)", pbx.cli("pjsip show endpoints"), re.M))
    auths = set(re.findall(r"^ +Auth:  ([^\s/<]+)", pbx.cli("pjsip show auths"), re.M))
    registrations = set(
        re.findall(
            r"^ ([^\s/<]+)/\S+ +\S+ +(?:Registered|Unregistered|Rejected)",
            pbx.cli("pjsip show registrations"),
            re.M,
        )
    )
    contexts = set(
        re.findall(
            r"^\[ Context '([^']+)' created by 'pbx_config' \]", pbx.cli("dialplan show"), re.M
        )
    )
    members: dict[str, dict[str, int]] = {}
    queue = None
    for line in pbx.cli("queue show").splitlines():
        if found := re.match(r"^(\S+) has \d+ calls", line):
            queue = found.group(1)
            members[queue] = {}
        elif queue and (member := re.search(r"\((PJSIP/[^)\s]+)\)|^\s+(PJSIP/\S+)", line)):
            penalty = re.search(r"with penalty (\d+)", line)
            members[queue][member.group(1) or member.group(2)] = (
                int(penalty.group(1)) if penalty else 0
            )
    return Expected(endpoints, auths, registrations, contexts, members)


def check_pbx(root: Path, estate: Estate, site: str) -> None:
    with asterisk_pbx(root) as pbx:
        assert loaded(pbx) == expected(estate, site)
        applications = pbx.cli("core show applications")
        used = set(
            re.findall(
                r"^ *(?:exten => [^,]+,\S+|same => n(?:\(\w+\))?),(\w+)\(",
                (root / "etc/asterisk/extensions.conf").read_text(),
                re.M,
            )
        )
        missing = [app for app in used if not re.search(rf"^ *{app}: ", applications, re.M | re.I)]
        assert not missing, f"applications not loaded: {missing}"
        assert _metrics(root) >= {PBX_CHANNELS, "asterisk_endpoints_state", "asterisk_calls_count"}
        assert pbx.problems() == []


def _metrics(root: Path) -> set[str]:
    """The metric names the PBX serves Prometheus (res_prometheus on its http.conf
    address), read with prometheus_client's parser."""
    bind = re.search(r"^bindaddr = (\S+)", (root / "etc/asterisk/http.conf").read_text(), re.M)
    assert bind is not None
    url = f"http://{bind.group(1)}:{PBX_METRICS_PORT}/metrics"
    with urllib.request.urlopen(url, timeout=10) as reply:
        text = reply.read().decode()
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def _pbx_hosts(estate: Estate) -> list[tuple[str, str]]:
    return sorted(
        (host.name, site.name)
        for site in estate.of(Site)
        for host in site.hosts
        if "pbx" in host.roles
    )


EXAMPLE_ESTATE = load_estate(EXAMPLE).estate


@pytest.fixture(scope="module")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    into = tmp_path_factory.mktemp("example-pbx")
    build_lab(EXAMPLE, into)
    return into


@pytest.fixture(scope="module")
def bench_lab(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Estate]:
    estate_dir = tmp_path_factory.mktemp("bench-estate")
    generate(estate_dir)
    into = tmp_path_factory.mktemp("bench-pbx")
    estate = load_estate(estate_dir).estate
    build_lab(estate, into, only=BENCH_PBXS)
    return into, estate


def test_asterisk_is_22() -> None:
    program = asterisk()
    version = subprocess.run(
        [str(program), "-V"], capture_output=True, text=True, timeout=30, check=False
    )
    assert version.stdout.startswith("Asterisk 22."), version.stdout + version.stderr


@pytest.mark.parametrize(("host", "site"), _pbx_hosts(EXAMPLE_ESTATE))
def test_asterisk_loads_the_example_pbx(example_files: Path, host: str, site: str) -> None:
    check_pbx(example_files / host, EXAMPLE_ESTATE, site)


@pytest.mark.parametrize("host", BENCH_PBXS)
def test_asterisk_loads_the_bench_estate_pbx(bench_lab: tuple[Path, Estate], host: str) -> None:
    into, estate = bench_lab
    site = next(s.name for s in estate.of(Site) for h in s.hosts if h.name == host)
    check_pbx(into / host, estate, site)


def test_the_health_check_loads_what_a_reload_does_not_and_names_what_asterisk_refuses(
    tmp_path: Path,
) -> None:
    """The asterisk role's check (ccms_asterisk) against a real Asterisk: the compiled PBX
    passes; `core reload` loads no module modules.conf newly lists, which the check then
    loads; a module this Asterisk does not have fails it, and so does a stopped Asterisk."""
    plugin = check_plugin()
    build_lab(EXAMPLE, tmp_path, only=("sh1-pbx-1",))
    root = tmp_path / "sh1-pbx-1"
    etc = root / "etc/asterisk"
    cli = [str(asterisk()), "-C", str(etc / "asterisk.conf"), "-rx"]
    with asterisk_pbx(root) as pbx:
        answer = host_answer(str(etc), cli)
        assert plugin.problems(plugin.expected(answer), plugin.running(answer), {}) == []
        modules = etc / "modules.conf"
        modules.write_text(modules.read_text() + "load = res_srtp.so\nload = res_absent.so\n")
        pbx.cli("core reload")
        answer = host_answer(str(etc), cli)
        want, have = plugin.expected(answer), plugin.running(answer)
        assert {"res_srtp.so", "res_absent.so"} <= set(want.modules) - have.modules
        answer = host_answer(str(etc), cli, load=("res_absent.so", "res_srtp.so"))
        assert answer["module load res_srtp.so"].startswith("Loaded res_srtp.so")
        assert "Unable to load module res_absent.so" in answer["module load res_absent.so"]
        have = plugin.running(answer)
        assert plugin.problems(want, have, {}) == [
            "modules.conf loads what Asterisk does not run: res_absent.so"
        ]
    answer = host_answer(str(etc), cli)
    stopped = plugin.problems(plugin.expected(answer), plugin.running(answer), {})
    assert stopped[0] == "Asterisk does not answer its CLI, or has not finished booting"
