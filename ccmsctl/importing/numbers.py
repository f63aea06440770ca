"""`ccmsctl import numbers FILE.csv --into ESTATE`: a carrier's or an old PBX's list of DIDs
into number ranges of an estate. The CSV has a header naming its columns: `number` (or
`first` and `last`), `trunk`, `site`, `ivr`. Numbers of one trunk, site and IVR that follow
one another are one range; the others are single numbers.

A row the estate cannot take is residue at its line, with why: a number not in E.164, a
trunk, site or IVR the estate lacks, a number the estate (or an earlier row) already has.
The ranges go to a new file of the estate (written whole, or not at all)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ccmsctl.errors import Span, UserError
from ccmsctl.importing.conf import Statement
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import Namer
from ccmsctl.model.base import Document
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import NumberIndex
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
COLUMNS = ("trunk", "site", "ivr")
KINDS: tuple[type[Document], ...] = (Trunk, Site, IVR)  # what each column names


class NumbersFileError(UserError):
    """The CSV file cannot be read as a list of numbers."""

    code = "E1904"


@dataclass
class Numbers:
    """The ranges the file gave, and the ledger of its rows."""

    ranges: list[dict[str, object]] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)


def import_numbers(path: Path, shown: str, estate: Estate) -> Numbers:
    """The number ranges of the CSV file at `path` (named `shown`) for `estate`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise NumbersFileError(f"cannot read {shown}: {error}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise NumbersFileError(f"{shown} is empty: it needs a header", Span(shown, 1, 1))
    header = [name.strip().lower() for name in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if ("number" not in header and not {"first", "last"} <= set(header)) or missing:
        columns = ", ".join(["number (or first and last)", *COLUMNS])
        raise NumbersFileError(f"the header must name {columns}", Span(shown, 1, 1))
    found = Numbers()
    ledger = found.ledger
    statements = [
        (Statement(Span(shown, line, 1), ",".join(row)), dict(zip(header, row, strict=False)))
        for line, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    header_line = Statement(Span(shown, 1, 1), ",".join(rows[0]))
    ledger.add_statements([header_line, *(statement for statement, _ in statements)])
    ledger.model(header_line)
    index = NumberIndex.of(estate)
    names = {column: estate.names(kind) for column, kind in zip(COLUMNS, KINDS, strict=True)}
    taken: dict[int, Statement] = {}
    wanted: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}  # (first, last, digits)
    for statement, row in statements:
        why = _problem(row, names, index, taken)
        if why:
            ledger.leave(statement, why)
            continue
        first, last = row.get("first") or row["number"], row.get("last") or row["number"]
        first, last = first.strip(), last.strip()
        for value in range(int(first[1:]), int(last[1:]) + 1):
            taken[value] = statement
        key = (row["trunk"].strip(), row["site"].strip(), row["ivr"].strip())
        wanted.setdefault(key, []).append((int(first[1:]), int(last[1:]), len(first) - 1))
        ledger.model(statement)
    namer = Namer()
    for name in estate.names(NumberRange):
        namer.name("NumberRange", name)
    for (trunk, site, ivr), spans in sorted(wanted.items()):
        for low, high, digits in _merged(spans):
            start = f"+{low:0{digits}d}"
            found.ranges.append(
                {
                    "kind": "NumberRange",
                    "name": namer.name("NumberRange", f"{trunk}-{start[1:]}"),
                    "trunk": trunk,
                    "site": site,
                    "ivr": ivr,
                    "first": start,
                    "last": f"+{high:0{digits}d}",
                }
            )
    return found


def _problem(
    row: dict[str, str],
    names: dict[str, frozenset[str]],
    index: NumberIndex,
    taken: dict[int, Statement],
) -> str:
    """Why the estate cannot take `row` ("" when it can)."""
    first = (row.get("first") or row.get("number") or "").strip()
    last = (row.get("last") or row.get("number") or "").strip()
    if not (_E164.match(first) and _E164.match(last)):
        return f"{first or 'no number'}: not an E.164 number (+ and up to 15 digits)"
    if len(first) != len(last) or last < first:
        return f"{first} to {last}: not a range of numbers of one length"
    if int(last[1:]) - int(first[1:]) >= 1_000_000:
        return f"{first} to {last}: over a million numbers in one row"
    for column, kind in zip(COLUMNS, KINDS, strict=True):
        value = (row.get(column) or "").strip()
        if value not in names[column]:
            return f"the estate has no {kind.__name__} {value!r}"
    low, high = int(first[1:]), int(last[1:])
    owner = index.overlapping(low, high)
    if owner is not None:
        return f"the estate's NumberRange {owner.name} has some of these numbers already"
    earlier = next((taken[v] for v in range(low, high + 1) if v in taken), None)
    if earlier is not None:
        return f"the row at line {earlier.span.line} has some of these numbers already"
    return ""


def _merged(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Spans that follow one another (and have as many digits) made one."""
    merged: list[tuple[int, int, int]] = []
    for first, last, digits in sorted(spans):
        if merged and merged[-1][2] == digits and merged[-1][1] + 1 == first:
            merged[-1] = (merged[-1][0], last, digits)
        else:
            merged.append((first, last, digits))
    return merged
