"""The cache of parsed files (ccmsctl/load/cache.py) never changes what is read: over random
edits of the example's files, loading with the cache cold, warm, and without it gives the
same documents, findings and places; a corrupted, truncated or foreign cache, or a damaged
key, is a miss; a file renamed with the same text takes its new name in every place."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccmsctl.load.cache import DocumentCache
from ccmsctl.load.estate import Loaded, load_estate
from ccmsctl.load.yamlread import read_documents
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.no_cover

FILES = sorted(p.relative_to(EXAMPLE) for p in EXAMPLE.rglob("*.yaml"))


def seen(loaded: Loaded) -> tuple[Any, ...]:
    """Everything a load gives, places materialised."""
    places = {
        key: [(s.root, dict(s.values), dict(s.keys)) for s in spans]
        for key, spans in loaded.sources.documents.items()
    }
    return (loaded.estate.documents, loaded.estate.broken, loaded.findings, places, loaded.files)


def load(directory: Path, cache: Path | None, monkeypatch: pytest.MonkeyPatch) -> Loaded:
    monkeypatch.setenv("CCMSCTL_CACHE", str(cache) if cache else "off")
    return load_estate(directory)


EDITS = st.sampled_from(
    [
        ("append", "\n# a comment at the end\n"),
        ("prepend", "# a comment first\n"),
        ("replace", ("sh-1", "sh-9")),  # a dangling reference: findings, not a crash
        ("replace", (": ", ":  ")),
        ("replace", ("name: ", "name: x")),
        ("replace", ("\n  ", "\n\t")),  # a tab: a syntax error, never cached
        ("truncate", 0.5),
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.sampled_from(FILES), edit=EDITS)
def test_cold_warm_and_no_cache_read_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: Path,
    edit: tuple[str, Any],
) -> None:
    work = tmp_path_factory.mktemp("edit")
    estate = work / "estate"
    shutil.copytree(EXAMPLE, estate)
    path = estate / target
    text = path.read_text()
    action, value = edit
    if action == "append":
        text += value
    elif action == "prepend":
        text = value + text
    elif action == "replace":
        text = text.replace(value[0], value[1], 1)
    else:
        text = text[: int(len(text) * value)]
    path.write_text(text)
    cache = work / "cache"
    plain = seen(load(estate, None, monkeypatch))
    assert seen(load(estate, cache, monkeypatch)) == plain  # cold: parsed, kept
    assert seen(load(estate, cache, monkeypatch)) == plain  # warm: from the cache


def _cached_file(tmp_path: Path) -> tuple[DocumentCache, str, Path]:
    cache = DocumentCache(tmp_path / "cache")
    text = (EXAMPLE / "sites" / "shanghai.yaml").read_text()
    documents, findings = read_documents(text, "sites/shanghai.yaml")
    assert not findings
    cache.put(text, documents)
    entries = list((tmp_path / "cache").rglob("*.bin"))
    assert len(entries) == 1
    return cache, text, entries[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_entry_is_a_miss(tmp_path_factory: pytest.TempPathFactory, data: Any) -> None:
    cache, text, entry = _cached_file(tmp_path_factory.mktemp("damage"))
    blob = bytearray(entry.read_bytes())
    how = data.draw(st.sampled_from(["flip", "truncate", "noise", "empty"]))
    if how == "flip":
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif how == "noise":
        blob = bytearray(data.draw(st.binary(min_size=1, max_size=4096)))
    else:
        blob = bytearray()
    entry.write_bytes(bytes(blob))
    assert cache.get(text, "sites/shanghai.yaml") is None


def test_a_foreign_cache_or_a_damaged_key_is_a_miss(tmp_path: Path) -> None:
    cache, text, entry = _cached_file(tmp_path)
    documents = cache.get(text, "sites/shanghai.yaml")
    assert documents is not None  # the cache's own entry reads back
    theirs = tmp_path / "theirs"
    (theirs / entry.parent.name).mkdir(parents=True)
    shutil.copy(entry, theirs / entry.parent.name / entry.name)  # an entry signed elsewhere
    assert DocumentCache(theirs).get(text, "sites/shanghai.yaml") is None
    (tmp_path / "cache" / "key").write_bytes(b"short")
    assert DocumentCache(tmp_path / "cache").get(text, "sites/shanghai.yaml") is None


def test_a_renamed_file_takes_its_new_name(tmp_path: Path) -> None:
    cache, text, _ = _cached_file(tmp_path)
    documents = cache.get(text, "elsewhere/moved.yaml")
    parsed, _ = read_documents(text, "elsewhere/moved.yaml")
    assert documents is not None
    assert [
        (d.data, d.spans.root, dict(d.spans.values), dict(d.spans.keys)) for d in documents
    ] == [(d.data, d.spans.root, dict(d.spans.values), dict(d.spans.keys)) for d in parsed]
    assert {span.file for d in documents for span in d.spans.values.values()} == {
        "elsewhere/moved.yaml"
    }
