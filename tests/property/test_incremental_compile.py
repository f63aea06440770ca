"""Compile's cache of sites (ccmsctl/compile/memo.py) never changes what is compiled: over
random edits of the example (agents moved, numbers renumbered, hosts readdressed, groups,
IVRs, trunks, retention and prompts changed, documents reordered and dropped), a compile
with the cache warm from the estates before gives exactly the artifacts of a full compile;
a change recompiles only the sites whose compile read it; a damaged or foreign entry, or
changed templates, is a miss."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.memo import MAGIC, SiteMemo
from ccmsctl.compile.render import Renderer
from ccmsctl.load.estate import Loaded, load_estate
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.store import SignedStore
from ccmsctl.tooling import templates
from ccmsctl.validate.run import validate_estate
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.no_cover

# (file, the text, what it becomes): each keeps the example valid or is skipped
EDITS = [
    ("people/agents.yaml", 'extension: "1001"', 'extension: "1091"'),
    ("people/agents.yaml", 'site: sh-1\nextension: "1002"', 'site: sh-2\nextension: "1002"'),
    ("people/agents.yaml", "display_name: Zhang Wei", "display_name: Zhang Wei Jr"),
    ("people/agents.yaml", "  sales: 8\n", "  sales: 3\n"),
    ("carriers/numbers.yaml", 'last: "+862161230099"', 'last: "+862161230089"'),
    ("carriers/numbers.yaml", "site: sh-1\nivr: claims-cn", "site: sh-2\nivr: claims-cn"),
    ("sites/shanghai.yaml", "address: 10.10.2.22", "address: 10.10.2.23"),
    ("sites/shanghai.yaml", "channels: 400", "channels: 300"),
    ("sites/shanghai.yaml", "  timeout: 1s", "  timeout: 2s"),
    ("people/skill-groups.yaml", "strategy: leastrecent", "strategy: ringall"),
    ("people/skill-groups.yaml", "max_wait: 180s", "max_wait: 200s"),
    ("ivr/main-cn.yaml", "timeout: 6s", "timeout: 7s"),
    ("carriers/trunks.yaml", "codecs: [PCMA, G722]", "codecs: [PCMA]"),
    ("carriers/trunks.yaml", "- address: 203.0.113.11", "- address: 203.0.113.12"),
    ("compliance/retention.yaml", "keep: 365d", "keep: 400d"),
    ("estate.yaml", "sip_domain: cc.lotus-mutual.example", "sip_domain: cc2.lotus-mutual.example"),
]
SHUFFLED = ["people/agents.yaml", "carriers/numbers.yaml", "people/skill-groups.yaml"]
PROMPTS = sorted((EXAMPLE / "prompts").rglob("*.wav"))


def _loaded(directory: Path) -> Loaded | None:
    """The estate of `directory`, or None when it has errors (not compiled)."""
    loaded = load_estate(directory)
    outcome = validate_estate(
        loaded.estate, loaded.sources, today=date.today(), loaded=loaded.findings
    )
    return None if outcome.failed() else loaded


def _edit(estate: Path, edit: tuple[str, Any]) -> None:
    how, what = edit
    if how == "replace":
        file, old, new = EDITS[what]
        path = estate / file  # an edit after one that took its text away changes nothing
        path.write_text(path.read_text().replace(old, new, 1))
    elif how in ("swap", "drop"):
        file, index = what
        path = estate / SHUFFLED[file]
        head, *documents = path.read_text().split("\nkind: ")
        documents = [f"kind: {document.removesuffix('---').strip()}\n" for document in documents]
        at = index % len(documents)
        if how == "swap":
            documents[at], documents[at - 1] = documents[at - 1], documents[at]
        else:
            del documents[at]
        path.write_text(head + "\n" + "---\n".join(documents))
    else:  # one prompt recorded again: the bytes of another
        first, second = what
        source, target = PROMPTS[first % len(PROMPTS)], PROMPTS[second % len(PROMPTS)]
        (estate / target.relative_to(EXAMPLE)).write_bytes(source.read_bytes())


EDIT = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, len(EDITS) - 1)),
    st.tuples(st.sampled_from(["swap", "drop"]), st.tuples(st.integers(0, 2), st.integers(0, 40))),
    st.tuples(st.just("prompt"), st.tuples(st.integers(0, 99), st.integers(0, 99))),
)


def test_every_edit_applies_to_the_example() -> None:
    for file, old, _ in EDITS:
        assert old in (EXAMPLE / file).read_text(), f"{file} lacks {old!r}: the edit is stale"


@pytest.fixture(scope="module")
def memo(tmp_path_factory: pytest.TempPathFactory) -> SiteMemo:
    """One cache for every example: warm from the original and every estate before."""
    kept = SiteMemo(tmp_path_factory.mktemp("memo"))
    loaded = _loaded(EXAMPLE)
    assert loaded is not None
    compile_estate(loaded.estate, memo=kept)
    return kept


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(EDIT, min_size=1, max_size=3))
def test_a_warm_compile_is_a_full_compile(
    tmp_path_factory: pytest.TempPathFactory, memo: SiteMemo, edits: list[tuple[str, Any]]
) -> None:
    estate = tmp_path_factory.mktemp("edited") / "estate"
    shutil.copytree(EXAMPLE, estate)
    for edit in edits:
        _edit(estate, edit)
    loaded = _loaded(estate)
    assume(loaded is not None)
    assert loaded is not None
    full = compile_estate(loaded.estate)
    assert compile_estate(loaded.estate, memo=memo) == full
    assert compile_estate(loaded.estate, memo=memo, workers=2) == full
    memo.hits = memo.misses = 0
    assert compile_estate(loaded.estate, memo=memo) == full  # all of it from the cache
    assert (memo.hits, memo.misses) == (len(full_sites(loaded.estate)), 0)


def full_sites(estate: Estate) -> list[str]:
    return [site.name for site in estate.of(Site)]


def _compiled_again(tmp_path: Path, file: str, old: str, new: str) -> tuple[SiteMemo, bool]:
    """The cache after compiling the example, then the example with one edit: whether the
    second compile equals a full one, and the cache's counts of it."""
    memo = SiteMemo(tmp_path / "memo")
    loaded = _loaded(EXAMPLE)
    assert loaded is not None
    compile_estate(loaded.estate, memo=memo)
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate)
    path = estate / file
    path.write_text(path.read_text().replace(old, new, 1))
    edited = _loaded(estate)
    assert edited is not None
    memo.hits = memo.misses = 0
    same = compile_estate(edited.estate, memo=memo) == compile_estate(edited.estate)
    return memo, same


