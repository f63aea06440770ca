"""`ccmsctl import asterisk`: a running PBX's configuration folder read into estate
documents: the site and its PBX host (from PJSIP's transport), the carrier trunks and the
agents' phones (pjsip.conf), the skill groups and who is in them (queues.conf). Every
statement of every `*.conf` file in the folder is accounted for in the ledger: modelled, or
residue with why. The files ccmsctl writes itself and does not import (modules.conf,
rtp.conf, ...) are residue line by line, so that a setting someone relied on is seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ccmsctl.errors import UserError
from ccmsctl.importing.conf import Config, Section, read_config
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import Namer
from ccmsctl.importing.pjsip import import_pjsip
from ccmsctl.importing.queues import import_queues
from ccmsctl.importing.secrets import Secrets
from ccmsctl.model.kinds import KINDS

PHONE_SKILL = "phone"  # the skill of an agent in no queue (a skill group needs one)
LOG_KEEP = "90d"


class ImportOptionsError(UserError):
    """An option of the import (a site's name, its country or time zone) the model refuses."""

    code = "E1903"


@dataclass(frozen=True)
class SiteFacts:
    """What the configuration does not say and the estate needs: given on the command line."""

    site: str
    country: str
    region: str
    timezone: str
    language: str
    estate: str
    address: str = ""  # the PBX's, where no transport binds one


@dataclass
class Imported:
    """Documents by the estate file they go in, the secrets found, and the ledger."""

    documents: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    secrets: Secrets = field(default_factory=Secrets)
    ledger: Ledger = field(default_factory=Ledger)

    def add(self, file: str, document: dict[str, object], origin: Section | None = None) -> None:
        """Add `document` to `file` if the model takes it; else it is left out and the
        lines it came from (`origin`) are residue with why."""
        kind = KINDS[str(document["kind"])]
        try:
            kind.model_validate(document)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            why = f"the model refuses its {where}: {problem['msg']}"
            if origin is None:  # made from the command line's options
                raise ImportOptionsError(
                    f"{document['kind']} {document['name']!r} cannot be made from the options "
                    f"given: {why}"
                ) from None
            self.ledger.unmodel(origin)
            self.ledger.leave(origin, why)
            self.ledger.leave_all(origin.settings, why)
            return
        self.documents.setdefault(file, []).append(document)


def import_asterisk(folder: Path, facts: SiteFacts) -> Imported:
    """The estate of the PBX whose configuration folder is `folder`. Raises
    ImportSyntaxError where Asterisk would refuse a file."""
    imported = Imported()
    ledger, namer = imported.ledger, Namer()
    configs = _configs(folder)
    for config in configs.values():
        ledger.add(config)
    pjsip = import_pjsip(
        configs.pop("pjsip.conf", Config("pjsip.conf")),
        ledger,
        site=facts.site,
        language=facts.language,
        secrets=imported.secrets,
        namer=namer,
    )
    groups = import_queues(
        configs.pop("queues.conf", Config("queues.conf")),
        ledger,
        site=facts.site,
        language=facts.language,
        phones=pjsip.phones,
        namer=namer,
    )
    for file, config in sorted(configs.items()):
        why = f"{file} is not imported: ccmsctl writes it from the estate"
        ledger.leave_all(config.statements, why)
    imported.add(
        "estate.yaml",
        {"kind": "Estate", "name": facts.estate, "sip_domain": f"{facts.estate}.invalid"},
    )
    ledger.assume(
        f"Estate/{facts.estate}", "sip_domain", f"{facts.estate}.invalid", "not in Asterisk's files"
    )
    address = pjsip.address or facts.address
    hosts = [{"name": f"{facts.site}-pbx-1", "roles": ["pbx"], "address": address}]
    if not address:
        hosts = []
        why = "no PJSIP transport binds an address and --address gives none: add the host"
        ledger.assume(f"Site/{facts.site}", "hosts", "none", why)
    site: dict[str, object] = {
        "kind": "Site",
        "name": facts.site,
        "country": facts.country,
        "region": facts.region,
        "timezone": facts.timezone,
    }
    imported.add(f"sites/{facts.site}.yaml", site | ({"hosts": hosts} if hosts else {}))
    for origin, trunk in pjsip.trunks.values():
        imported.add("carriers/trunks.yaml", trunk, origin)
    for phone in sorted(pjsip.phones.values(), key=lambda p: p.extension):
        if not phone.document.get("skills"):
            phone.document["skills"] = {PHONE_SKILL: 5}
            ledger.assume(f"Agent/{phone.document['name']}", "skills", PHONE_SKILL, "in no queue")
        imported.add("people/agents.yaml", phone.document, phone.endpoint)
    for origin, group in groups.values():
        imported.add("people/skill-groups.yaml", group, origin)
        ledger.assume(
            f"SkillGroup/{group['name']}", "max_wait", group["max_wait"], "no queue timeout found"
        )
    _compliance(imported, facts)
    return imported


def _compliance(imported: Imported, facts: SiteFacts) -> None:
    """Where the PBX's data may be and how long its logs are kept: the least the estate
    needs, each an assumption for the team's data protection officer to confirm."""
    country = facts.country
    residency = f"residency-{country.lower()}"
    retention = f"retention-{country.lower()}"
    imported.add(
        "compliance.yaml",
        {
            "kind": "ResidencyPolicy",
            "name": residency,
            "jurisdiction": country,
            "rules": [
                {"data_class": data, "allowed_countries": [country]}
                for data in ("recording", "cdr", "log")
            ],
        },
    )
    imported.add(
        "compliance.yaml",
        {
            "kind": "RetentionPolicy",
            "name": retention,
            "jurisdiction": country,
            "classes": [
                {"name": "log", "data_class": "log", "keep": LOG_KEEP, "store": [facts.site]}
            ],
        },
    )
    why = "Asterisk's files say nothing of it: confirm with the data protection officer"
    imported.ledger.assume(f"ResidencyPolicy/{residency}", "rules", f"data stays in {country}", why)
    imported.ledger.assume(f"RetentionPolicy/{retention}", "classes", f"logs {LOG_KEEP}", why)


def _configs(folder: Path) -> dict[str, Config]:
    """Every `*.conf` of `folder` no other includes, read with what it includes."""
    configs = {path.name: read_config(folder, path.name) for path in sorted(folder.glob("*.conf"))}
    included = {file for name, config in configs.items() for file in config.files if file != name}
    return {name: config for name, config in configs.items() if name not in included}
