"""The edge's DID table written block after block (numbers of one length) is the table a
merge of every DID in text order gives, for any set of disjoint blocks of any lengths."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccmsctl.compile.edge import HTABLE_COLUMNS, did_table
from ccmsctl.compile.views import DidBlock

pytestmark = pytest.mark.no_cover


def merged(blocks: list[DidBlock]) -> bytes:
    """Every DID of `blocks` as its own key, sorted as text: the table by definition."""
    keys = heapq.merge(*(_keys_of(block) for block in blocks))
    rows = [f"{i}:{key}:0:1:{s}:0\n" for i, (key, s) in enumerate(keys, start=1)]
    return "".join([HTABLE_COLUMNS, "\n", *rows]).encode("ascii")


def _keys_of(block: DidBlock) -> list[tuple[str, int]]:
    return [(str(number), block.set) for number in range(block.first, block.last + 1)]


@st.composite
def disjoint_blocks(draw: st.DrawFn) -> list[DidBlock]:
    lengths = draw(st.sampled_from([(12,), (11, 12), (8, 11, 12)]))
    blocks: list[DidBlock] = []
    for _ in range(draw(st.integers(0, 8))):
        length = draw(st.sampled_from(lengths))
        first = draw(st.integers(10 ** (length - 1), 10**length - 200))
        last = first + draw(st.integers(0, 150))
        if all(last < b.first or first > b.last for b in blocks):
            blocks.append(DidBlock(first, last, draw(st.integers(1, 9))))
    return blocks


@settings(max_examples=300, deadline=None)
@given(disjoint_blocks())
def test_the_table_is_every_did_in_text_order(blocks: list[DidBlock]) -> None:
    assert did_table(blocks) == merged(blocks)
