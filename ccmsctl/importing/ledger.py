"""What became of every line an import read: modelled (the estate says it, and compiles it
back), or residue with why (no field in the model, a value ccmsctl writes otherwise, a
construct too dynamic to follow). A line no mapping looked at is residue too: nothing read
is dropped without a word. Where the estate needs a value the input does not give, the
import assumes one and says so (`assumed`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ccmsctl.errors import Span
from ccmsctl.importing.conf import Config, Section, Setting, Statement

UNREAD = "no mapping reads it: nothing in the estate says it"
CONCEALED = "(not shown: a secret)"
# a setting whose name says it holds a secret; a dial string's user:password@
_SECRET_NAME = re.compile(r"pass|secret|pin|md5|token|key|cred", re.IGNORECASE)
_CREDENTIALS = re.compile(r"(?<=[:/])([^:/@\s,()]+):[^@\s,()]+@")


@dataclass(frozen=True)
class Residue:
    """A line of the input the estate does not say, and why."""

    span: Span
    text: str
    why: str


@dataclass(frozen=True)
class Assumption:
    """A value the estate needed and the input did not give."""

    subject: str  # "Trunk/ct"
    field: str  # "channels"
    value: str
    why: str


Item = Statement | Setting | Section


class Ledger:
    """Every statement of the configurations read, and what became of it."""

    def __init__(self) -> None:
        self._statements: dict[Span, Statement] = {}
        self._top: dict[Span, str] = {}  # the file Asterisk reads each statement as part of
        self._modelled: set[Span] = set()
        self._left: dict[Span, str] = {}
        self._inherited: dict[Span, str] = {}  # residue of a template's line in a section
        self.assumed: list[Assumption] = []

    def add(self, config: Config) -> None:
        """Account for every statement of `config`; those Asterisk skips are residue."""
        for statement in config.statements:
            self._statements.setdefault(statement.span, statement)
            self._top.setdefault(statement.span, config.file)
        for statement, why in config.loose:
            self.leave(statement, why)
        self.model(*config.followed)  # what they include is accounted for line by line

    def absorb(self, other: Ledger) -> None:
        """`other`'s statements and what became of them (another PBX's files, the same
        configuration): its assumptions are this one's already."""
        self._statements |= other._statements
        self._top |= other._top
        self._modelled |= other._modelled
        self._left |= other._left
        self._inherited |= other._inherited

    def add_statements(self, statements: Iterable[Statement]) -> None:
        """Account for these statements (of a file that is not Asterisk's configuration)."""
        for statement in statements:
            self._statements.setdefault(statement.span, statement)

    def model(self, *items: Item) -> None:
        """These say something the estate says."""
        for item in items:
            for statement in _statements(item):
                self._modelled.add(statement.span)

    def unmodel(self, *items: Item) -> None:
        """These were taken for modelled, and are not after all."""
        for item in items:
            for statement in _statements(item):
                self._modelled.discard(statement.span)

    def leave(self, item: Item, why: str) -> None:
        """This says something the estate does not: residue (the first reason given). A
        template's line left in one section that inherits it is residue only if no other
        section's use of it was modelled."""
        left = self._inherited if isinstance(item, Setting) and item.inherited else self._left
        for statement in _statements(item):
            left.setdefault(statement.span, why)

    def modelled(self, statement: Statement) -> bool:
        return statement.span in self._modelled

    def leave_all(self, items: Iterable[Item], why: str) -> None:
        for item in items:
            self.leave(item, why)

    def fixed(self, section: Section, values: Mapping[str, str], why: str) -> None:
        """A section ccmsctl writes itself with `values`: each setting that says the same
        is modelled, any other is residue with `why`."""
        self.model(section)
        for setting in section.settings:
            if values.get(setting.name) == setting.value:
                self.model(setting)
            else:
                self.leave(setting, why)

    def assume(self, subject: str, field: str, value: object, why: str) -> None:
        self.assumed.append(Assumption(subject, field, str(value), why))

    def residue(self) -> list[Residue]:
        """Every statement left, or never modelled, by file and line."""
        found = []
        for span, statement in self._statements.items():
            why = self._left.get(span)
            if why is None and span not in self._modelled:
                why = self._inherited.get(span, UNREAD)
            if why is not None:
                shown = concealed(statement.text, self._top.get(span, span.file))
                found.append(Residue(span, shown, why))
        return sorted(found, key=lambda r: (r.span.file, r.span.line, r.span.col))

    def counts(self) -> tuple[int, int]:
        """(statements read, statements modelled and not left)."""
        modelled = {span for span in self._modelled if span not in self._left}
        return len(self._statements), len(modelled & self._statements.keys())


def concealed(text: str, file: str) -> str:
    """`text` (a statement of `file`, or of a file it includes) as a report may show it: a
    secret's value (a password, a mailbox's PIN, the password in a dial string) replaced."""
    name, equals, value = text.partition("=")
    if equals and _SECRET_NAME.search(name):
        return f"{name.strip()} = {CONCEALED}"
    if equals and Path(file).name == "voicemail.conf" and value.startswith(">"):
        _, comma, rest = value.partition(",")
        text = f"{name.strip()} => {CONCEALED}{comma}{rest}"
    return _CREDENTIALS.sub(lambda m: f"{m.group(1)}:{CONCEALED}@", text)


def _statements(item: Item) -> list[Statement]:
    if isinstance(item, Section):
        return [item.statement, *item.additions]
    if isinstance(item, Setting):
        return [*item.earlier, item.statement]
    return [item]
