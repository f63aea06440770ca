"""`ccmsctl import asterisk DIR --out ESTATE --site NAME ...`: a running PBX's configuration
brought into a new estate, every line not modelled listed (IMPORT.md, or --format json).
Exit status 0 when every line was modelled, 3 when some were not, 1 on an error (a file
Asterisk itself would refuse, an estate folder in the way)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ccmsctl.cli.app import app, guard, validated
from ccmsctl.escape import visible
from ccmsctl.importing.asterisk import SiteFacts, import_asterisk
from ccmsctl.importing.kamailio import import_kamailio
from ccmsctl.importing.numbers import import_numbers
from ccmsctl.importing.write import (
    add_peers,
    estate_texts,
    report_json,
    report_markdown,
    write_estate_file,
    write_import,
)

RESIDUE = 3  # the exit status when lines were not modelled

import_app = typer.Typer(
    help="Bring an existing PBX into a new estate, with what was not modelled listed.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


class ImportFormat(StrEnum):
    text = "text"
    json = "json"


@import_app.command("asterisk")
def import_asterisk_command(
    pbxs: Annotated[
        list[Path],
        typer.Argument(
            metavar="PBX_CONF_DIR",
            help="The PBX's configuration folder (several: the site's PBXs).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The new estate's folder.")],
    site: Annotated[str, typer.Option("--site", help="The site the PBX stands in.")],
    country: Annotated[str, typer.Option("--country", help="The site's country (ISO 3166).")],
    timezone: Annotated[str, typer.Option("--timezone", help="The site's IANA time zone.")],
    region: Annotated[str, typer.Option("--region", help="The site's region.")] = "",
    address: Annotated[
        str, typer.Option("--address", help="The PBX's address where no transport binds one.")
    ] = "",
    edge: Annotated[
        str, typer.Option("--edge", help="An edge's address for the site (calls enter there).")
    ] = "",
    edges: Annotated[
        list[Path] | None,
        typer.Option(
            "--edges",
            help="An edge's configuration folder (its /etc, or its kamailio folder); once per "
            "edge, the twin's too.",
        ),
    ] = None,
    twin: Annotated[
        str,
        typer.Option(
            "--twin", help="The twin site's name, when the PBXs and edges given are a pair's."
        ),
    ] = "",
    sounds: Annotated[
        Path | None,
        typer.Option("--sounds", help="The PBX's sounds folder, for the IVRs' recordings."),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", help="Callers' language where the PBX names none.")
    ] = "en-US",
    secrets_file: Annotated[
        Path | None,
        typer.Option("--secrets", help="Where the secrets found go (default: ESTATE.secrets.yml)."),
    ] = None,
    output: Annotated[ImportFormat, typer.Option("--format", help="Output format.")] = (
        ImportFormat.text
    ),
) -> None:
    """Read a PBX's configuration (pjsip.conf, queues.conf, extensions.conf, voicemail.conf
    and what they include) into a new estate: trunks, phones, skill groups, numbers, IVRs
    and schedules; write the estate, IMPORT.md (every line not modelled, and why) and the
    secrets file."""
    with guard():
        facts = SiteFacts(
            site=site,
            country=country,
            region=region or country.lower(),
            timezone=timezone,
            language=language,
            estate=out.name,
            address=address,
            sounds=sounds,
            edge=edge,
            edges=tuple(edges or ()),
            twin=twin,
        )
        imported = import_asterisk(pbxs, facts)
        texts = estate_texts(imported.documents)
        source = " ".join(str(folder) for folder in [*pbxs, *(edges or [])])
        report = report_markdown(source, imported.ledger, texts)
        target = secrets_file or out.with_name(f"{out.name}.secrets.yml")
        write_import(out, texts, report, target, imported.secrets, imported.files)
        residue = imported.ledger.residue()
        if output is ImportFormat.json:
            typer.echo(json.dumps(report_json(source, imported.ledger, texts), indent=2))
        else:
            read, modelled = imported.ledger.counts()
            typer.echo(
                f"{source}: {read} lines read, {modelled} modelled, {len(residue)} not; "
                f"estate written to {out} (see {out / 'IMPORT.md'})"
            )
            if imported.secrets.values:
                typer.echo(f"{len(imported.secrets.values)} secrets written to {target}")
    if residue:
        raise typer.Exit(RESIDUE)


@import_app.command("numbers")
def import_numbers_command(
    csv_file: Annotated[Path, typer.Argument(help="The CSV file of DIDs.")],
    into: Annotated[Path, typer.Option("--into", help="The estate to add the numbers to.")],
    file: Annotated[
        str, typer.Option("--file", help="The new file of the estate the ranges go in.")
    ] = "carriers/numbers-imported.yaml",
    output: Annotated[ImportFormat, typer.Option("--format", help="Output format.")] = (
        ImportFormat.text
    ),
) -> None:
    """Add the DIDs of a CSV file (number or first,last; trunk; site; ivr) to an estate as
    number ranges; list each row the estate cannot take, with why."""
    with guard():
        loaded = validated(into)
        found = import_numbers(csv_file, str(csv_file), loaded.estate)
        target = into / file
        texts = estate_texts({file: found.ranges}) if found.ranges else {}
        write_estate_file(into, file, texts.get(file, ""))
        residue = found.ledger.residue()
        if output is ImportFormat.json:
            typer.echo(json.dumps(report_json(str(csv_file), found.ledger, texts), indent=2))
        else:
            for item in residue:
                typer.echo(f"{visible(str(item.span))}: not imported: {visible(item.why)}")
            count = sum(
                int(str(r["last"])[1:]) - int(str(r["first"])[1:]) + 1 for r in found.ranges
            )
            written = f"written to {target}" if found.ranges else "nothing written"
            typer.echo(
                f"{csv_file}: {count} numbers in {len(found.ranges)} ranges {written}; "
                f"{len(residue)} rows not imported"
            )
    if residue:
        raise typer.Exit(RESIDUE)


@import_app.command("kamailio")
def import_kamailio_command(
    folders: Annotated[
        list[Path], typer.Argument(help="Kamailio's configuration folders (the site's edges).")
    ],
    into: Annotated[Path, typer.Option("--into", help="The estate the lists speak of.")],
    output: Annotated[ImportFormat, typer.Option("--format", help="Output format.")] = (
        ImportFormat.text
    ),
) -> None:
    """Read an edge's address.list and dispatcher.list against an estate: each trunk's peer
    the estate lacks is added to it (by the address's tag); every line not modelled is
    listed with why."""
    with guard():
        loaded = validated(into)
        found = import_kamailio(folders, loaded.estate)
        changed = add_peers(loaded, into, found.peers)
        residue = found.ledger.residue()
        source = " ".join(str(folder) for folder in folders)
        if output is ImportFormat.json:
            typer.echo(json.dumps(report_json(source, found.ledger, {}), indent=2))
        else:
            for item in residue:
                typer.echo(f"{visible(str(item.span))}: not imported: {visible(item.why)}")
            for trunk, peers in sorted(found.peers.items()):
                shown = ", ".join(f"{address}:{port}" for address, port in peers)
                typer.echo(f"Trunk {trunk}: peers added: {shown}")
            read, modelled = found.ledger.counts()
            typer.echo(
                f"{source}: {read} lines read, {modelled} modelled, {len(residue)} not; "
                f"{len(changed)} file(s) of {into} changed"
            )
    if residue:
        raise typer.Exit(RESIDUE)