def test_an_agent_changed_in_shanghai_recompiles_shanghai_only(tmp_path: Path) -> None:
    # an agent registers to the PBXs of its site and its twin: sh-1 and sh-2, not hk-1
    memo, same = _compiled_again(
        tmp_path, "people/agents.yaml", 'extension: "1001"', 'extension: "1091"'
    )
    assert same
    sites = len(full_sites(_loaded(EXAMPLE).estate))  # type: ignore[union-attr]
    assert (memo.hits, memo.misses) == (sites - 2, 2)


def test_a_change_nothing_reads_recompiles_nothing(tmp_path: Path) -> None:
    memo, same = _compiled_again(
        tmp_path, "people/agents.yaml", "display_name: Zhang Wei", "display_name: Zhang Wei\n# x"
    )
    assert same
    assert memo.misses == 0


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "key"])
def test_a_damaged_or_foreign_entry_is_a_miss(tmp_path: Path, damage: str) -> None:
    loaded = _loaded(EXAMPLE)
    assert loaded is not None
    memo = SiteMemo(tmp_path / "memo")
    full = compile_estate(loaded.estate, memo=memo)
    entries = sorted((tmp_path / "memo" / "sites").rglob("*.bin"))
    assert len(entries) == memo.misses > 0
    for entry in entries:
        blob = bytearray(entry.read_bytes())
        if damage == "flip":
            blob[len(blob) // 2] ^= 0x5A
        elif damage == "truncate":
            blob = blob[: len(blob) // 3]
        elif damage == "foreign":  # signed with another cache's key
            payload = bytes(blob[len(MAGIC) + 32 :])
            SignedStore(tmp_path / "other", MAGIC).put(entry, payload)
            blob = bytearray(entry.read_bytes())
        entry.write_bytes(bytes(blob))
    if damage == "key":
        (tmp_path / "memo" / "key").write_bytes(b"damaged")
    again = SiteMemo(tmp_path / "memo")
    assert compile_estate(loaded.estate, memo=again) == full
    assert again.hits == 0


def test_changed_templates_miss(tmp_path: Path) -> None:
    loaded = _loaded(EXAMPLE)
    assert loaded is not None
    memo = SiteMemo(tmp_path / "memo")
    compile_estate(loaded.estate, memo=memo)
    folder = tmp_path / "templates"
    shutil.copytree(templates(), folder)
    path = folder / "asterisk" / "extensions.conf.j2"
    path.write_text(path.read_text() + "; changed\n")
    renderer = Renderer(folder)
    memo.hits = memo.misses = 0
    changed = compile_estate(loaded.estate, memo=memo, renderer=renderer)
    assert memo.hits == 0
    assert changed == compile_estate(loaded.estate, renderer=renderer)
    assert any(
        files.get("etc/asterisk/extensions.conf", b"").endswith(b"; changed\n")
        for files in changed.hosts.values()
    )
