"""Load an estate directory: every YAML file, every document, into an `Estate`.

Dispatches documents on `kind:` to the models and collects every finding (syntax, schema) in
one pass. Reads files; writes nothing.
"""

from __future__ import annotations

import copy
import difflib
import io
import os
import re
import stat
import struct
import wave
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError

from ccmsctl.errors import DocumentSpans, Finding, Severity, SourceMap, Span
from ccmsctl.load.cache import DocumentCache
from ccmsctl.load.migrate import FORMAT, NEWER, OLDER, format_of, migrate
from ccmsctl.load.overlay import OVERLAY_CODES, apply_overlay
from ccmsctl.load.schema_errors import findings_from
from ccmsctl.load.yamlread import RawDocument, read_documents
from ccmsctl.model.base import Document
from ccmsctl.model.environment import ENVIRONMENTS, Environment
from ccmsctl.model.kinds import KINDS, Estate

NOT_A_DOCUMENT = "E0002"
UNKNOWN_KIND = "E0003"
UNREADABLE = "E0005"
EMPTY_ESTATE = "E0006"
VAULT_HEADER = "$ANSIBLE_VAULT;"
OUTSIDE = "E0007"
ESTATE_COUNT = "E0008"
BAD_PROMPT = "E0009"
NO_ENVIRONMENT = "E0013"
ENVIRONMENT_KIND = "Environment"
PROMPTS = "prompts"  # the estate's folder of IVR recordings: prompts/LANGUAGE/PROMPT.wav
MAX_PROMPT_BYTES = 16 * 2**20  # about 17 minutes of 8 kHz 16-bit audio
MAX_FILE_BYTES = 64 * 2**20  # an estate file is text written by people; 64 MiB is plenty
_TOP_KEY = re.compile(r"^(kind|name):[ \t]*[\"']?([A-Za-z0-9._-]+)[\"']?[ \t]*(?:#.*)?$")

LOAD_CODES: Mapping[str, str] = MappingProxyType(
    {
        "E0001": "The file is not valid YAML.",
        "E0014": "The estate is written for a newer estate format than this ccmsctl reads.",
        "W0015": "The estate is written for an older estate format (read as the current one).",
        "E0002": "A document is not a mapping with 'kind:' and 'name:'.",
        "E0003": "A document names an unknown kind.",
        "E0004": "A mapping gives the same key twice.",
        "E0005": "A file cannot be read, or is not UTF-8.",
        "E0006": "The estate directory holds no YAML files.",
        "E0007": "A link leads outside the estate, nowhere, or round in a loop.",
        "E0008": "The estate has no Estate document, or more than one.",
        "E0009": "A prompt recording is not a WAV file Asterisk plays (8 kHz, 16-bit, mono).",
        **OVERLAY_CODES,
        NO_ENVIRONMENT: "An environment is named that the estate does not have, or its folder "
        "lacks its Environment document.",
        "E0101": "A required field is missing.",
        "E0102": "A field is not part of the kind.",
        "E0103": "A value has the wrong type.",
        "E0104": "A value is not valid for its field.",
        "E0105": "A credential is written as a value instead of a secret reference.",
    }
)


@dataclass(frozen=True)
class Loaded:
    """What loading gives: the estate, where each document stands, what was wrong, and the
    files read (for summaries)."""

    estate: Estate
    sources: SourceMap
    findings: tuple[Finding, ...]
    files: tuple[str, ...]
    environment: str | None = None


