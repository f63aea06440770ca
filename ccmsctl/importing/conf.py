"""Asterisk's configuration syntax, read as Asterisk reads it (main/config.c), keeping the
file, line and column of every statement: sections (`[name]`), templates (`[name](!)`),
inheritance (`[name](base,other)`, the bases' settings copied first, marked as inherited),
additions (`[name](+)`), settings (`name = value`, `name => value`, `name += value`),
`#include` and `#tryinclude` (relative to the configuration folder, globs allowed, ten deep
at most, the file going on in the section that was current), comments (`;` to the end of a
line, `;-- --;` blocks, nested) and `\\;` for a semicolon.

What Asterisk refuses (a setting before any section, an unclosed `[` or `(`, a base or an
addition of a section that does not exist, a missing `#include`) is an ImportSyntaxError at
its place. What Asterisk skips with a warning (a line without `=`, an unknown directive, an
`#exec`, which runs a program) is kept as a statement no section holds, so the import lists
it as residue: nothing read is dropped without a word.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ccmsctl.errors import Span, UserError

ASTETCDIR = "/etc/asterisk/"  # the folder an absolute #include names, as the folder read
MAX_INCLUDE_DEPTH = 10  # Asterisk's MAX_INCLUDE_LEVEL
MAX_NESTED_COMMENTS = 128


class ImportSyntaxError(UserError):
    """A configuration file Asterisk itself would refuse to load."""

    code = "E1901"


@dataclass(frozen=True)
class Statement:
    """One line of configuration, comments taken out: where it is and what it says."""

    span: Span
    text: str


@dataclass(frozen=True)
class Setting:
    """`name = value` (or `=>`, `object`) in a section; `inherited` names the template it
    was copied from."""

    name: str
    value: str
    statement: Statement
    object: bool = False
    inherited: str = ""
    earlier: tuple[Statement, ...] = ()  # the lines a `+=` added to


@dataclass
class Section:
    """`[name]`: its settings in order (inherited ones first, as Asterisk copies them)."""

    name: str
    statement: Statement
    template: bool = False
    bases: tuple[str, ...] = ()
    settings: list[Setting] = field(default_factory=list)
    additions: list[Statement] = field(default_factory=list)  # its `[name](+)` headers

    def get(self, name: str) -> Setting | None:
        """The last setting of `name` (the one Asterisk's single-valued options take)."""
        found = None
        for setting in self.settings:
            if setting.name == name:
                found = setting
        return found

    def value(self, name: str, default: str = "") -> str:
        setting = self.get(name)
        return setting.value if setting is not None else default

    def every(self, name: str) -> list[Setting]:
        return [setting for setting in self.settings if setting.name == name]


@dataclass
class Config:
    """A configuration file with what it includes: its sections in order, every statement
    read (headers, settings, directives), and the statements no section holds (`loose`:
    Asterisk skips them) with why."""

    file: str
    sections: list[Section] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    loose: list[tuple[Statement, str]] = field(default_factory=list)
    followed: list[Statement] = field(default_factory=list)  # the #include lines read
    files: list[str] = field(default_factory=list)  # the files read, the first this one

    def of(self, name: str) -> list[Section]:
        """The sections named `name` (pjsip.conf gives an endpoint and its aor one name)."""
        return [section for section in self.sections if section.name == name]

    def first(self, name: str) -> Section | None:
        found = self.of(name)
        return found[0] if found else None


def read_config(folder: Path, file: str, prefix: str = "") -> Config:
    """`file` of the configuration folder `folder` as Asterisk reads it; each place is named
    by its file's path in the folder, after `prefix` (`pbx-2/`, where several folders are
    read). Raises ImportSyntaxError."""
    config = Config(file)
    _Reader(folder, config, prefix).read(file, depth=1, required=True, span=None)
    return config


class _Reader:
    def __init__(self, folder: Path, config: Config, prefix: str) -> None:
        self.folder = folder
        self.config = config
        self.prefix = prefix
        self.current: Section | None = None

    def read(self, file: str, *, depth: int, required: bool, span: Span | None) -> None:
        if depth > MAX_INCLUDE_DEPTH:
            raise ImportSyntaxError(
                f"includes nest deeper than {MAX_INCLUDE_DEPTH} at {file}", span
            )
        paths = self._paths(file)
        if not paths:
            if required:
                raise ImportSyntaxError(f"#include names {file!r}, which does not exist", span)
            return
        for path in paths:
            shown = self._shown(path)
            try:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
            except OSError as error:
                raise ImportSyntaxError(f"cannot read {shown}: {error.strerror}", span) from None
            self.config.files.append(shown)
            # a file goes on in the section current as it is read; after an #include, the
            # file that included it goes on in its own section, as Asterisk does
            section = self.current
            for statement in _statements(text, shown):
                section = self._statement(statement, section, depth)

    def _paths(self, file: str) -> list[Path]:
        """The files `file` names in the folder (`/etc/asterisk/...` is the folder)."""
        if any(char in file for char in "*?["):
            # glob(3)'s rules, as Asterisk's (`**` is two `*`), in the folder only
            found = glob.glob(file, root_dir=self.folder)  # noqa: PTH207
            return sorted(path for name in found if (path := self.folder / name).is_file())
        path = self.folder / file
        return [path] if path.is_file() else []

    def _shown(self, path: Path) -> str:
        try:
            return self.prefix + str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def _statement(
        self, statement: Statement, section: Section | None, depth: int
    ) -> Section | None:
        """Read `statement` in `section`; the section the file goes on in."""
        self.config.statements.append(statement)
        text = statement.text
        if text.startswith("["):
            self.current = self._header(statement)
            return self.current
        if text.startswith("#"):
            self._directive(statement, depth)
        else:
            self._setting(statement, section)
        return section

    def _header(self, statement: Statement) -> Section:
        text = statement.text
        close = text.find("]")
        if close < 0:
            raise ImportSyntaxError("no closing ']' in this section header", statement.span)
        name, rest = text[1:close], text[close + 1 :]
        options: list[str] = []
        if rest.startswith("("):
            end = rest.find(")")
            if end < 0:
                raise ImportSyntaxError("no closing ')' in this section header", statement.span)
            options = rest[1:end].split(",")
        section = Section(name, statement)
        for option in options:
            if option == "!":
                section.template = True
            elif option.startswith("+"):
                existing = self.config.first(name)
                if existing is None:
                    raise ImportSyntaxError(
                        f"[{name}](+) adds to a section '{name}' that does not exist",
                        statement.span,
                    )
                existing.template |= section.template
                existing.settings += section.settings
                existing.additions.append(statement)
                return existing
            else:
                base = self.config.first(option)
                if base is None:
                    raise ImportSyntaxError(
                        f"[{name}] inherits from '{option}', which does not exist",
                        statement.span,
                    )
                section.bases += (option,)
                section.settings += [
                    Setting(
                        s.name, s.value, s.statement, s.object, s.inherited or option, s.earlier
                    )
                    for s in base.settings
                ]
        self.config.sections.append(section)
        return section

    def _directive(self, statement: Statement, depth: int) -> None:
        words = statement.text[1:].split(None, 1)
        word = words[0].lower() if words else ""
        argument = words[1].strip() if len(words) > 1 else ""
        if word not in ("include", "tryinclude"):
            why = (
                "#exec runs a program at load time: too dynamic to follow"
                if word == "exec"
                else f"Asterisk ignores the unknown directive #{word}"
            )
            self.config.loose.append((statement, why))
            return
        if not argument:
            self.config.loose.append((statement, f"#{word} without a file: Asterisk skips it"))
            return
        if argument[0] in '"<' and argument[-1] == (">" if argument[0] == "<" else '"'):
            argument = argument[1:-1]
        if argument.startswith("/"):
            inside = argument.removeprefix(ASTETCDIR)
            if inside == argument:
                why = f"#{word} of a file outside Asterisk's configuration folder: not followed"
                self.config.loose.append((statement, why))
                return
            argument = inside
        self.read(argument, depth=depth + 1, required=word == "include", span=statement.span)
        self.config.followed.append(statement)

    def _setting(self, statement: Statement, section: Section | None) -> None:
        if section is None:
            raise ImportSyntaxError("a setting before any [section]", statement.span)
        text = statement.text
        escaped = text.startswith("\\")
        equals = text.find("=", 1 if escaped else 0)
        if equals < 0:
            self.config.loose.append((statement, "no '=' in this line: Asterisk skips it"))
            return
        name, value = text[:equals], text[equals + 1 :]
        if escaped:
            name = name[1:]
        if name.endswith("+") and len(name) > 1:
            name = name[:-1].strip()
            previous = section.get(name)
            if previous is not None:
                merged = Setting(
                    name,
                    (previous.value + value).rstrip(),
                    statement,
                    previous.object,
                    previous.inherited,
                    (*previous.earlier, previous.statement),
                )
                at = len(section.settings) - 1 - section.settings[::-1].index(previous)
                section.settings[at] = merged
                return
        obj = value.startswith(">")
        if obj:
            value = value[1:]
        name = name.strip()
        if not name:
            self.config.loose.append((statement, "no name before '=': Asterisk skips it"))
            return
        section.settings.append(Setting(name, value.strip(), statement, obj))


def _statements(text: str, file: str) -> Iterator[Statement]:
    """The statements of `text`: comments out, `\\;` made `;`, each stripped, with its place
    (the column of its first character)."""
    nested = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.removeprefix("\ufeff") if number == 1 else raw
        kept: list[str] = []
        at = 0
        while at < len(line):
            char = line[at]
            if char == "\\" and line.startswith(";", at + 1):
                if not nested:
                    kept.append(";")
                at += 2
            elif char == ";" and line.startswith(";--", at) and not line.startswith(";---", at):
                nested = min(nested + 1, MAX_NESTED_COMMENTS)
                at += 3
            elif nested and line.startswith("--;", at):
                nested -= 1
                at += 3
            elif char == ";" and not nested:
                break
            else:
                if not nested:
                    kept.append(char)
                at += 1
        statement = "".join(kept)
        stripped = statement.strip()
        if stripped:
            column = len(statement) - len(statement.lstrip()) + 1
            yield Statement(Span(file, number, column), stripped)
