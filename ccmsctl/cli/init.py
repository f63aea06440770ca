"""`ccmsctl init DIR`: a new estate repository that validates, with what a team needs
around it: a staging and a production environment, a .gitignore, a pre-commit hook running
validate, and CI for GitHub and GitLab that reviews every pull request per environment,
deploys what is merged to an environment's branch (plan kept, approval, apply of exactly
that plan) and checks the servers for drift on a schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from ccmsctl import tooling
from ccmsctl.cli.app import app, guard
from ccmsctl.errors import UserError
from ccmsctl.model.numbering import NUMBERING
from ccmsctl.model.schema import json_schemas
from ccmsctl.model.types import Country, Language, Name, TimeZone

# templates/init/<file> -> where it goes in the new repository
FILES = MappingProxyType(
    {
        "estate.yaml": "estate.yaml",
        "voice.yaml": "voice.yaml",
        "people.yaml": "people.yaml",
        "compliance.yaml": "compliance.yaml",
        "gitignore": ".gitignore",
        "pre-commit-config.yaml": ".pre-commit-config.yaml",
        "env-production.yaml": "environments/production/environment.yaml",
        "env-staging.yaml": "environments/staging/environment.yaml",
        "github-workflow.yml": ".github/workflows/ccmsctl.yml",
        "github-deploy.yml": ".github/workflows/ccmsctl-deploy.yml",
        "github-drift.yml": ".github/workflows/ccmsctl-drift.yml",
        "gitlab-ci.yml": ".gitlab-ci.yml",
        "welcome.wav": "prompts/@LANGUAGE@/welcome.wav",  # a tone standing in for a recording
        "phones.example.yml": "secrets/phones.yml.example",
        "phones-staging.example.yml": "secrets/staging/phones.yml.example",
    }
)
# a country's usual time zone (the most populous one's), for --timezone's default
ZONES = MappingProxyType(
    {
        "AE": "Asia/Dubai",
        "AT": "Europe/Vienna",
        "AU": "Australia/Sydney",
        "BE": "Europe/Brussels",
        "BR": "America/Sao_Paulo",
        "CA": "America/Toronto",
        "CH": "Europe/Zurich",
        "CN": "Asia/Shanghai",
        "CZ": "Europe/Prague",
        "DE": "Europe/Berlin",
        "DK": "Europe/Copenhagen",
        "ES": "Europe/Madrid",
        "FI": "Europe/Helsinki",
        "FR": "Europe/Paris",
        "GB": "Europe/London",
        "GR": "Europe/Athens",
        "HK": "Asia/Hong_Kong",
        "ID": "Asia/Jakarta",
        "IE": "Europe/Dublin",
        "IL": "Asia/Jerusalem",
        "IN": "Asia/Kolkata",
        "IT": "Europe/Rome",
        "JP": "Asia/Tokyo",
        "KR": "Asia/Seoul",
        "MO": "Asia/Macau",
        "MX": "America/Mexico_City",
        "MY": "Asia/Kuala_Lumpur",
        "NL": "Europe/Amsterdam",
        "NO": "Europe/Oslo",
        "NZ": "Pacific/Auckland",
        "PH": "Asia/Manila",
        "PL": "Europe/Warsaw",
        "PT": "Europe/Lisbon",
        "SA": "Asia/Riyadh",
        "SE": "Europe/Stockholm",
        "SG": "Asia/Singapore",
        "TH": "Asia/Bangkok",
        "TR": "Europe/Istanbul",
        "TW": "Asia/Taipei",
        "US": "America/New_York",
        "VN": "Asia/Ho_Chi_Minh",
        "ZA": "Africa/Johannesburg",
    }
)
_NAME: TypeAdapter[str] = TypeAdapter(Name)
_COUNTRY: TypeAdapter[str] = TypeAdapter(Country)
_LANGUAGE: TypeAdapter[str] = TypeAdapter(Language)
_ZONE: TypeAdapter[str] = TypeAdapter(TimeZone)


class InitError(UserError):
    """The folder cannot take a new estate."""

    code = "E1603"


def estate_name(directory: Path) -> str:
    """The folder's name as an estate name (lower case, '-' for anything else)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", directory.resolve().name.lower()).strip("-._")
    try:
        return _NAME.validate_python(name)
    except ValidationError:
        return "estate"


