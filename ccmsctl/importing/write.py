"""An import written out: the estate's files in fmt's canonical layout, IMPORT.md (what was
assumed, and every line not modelled with why) in the estate, and the secrets found in a
file of their own beside it, readable by its owner only. All of it or nothing: the estate
is written to a staging folder and renamed into place."""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from ccmsctl.compile.yamltext import dump
from ccmsctl.errors import UserError
from ccmsctl.escape import markdown_code, markdown_text
from ccmsctl.files import write_atomic, write_private
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.secrets import VAULT_FILE, Secrets
from ccmsctl.load.edit import EditError, set_field
from ccmsctl.load.estate import Loaded, load_estate
from ccmsctl.load.fmt import replace_file, round_trip_yaml
from ccmsctl.model.trunk import Trunk
from ccmsctl.validate.run import validate_estate

REPORT = "IMPORT.md"


class ImportOutputError(UserError):
    """The estate or the secrets file cannot be written where asked."""

    code = "E1902"


def estate_texts(documents: dict[str, list[dict[str, object]]]) -> dict[str, str]:
    """Each file's YAML, by its path in the estate, as `fmt` lays it out (block style, keys
    in the model's order, numbers to dial and anything YAML could read otherwise quoted):
    written directly, as a round trip through ruamel takes seconds for thousands of
    documents."""
    return {
        file: "---\n".join(dump(document) for document in found)  # type: ignore[arg-type]
        for file, found in sorted(documents.items())
    }


def secrets_text(secrets: Secrets) -> str:
    """The secrets file: what to do with it, then each value under its key."""
    yaml = round_trip_yaml()
    out = io.StringIO()
    yaml.dump(dict(secrets.values), out)
    return (
        "# Secrets found by ccmsctl import. Encrypt this file and move it into the estate:\n"
        f"#   ansible-vault encrypt THIS-FILE && mv THIS-FILE ESTATE/{VAULT_FILE}\n"
        "# Never commit it unencrypted.\n" + out.getvalue()
    )


def report_markdown(source: str, ledger: Ledger, texts: dict[str, str]) -> str:
    """IMPORT.md: what came of every line of `source`."""
    read, modelled = ledger.counts()
    residue = ledger.residue()
    lines = [
        "# Import",
        "",
        f"From {markdown_code(source)}: {read} lines of configuration read, {modelled} "
        f"modelled, {len(residue)} not (listed below with why).",
        "",
        "Files written: " + ", ".join(markdown_code(name) for name in sorted(texts)) + ".",
        "",
        "## Assumed",
        "",
    ]
    if ledger.assumed:
        lines += ["| document | field | value | why |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {markdown_code(a.subject, in_table=True)} | {markdown_code(a.field, in_table=True)}"
            f" | {markdown_code(a.value, in_table=True)} | {_cell(a.why)} |"
            for a in ledger.assumed
        ]
    else:
        lines.append("Nothing.")
    lines += ["", "## Not modelled", ""]
    if not residue:
        lines.append("Every line was modelled.")
    current = ""
    for item in residue:
        if item.span.file != current:
            current = item.span.file
            lines += ["", f"### {markdown_text(current)}", "", "| line | text | why |"]
            lines.append("| --- | --- | --- |")
        lines.append(
            f"| {item.span.line} | {markdown_code(item.text, in_table=True)} | {_cell(item.why)} |"
        )
    return "\n".join(lines) + "\n"


def report_json(source: str, ledger: Ledger, texts: dict[str, str]) -> dict[str, Any]:
    read, modelled = ledger.counts()
    return {
        "source": source,
        "read": read,
        "modelled": modelled,
        "files": sorted(texts),
        "assumed": [
            {"document": a.subject, "field": a.field, "value": a.value, "why": a.why}
            for a in ledger.assumed
        ],
        "residue": [
            {
                "file": r.span.file,
                "line": r.span.line,
                "column": r.span.col,
                "text": r.text,
                "why": r.why,
            }
            for r in ledger.residue()
        ],
    }


def write_import(
    out: Path,
    texts: dict[str, str],
    report: str,
    secrets_file: Path,
    secrets: Secrets,
    files: dict[str, bytes] | None = None,
) -> None:
    """Write the estate to `out` (absent or empty) and the secrets to `secrets_file`."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ImportOutputError(f"{out} exists and is not an empty folder: nothing was written")
    where = secrets_file.resolve()
    if where == out.resolve() or where.is_relative_to(out.resolve()):
        raise ImportOutputError(
            f"the secrets file {secrets_file} would be inside the estate: write it elsewhere"
        )
    if secrets.values and secrets_file.exists():
        raise ImportOutputError(f"{secrets_file} exists: refusing to replace it")
    staging: Path | None = None
    kept = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        written = {name: text.encode() for name, text in {**texts, REPORT: report}.items()}
        for file, data in {**written, **(files or {})}.items():
            target = staging / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if secrets.values:
            secrets_file.parent.mkdir(parents=True, exist_ok=True)
            write_private(secrets_file, secrets_text(secrets).encode())
            kept = True
        if out.exists():
            out.rmdir()
        staging.rename(out)
        staging = None
    except OSError as error:
        if kept:
            secrets_file.unlink(missing_ok=True)
        raise ImportOutputError(
            f"cannot write {out}: {error.strerror or error}; nothing was written"
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def write_estate_file(estate: Path, file: str, text: str) -> None:
    """Add `file` (a path in `estate`) with `text`, whole; never over a file or outside the
    estate. Nothing is written for no text."""
    if not text:
        return
    target = estate / file
    if ".." in Path(file).parts or Path(file).is_absolute() or not file.endswith(".yaml"):
        raise ImportOutputError(f"{file!r} is not a .yaml file's path inside the estate")
    if target.exists():
        raise ImportOutputError(f"{target} exists: refusing to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode(), mode=0o644)
    except OSError as error:
        raise ImportOutputError(f"cannot write {target}: {error.strerror or error}") from None


def _cell(text: str) -> str:
    return markdown_text(text).replace("|", "\\|")


def add_peers(loaded: Loaded, estate: Path, peers: dict[str, list[tuple[str, int]]]) -> list[Path]:
    """Each trunk's new `peers` added to its document where the estate has it, the files
    replaced whole; if the estate does not validate after, every file is as it was
    (ImportOutputError). The files changed."""
    before: dict[Path, str] = {}
    try:
        for trunk, added in sorted(peers.items()):
            document = loaded.estate.index(Trunk)[trunk]
            path = Path(loaded.sources.at("Trunk", trunk).file)
            before.setdefault(path, path.read_text(encoding="utf-8-sig"))
            listed = [
                {"address": str(p.address)} | ({"port": p.port} if p.port != 5060 else {})
                for p in document.peers
            ]
            listed += [
                {"address": address} | ({"port": port} if port != 5060 else {})
                for address, port in added
            ]
            replace_file(path, set_field(path, "Trunk", trunk, "peers", listed))
        if before:
            _still_valid(estate)
    except (ImportOutputError, EditError, OSError) as error:
        for path, text in before.items():
            replace_file(path, text)
        message = str(error) if isinstance(error, ImportOutputError) else f"cannot edit: {error}"
        raise ImportOutputError(message) from None
    return sorted(before)


def _still_valid(estate: Path) -> None:
    """Raise ImportOutputError if `estate` does not validate."""
    again = load_estate(estate)
    outcome = validate_estate(
        again.estate, again.sources, today=date.today(), loaded=again.findings
    )
    if outcome.failed():
        raise ImportOutputError(
            "the estate does not validate with the peers added: nothing was changed "
            f"({outcome.findings[0].message})"
        )