def estate_files(
    directory: Path,
    suffixes: tuple[str, ...] = (".yaml", ".yml"),
    root: Path | None = None,
    skip: Path | None = None,
) -> tuple[list[Path], list[Finding]]:
    """Files with `suffixes` (YAML) under `directory`, sorted, skipping hidden files and
    folders and the folder `skip`; and what could not be walked: unreadable folders, links
    that leave the estate (`root`, by default `directory`) or loop."""
    root = (root or directory).resolve()
    found: list[Path] = []
    problems: list[Finding] = []
    seen = {_identity(directory)}
    todo = [directory]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            problems.append(_walk_problem(UNREADABLE, folder, error.strerror or "unreadable"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if skip is not None and path == skip:
                continue
            try:
                if entry.is_symlink() and not _inside(path, root):
                    problems.append(_walk_problem(OUTSIDE, path, "link leads outside the estate"))
                    continue
                info = path.stat()
            except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links
                if entry.is_symlink():
                    reason = "link leads nowhere, or round in a loop"
                    problems.append(_walk_problem(OUTSIDE, path, reason))
                else:
                    reason = getattr(error, "strerror", None) or "unreadable"
                    problems.append(_walk_problem(UNREADABLE, path, reason))
                continue
            if stat.S_ISDIR(info.st_mode):
                if (info.st_dev, info.st_ino) in seen:
                    problems.append(_walk_problem(OUTSIDE, path, "link leads round in a loop"))
                    continue
                seen.add((info.st_dev, info.st_ino))
                todo.append(path)
            elif stat.S_ISREG(info.st_mode) and path.suffix in suffixes:
                found.append(path)
    return sorted(found), problems


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def _inside(path: Path, root: Path) -> bool:
    return path.resolve(strict=True).is_relative_to(root)


def _walk_problem(code: str, path: Path, reason: str) -> Finding:
    hint = "keep the estate's files in its own folder" if code == OUTSIDE else ""
    return Finding(code, Severity.ERROR, Span(path.as_posix(), 1, 1), reason, hint)


def load_estate(directory: Path, env: str | None = None) -> Loaded:
    """Read every YAML file under `directory` into an Estate, with all findings: the base
    (everything outside environments/), with environment `env`'s overlay applied when one
    is named. Ansible Vault files (the estate's `vault:` secrets) are left for apply."""
    findings: list[Finding] = []
    files: list[Path] = []
    if directory.is_dir():
        files, problems = estate_files(directory, skip=directory / ENVIRONMENTS)
        findings.extend(problems)
    if not files:
        message = "no YAML files found" if directory.is_dir() else "no such directory"
        findings.append(Finding(EMPTY_ESTATE, Severity.ERROR, Span(str(directory), 1, 1), message))
    base = _read_files(files)
    findings.extend(base.findings)
    raws, lost, read = base.documents, base.lost, base.read
    if env is not None and files:
        overlay = _environment(directory, env)
        findings.extend(overlay.findings)
        overlaid = apply_overlay(raws, overlay.documents, KINDS)
        findings.extend(overlaid.findings)
        raws, lost, read = overlaid.documents, [*lost, *overlay.lost], [*read, *overlay.read]
    raws, formatted = _in_this_format(raws)
    findings.extend(formatted)
    documents: dict[str, list[Document]] = {kind: [] for kind in KINDS}
    spans: dict[tuple[str, str], list[DocumentSpans]] = {}
    broken: set[tuple[str, str]] = set()
    for lost_kind, lost_name, span in lost:
        spans.setdefault((lost_kind, lost_name), []).append(DocumentSpans(span))
        broken.add((lost_kind, lost_name))
    for raw in raws:
        kind, name, doc, problems = _build(raw)
        findings.extend(problems)
        if kind is None:
            continue
        spans.setdefault((kind, name), []).append(raw.spans)
        if doc is None:
            broken.add((kind, name))
        else:
            documents[kind].append(doc)
    prompts, problems = read_prompts(directory) if directory.is_dir() else ({}, [])
    findings.extend(problems)
    estate = Estate(
        documents={kind: tuple(docs) for kind, docs in documents.items()},
        broken=frozenset(broken),
        prompts=prompts,
    )
    sources = SourceMap({key: tuple(value) for key, value in spans.items()})
    if files and not any(kind == "Estate" for kind, _ in broken):
        findings.extend(_estate_count(estate, sources, directory, (read or files)[0]))
    return Loaded(estate, sources, tuple(findings), tuple(path.as_posix() for path in read), env)


def _in_this_format(raws: list[RawDocument]) -> tuple[list[RawDocument], list[Finding]]:
    """The documents in the estate format this version reads: an older estate's migrated in
    memory (a warning says so), a newer one's refused (an error: they may mean what this
    version cannot read)."""
    version = format_of([raw.data for raw in raws])
    estate = next(
        (r for r in raws if isinstance(r.data, dict) and r.data.get("kind") == "Estate"), None
    )
    if version is None or estate is None or version == FORMAT:
        return raws, []
    if version > FORMAT:
        return raws, [
            Finding(
                NEWER,
                Severity.ERROR,
                estate.spans.at(("format",)),
                f"the estate is written for estate format {version}; this ccmsctl reads "
                f"formats up to {FORMAT}",
                "upgrade ccmsctl to a version that reads it (see the changelog)",
            )
        ]
    migrated = [replace(raw, data=copy.deepcopy(raw.data)) for raw in raws]
    migrate([raw.data for raw in migrated if isinstance(raw.data, dict)], version)
    return migrated, [
        Finding(
            OLDER,
            Severity.WARNING,
            estate.spans.at(("kind",)),
            f"the estate is written for estate format {version}: read as format {FORMAT}",
            "run `ccmsctl fmt --migrate` to write it in the current format",
        )
    ]


@dataclass
class _Read:
    """The documents of some files, the documents a syntax error lost (by their kind: and
    name: lines), the files read and what was wrong."""

    documents: list[RawDocument] = field(default_factory=list)
    lost: list[tuple[str, str, Span]] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _read_files(files: Iterable[Path]) -> _Read:
    """The files' documents: from the cache of parsed files where a file's text is in it,
    else parsed (and kept there when read without a finding)."""
    found = _Read()
    cache = DocumentCache.default()
    for path in files:
        shown = path.as_posix()
        text, problem = read_text(path, shown)
        if problem is not None:
            found.findings.append(problem)
            continue
        if text.startswith(VAULT_HEADER):
            continue  # an Ansible Vault of the estate's secrets, read only at apply time
        found.read.append(path)
        cached = cache.get(text, shown) if cache is not None else None
        if cached is not None:
            found.documents.extend(cached)
            continue
        raws, syntax = read_documents(text, shown)
        if cache is not None and not syntax:
            cache.put(text, raws)
        found.findings.extend(syntax)
        if syntax:
            found.lost.extend(_lost_documents(text, shown, raws))
        found.documents.extend(raws)
    return found


def environment_names(directory: Path) -> list[str]:
    """The estate's environments: the folders of its environments/ folder, sorted."""
    folder = directory / ENVIRONMENTS
    if not folder.is_dir():
        return []
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith(".")
    )


def _environment(directory: Path, env: str) -> _Read:
    """Environment `env`'s overlay documents (its Environment document checked and left
    out), or a finding that there is no such environment."""
    folder = directory / ENVIRONMENTS / env
    known = environment_names(directory)
    if env not in known:
        close = difflib.get_close_matches(env, known, n=1, cutoff=0.5)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif known:
            hint = f"one of: {', '.join(known)}"
        else:
            hint = f"make {ENVIRONMENTS}/{env}/ with an Environment document"
        where = Span((directory / ENVIRONMENTS).as_posix(), 1, 1)
        return _Read(
            findings=[
                Finding(NO_ENVIRONMENT, Severity.ERROR, where, f"no environment '{env}'", hint)
            ]
        )
    files, problems = estate_files(folder, root=directory)
    found = _read_files(files)
    found.findings[:0] = problems
    overlay: list[RawDocument] = []
    named = 0
    for raw in found.documents:
        if not isinstance(raw.data, dict) or raw.data.get("kind") != ENVIRONMENT_KIND:
            kind, _, _, problems = _build(raw, overlay=True)
            found.findings.extend(problems)
            if kind is not None:
                overlay.append(raw)
            continue
        named += 1
        _, name, _, problems = _build(raw, model=Environment)
        found.findings.extend(problems)
        if named > 1:
            found.findings.append(
                Finding(
                    NO_ENVIRONMENT,
                    Severity.ERROR,
                    raw.spans.at(("kind",)),
                    "a second Environment document: an environment has one",
                    "keep one",
                    f"Environment/{name}",
                )
            )
        elif name != env and not name.startswith("<"):
            found.findings.append(
                Finding(
                    NO_ENVIRONMENT,
                    Severity.ERROR,
                    raw.spans.at(("name",)),
                    f"the Environment in {ENVIRONMENTS}/{env}/ is named '{name}'",
                    f"name it '{env}', as its folder",
                    f"Environment/{name}",
                )
            )
    if not named:
        where = Span(((found.read or files or [folder])[0]).as_posix(), 1, 1)
        found.findings.append(
            Finding(
                NO_ENVIRONMENT,
                Severity.ERROR,
                where,
                f"{folder.as_posix()}/ has no Environment document",
                f"add one: kind: Environment, name: {env}",
            )
        )
    found.documents = overlay
    return found


def read_prompts(directory: Path) -> tuple[dict[str, bytes], list[Finding]]:
    """The WAV files of the estate's prompts/ folder by `LANGUAGE/PROMPT`, and a finding for
    each that Asterisk could not play as a prompt."""
    folder = directory / PROMPTS
    if not folder.is_dir():
        return {}, []
    paths, findings = estate_files(folder, (".wav",), root=directory)
    prompts: dict[str, bytes] = {}
    for path in paths:
        data, problem = read_prompt(path)
        if problem:
            findings.append(
                Finding(
                    BAD_PROMPT,
                    Severity.ERROR,
                    Span(path.as_posix(), 1, 1),
                    f"not a prompt Asterisk plays: {problem}",
                    "record or convert it as 8 kHz, 16-bit, mono PCM WAV "
                    "(sox IN -r 8000 -c 1 -b 16 OUT.wav)",
                )
            )
            continue
        prompts[path.relative_to(folder).with_suffix("").as_posix()] = data
    return prompts, findings


def read_prompt(path: Path) -> tuple[bytes, str]:
    """The recording's bytes, or why Asterisk would not play it as a prompt."""
    try:
        if path.stat().st_size > MAX_PROMPT_BYTES:
            return b"", f"larger than {MAX_PROMPT_BYTES // 2**20} MiB"
        data = path.read_bytes()
        with wave.open(io.BytesIO(data)) as audio:
            shape = (audio.getframerate(), audio.getsampwidth(), audio.getnchannels())
            compression = audio.getcomptype()
    # a malformed file fails inside the wave module in more ways than it declares
    except (OSError, EOFError, wave.Error, RuntimeError, ValueError, struct.error) as error:
        return b"", str(error) or "not a readable WAV file"
    if compression != "NONE" or shape != (8000, 2, 1):
        return b"", f"{shape[0]} Hz, {8 * shape[1]}-bit, {shape[2]} channel(s)"
    return data, ""


def _lost_documents(
    text: str, file: str, read: list[RawDocument]
) -> Iterable[tuple[str, str, Span]]:
    """(kind, name, where) of documents a syntax error kept from being read, found by their
    top-level `kind:` and `name:` lines: references to them are then not reported as
    dangling, as the syntax error is their cause."""
    loaded = {
        (str(raw.data.get("kind")), str(raw.data.get("name")))
        for raw in read
        if isinstance(raw.data, dict)
    }
    found: dict[str, tuple[str, int]] = {}
    for number, line in enumerate([*text.splitlines(), "---"], start=1):
        if line.startswith("---"):
            kind, name = found.get("kind"), found.get("name")
            if kind and name and (kind[0], name[0]) not in loaded and kind[0] in KINDS:
                yield kind[0], name[0], Span(file, name[1], 1)
            found = {}
        elif match := _TOP_KEY.match(line):
            found.setdefault(match.group(1), (match.group(2), number))


def _estate_count(
    estate: Estate, sources: SourceMap, directory: Path, first: Path
) -> list[Finding]:
    infos = estate.documents.get("Estate", ())
    if not infos:
        return [
            Finding(
                ESTATE_COUNT,
                Severity.ERROR,
                Span(first.as_posix(), 1, 1),
                f"{directory} has no Estate document",
                "add one: kind: Estate, name, sip_domain",
            )
        ]
    names = [doc.name for doc in infos]
    return [
        Finding(
            ESTATE_COUNT,
            Severity.ERROR,
            sources.at("Estate", name, "name", nth=names[:index].count(name)),
            f"a second Estate document '{name}': an estate has one",
            f"the first is '{names[0]}'; merge them",
            f"Estate/{name}",
        )
        for index, name in enumerate(names)
        if index > 0
    ]


def read_text(path: Path, shown: str) -> tuple[str, Finding | None]:
    """The file's text, or a located finding why it cannot be had (unreadable, too large,
    not UTF-8)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            message = f"larger than {MAX_FILE_BYTES // 2**20} MiB: not an estate file"
            return "", Finding(UNREADABLE, Severity.ERROR, Span(shown, 1, 1), message)
        data = path.read_bytes()
    except OSError as error:
        return "", Finding(UNREADABLE, Severity.ERROR, Span(shown, 1, 1), error.strerror or "")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded"
        return "", Finding(
            UNREADABLE, Severity.ERROR, Span(shown, line, col), message, "save the file as UTF-8"
        )


def _kind_of(raw: RawDocument) -> tuple[str | None, str, list[Finding]]:
    """(kind, name, findings): the document's kind if it is a mapping of a known kind."""
    data = raw.data
    if not isinstance(data, dict):
        message = "a document must be a mapping with 'kind:' and 'name:'"
        return None, "", [Finding(NOT_A_DOCUMENT, Severity.ERROR, raw.spans.root, message)]
    kind = data.get("kind")
    if kind is None:
        hint = f"one of: {', '.join(KINDS)}"
        problem = Finding(
            NOT_A_DOCUMENT, Severity.ERROR, raw.spans.root, "document has no 'kind:'", hint
        )
        return None, "", [problem]
    name = data.get("name")
    if not isinstance(name, str):
        name = f"<{raw.spans.root}>"
    if kind == ENVIRONMENT_KIND:
        message = "an Environment document belongs in its environment's folder"
        hint = f"move it to {ENVIRONMENTS}/{name}/"
        return (
            None,
            "",
            [Finding(NO_ENVIRONMENT, Severity.ERROR, raw.spans.at(("kind",)), message, hint)],
        )
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(KINDS)}"
        span = raw.spans.at(("kind",))
        return (
            None,
            "",
            [Finding(UNKNOWN_KIND, Severity.ERROR, span, f"unknown kind '{kind}'", hint)],
        )
    return kind, name, []


def _build(
    raw: RawDocument, *, overlay: bool = False, model: type[Document] | None = None
) -> tuple[str | None, str, Document | None, list[Finding]]:
    """(kind, name, document or None, findings) for one raw document; an `overlay`'s
    document is only checked for its kind (its fields are checked once merged); `model`
    reads the document as that model whatever its kind."""
    if model is not None:
        name = raw.data.get("name") if isinstance(raw.data, dict) else None
        name = name if isinstance(name, str) else f"<{raw.spans.root}>"
        try:
            return None, name, model.model_validate(raw.data), []
        except ValidationError as error:
            return None, name, None, findings_from(error, raw, model)
    kind, name, problems = _kind_of(raw)
    if kind is None or overlay:
        return kind, name, None, problems
    model = KINDS[kind]
    try:
        return kind, name, model.model_validate(raw.data), []
    except ValidationError as error:
        return kind, name, None, findings_from(error, raw, model)


def count_by_kind(estate: Estate) -> Iterable[tuple[str, int]]:
    """(kind, number of documents) for every kind present."""
    return ((kind, len(docs)) for kind, docs in estate.documents.items() if docs)
