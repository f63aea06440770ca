"""The round trip: ccmsctl's own output, imported, compiles back to itself.

An estate is compiled; the PBX and edge folders of a site (with its twin's, for a twin
pair) are imported with `ccmsctl import asterisk PBX_DIR... --edges EDGE_DIR... [--twin]`
into a new estate, which validates; compiled again, it gives back every file of those PBXs
and edges (Asterisk's configuration, the retention cron jobs, the prompts, Kamailio's
configuration and lists, keepalived's), up to this normalisation (`normalised`):

- comment lines: they name documents no configuration line names (agents, number ranges,
  retention classes of voicemail and logs, the twin pair), and what each file is made from;
- the order of a trunk context's DID lines in extensions.conf: ccmsctl lists them by the
  names of their ranges, which are in comments only;
- dispatcher set ids (dispatcher.list, db/did, kamailio.cfg's outbound set): ccmsctl numbers
  them by a site's place among all the estate's sites, which the sites imported do not know;
  both sides are renumbered in the order they first appear;
- the edges of sites not imported (the estate's other sites) in a PBX's identify list.

Over the example's sites, the fixtures' base and warning estates, and the bench
generator's estate (its twin pairs), each picked at random."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bench.generate import generate
from ccmsctl.cli.main import app
from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate, EstateInfo
from ccmsctl.model.site import Site
from ccmsctl.model.twinpair import TwinPair
from tests.conftest import BASE, EXAMPLE, FIXTURES, fixture_estate

runner = CliRunner()
WARNINGS = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("W"))
_SET = re.compile(r"^(\d+) sip:|:0:1:(\d+):0$|ds_select_dst\(\"(\d+)\"")


@cache
def _estate(which: str, folder: Path) -> tuple[Estate, dict[str, dict[str, bytes]]]:
    """An estate of the round trip by name, loaded and compiled (once per run)."""
    if which == "example":
        root = EXAMPLE
    elif which == "bench":
        root = folder / "bench"
        generate(root, dids=5000)
    else:
        root = BASE if which == "_base" else fixture_estate(which, folder / which)
    estate = load_estate(root).estate
    return estate, compile_estate(estate).hosts


def _groups(estate: Estate) -> list[tuple[str, str]]:
    """Each site on its own, or with its twin: (site, twin or "")."""
    found, done = [], set()
    for site in sorted(estate.index(Site)):
        if site in done:
            continue
        _, twin = estate.twin_of(site)
        found.append((site, twin or ""))
        done |= {site, twin}
    return found


def _language(estate: Estate) -> str:
    ivrs = estate.of(IVR)
    infos = estate.of(EstateInfo)
    return ivrs[0].language if ivrs and ivrs[0].language else infos[0].default_language


def _import(
    estate: Estate, hosts: dict[str, dict[str, bytes]], group: tuple[str, str], into: Path
) -> tuple[Path, list[str]]:
    """The group's hosts written out and imported; the hosts' names."""
    sites = estate.index(Site)
    site, twin = group
    names = [h.name for s in group if s for h in sites[s].hosts]
    for name in names:
        for path, content in hosts[name].items():
            target = into / "build" / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    pbxs = [h.name for s in group if s for h in sites[s].hosts_with("pbx")]
    edges = [h.name for s in group if s for h in sites[s].hosts_with("edge")]
    first = sites[site]
    arguments = [
        "import",
        "asterisk",
        *(str(into / "build" / name / "etc/asterisk") for name in pbxs),
        *(option for name in edges for option in ("--edges", str(into / "build" / name / "etc"))),
        *(["--twin", twin] if twin else []),
        "--out",
        str(into / "estate"),
        "--site",
        site,
        "--country",
        first.country,
        "--region",
        first.region,
        "--timezone",
        first.timezone,
        "--language",
        _language(estate),
        "--sounds",
        str(into / "build" / pbxs[0] / "var/lib/asterisk/ccmsctl-prompts"),
    ]
    done = runner.invoke(app, arguments)
    assert done.exit_code in (0, 3), done.output
    return into / "estate", names


def normalised(path: str, text: str, others: frozenset[str]) -> list[str]:
    """A file as the round trip compares it (the module's docstring says why)."""
    comment = ";" if path.startswith("etc/asterisk/") else "#"
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(comment)]
    if path.endswith("pjsip.conf"):
        lines = [
            "match = " + ",".join(a for a in line[8:].split(",") if a not in others)
            if line.startswith("match = ")
            else line
            for line in lines
        ]
    if path.endswith("extensions.conf"):
        out: list[str] = []
        dids: list[str] = []
        for line in [*lines, ""]:
            if line.startswith("exten => _+") and "Goto(did-" in line:
                dids.append(line)
                continue
            out += sorted(dids)
            dids = []
            out.append(line)
        lines = out[:-1]
    if path.startswith("etc/kamailio/"):
        ids: dict[str, str] = {}

        def renumber(match: re.Match[str]) -> str:
            number = next(group for group in match.groups() if group)
            new = ids.setdefault(number, f"S{len(ids)}")
            return match.group(0).replace(number, new)

        lines = [_SET.sub(renumber, line) for line in lines]
    return lines


def _round_trip(which: str, pick: int, work: Path, attempt: str = "picked") -> int:
    """The round trip of group `pick` of estate `which` (0 if this `attempt` did it)."""
    estate, hosts = _estate(which, work / "estates")
    groups = _groups(estate)
    group = groups[pick % len(groups)]
    into = work / attempt / f"{which}-{'-'.join(s for s in group if s)}"
    if into.exists():  # imported already (an earlier example picked it)
        return 0
    imported, names = _import(estate, hosts, group, into)
    assert runner.invoke(app, ["validate", str(imported)]).exit_code == 0
    again = compile_estate(load_estate(imported).estate).hosts
    ours = {str(h.address) for s in group if s for h in estate.index(Site)[s].hosts}
    others = frozenset(
        str(h.address) for site in estate.of(Site) for h in site.hosts if str(h.address) not in ours
    )
    vips = {str(vip.address) for pair in estate.of(TwinPair) for vip in pair.vips}
    others |= vips - ours
    compared = 0
    for name in names:
        assert sorted(again[name]) == sorted(hosts[name]), name
        for path, content in hosts[name].items():
            if path.endswith(".wav"):
                assert again[name][path] == content, (name, path)
                continue
            before = normalised(path, content.decode(), others)
            after = normalised(path, again[name][path].decode(), others)
            assert after == before, (name, path)
            compared += 1
    return compared


ESTATES = ["example", "_base", *WARNINGS, "bench"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("round-trip")


@settings(max_examples=12, deadline=None)
@given(which=st.sampled_from(ESTATES), pick=st.integers(0, 24))
def test_an_imported_site_compiles_back_to_its_files(work: Path, which: str, pick: int) -> None:
    _round_trip(which, pick, work)


@pytest.mark.parametrize("which", ["example", "_base", *WARNINGS])
def test_every_site_compiles_back(which: str, work: Path) -> None:
    estate, _ = _estate(which, work / "estates")
    picks = range(len(_groups(estate)))
    compared = sum(_round_trip(which, pick, work, "every") for pick in picks)
    assert compared > 40