@dataclass(frozen=True)
class Locale:
    """Where the new estate's sites stand and what their callers speak."""

    country: str = "CN"
    language: str = "zh-CN"
    timezone: str = ""  # "" for the country's usual one

    def values(self) -> dict[str, str]:
        """The templates' placeholders, checked as the model checks them."""
        problems = []
        for check, value in ((_COUNTRY, self.country), (_LANGUAGE, self.language)):
            try:
                check.validate_python(value)
            except ValidationError as error:
                problems.append(error.errors()[0]["msg"])
        zone = self.timezone or ZONES.get(self.country, "")
        if not zone:
            problems.append(f"no usual time zone of {self.country} is known: give --timezone")
        else:
            try:
                _ZONE.validate_python(zone)
            except ValidationError as error:
                problems.append(error.errors()[0]["msg"])
        plan = NUMBERING.get(self.country)
        if plan is None:
            problems.append(f"no numbering of {self.country} is known for the example's DIDs")
        if problems:
            raise InitError("; ".join(problems) + ": nothing was written")
        assert plan is not None
        first = f"+{plan.calling_code}2100000000"
        return {
            "@COUNTRY@": self.country,
            "@REGION@": f"{self.country.lower()}-1",
            "@TIMEZONE@": zone,
            "@LANGUAGE@": self.language,
            "@FIRST@": first,
            "@LAST@": first[:-1] + "9",
        }


def scaffold(directory: Path, locale: Locale = Locale()) -> list[str]:
    """Write a new estate into `directory` (absent or empty): its documents for `locale`,
    the JSON schemas its files point editors at, examples of its vault files; the paths
    written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InitError(f"{directory} exists and is not an empty folder: nothing was written")
    values = {"@NAME@": estate_name(directory), **locale.values()}
    source = tooling.templates() / "init"
    written = []
    for template, path in FILES.items():
        target = directory / _filled(path, values)
        target.parent.mkdir(parents=True, exist_ok=True)
        if template.endswith(".wav"):
            target.write_bytes((source / template).read_bytes())
        else:
            text = _filled((source / template).read_text(encoding="utf-8"), values)
            target.write_text(text, encoding="utf-8")
        written.append(_filled(path, values))
    for name, text in json_schemas().items():
        target = directory / "schemas" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(f"schemas/{name}")
    return written


def _filled(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="The new estate repository's folder.")],
    country: Annotated[
        str, typer.Option("--country", help="The sites' country (ISO 3166-1 alpha-2).")
    ] = "CN",
    language: Annotated[
        str, typer.Option("--language", help="Callers' language (BCP 47), the IVR's and agents'.")
    ] = "zh-CN",
    timezone: Annotated[
        str, typer.Option("--timezone", help="The sites' IANA time zone (default: the country's).")
    ] = "",
) -> None:
    """Start a new estate repository: a small valid estate for the country and language
    given, the JSON schemas its files name, examples of its vault files, .gitignore, a
    pre-commit hook and CI examples."""
    with guard():
        try:
            written = scaffold(directory, Locale(country, language, timezone))
        except OSError as error:
            raise InitError(f"cannot write {directory}: {error.strerror}") from None
        for path in written:
            if not path.startswith("schemas/"):
                typer.echo(f"  + {path}")
        typer.echo("  + schemas/ (the JSON schemas of every kind, for editors)")
        typer.echo(
            f"New estate '{estate_name(directory)}' in {directory}. Next: "
            f"git init {directory} && ccmsctl validate {directory}; "
            f"`ccmsctl secrets {directory}` lists the secrets to add (see secrets/*.yml.example)"
        )
