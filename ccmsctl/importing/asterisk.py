"""`ccmsctl import asterisk`: a running PBX's configuration folder read into estate
documents: the site and its PBX host (from PJSIP's transport), the carrier trunks and the
agents' phones (pjsip.conf), the skill groups and who is in them (queues.conf). Every
statement of every `*.conf` file in the folder is accounted for in the ledger: modelled, or
residue with why. The files ccmsctl writes itself and does not import (modules.conf,
rtp.conf, ...) are residue line by line, so that a setting someone relied on is seen."""

from __future__ import annotations

import io
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ccmsctl.errors import UserError
from ccmsctl.importing.conf import Config, Section, read_config
from ccmsctl.importing.cron import Kept, read_jobs
from ccmsctl.importing.dialplan import Routes, import_dialplan
from ccmsctl.importing.edges import Edges, read_edges
from ccmsctl.importing.extensions import read_dialplan
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import LANGUAGES, Namer, folder_label
from ccmsctl.importing.pjsip import Pjsip, import_pjsip
from ccmsctl.importing.queues import ASSUMED_MAX_WAIT, import_queues
from ccmsctl.importing.secrets import Secrets
from ccmsctl.importing.sites import ImportOptionsError, apply_edges, trunk_peers
from ccmsctl.importing.wizard import expand_wizards, wizard_statements, wizard_templates
from ccmsctl.load.estate import read_prompt
from ccmsctl.model.estate import ESTATE_FORMAT
from ccmsctl.model.kinds import KINDS

_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$")
CHANNELS = "CCMS_CHANNELS"  # ccmsctl's own dialplan: the calls the PBX takes at once
PHONE_SKILL = "phone"  # the skill of an agent in no queue (a skill group needs one)
LOG_KEEP = "90d"
CDR_KEEP = "365d"
RECORDING_KEEP = "365d"
VOICEMAIL_KEEP = "30d"
VOICEMAIL_ERASE = "7d"
COMPLIANCE = "compliance.yaml"
GENERAL_DIALPLAN = {"static": "yes", "writeprotect": "yes", "clearglobalvars": "no"}
GENERAL_VOICEMAIL = {
    "format": "wav",
    "attach": "no",
    "maxmsg": "100",
    "maxsecs": "300",
    "passwordlocation": "spooldir",
}


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
    sounds: Path | None = None  # the PBX's sounds folder, for the IVRs' prompts
    edge: str = ""  # the address of an edge for the site, where calls will enter
    edges: tuple[Path, ...] = ()  # the site's (and its twin's) edges' configuration folders
    twin: str = ""  # the twin site's name, whose PBXs and edges are imported with the site's


@dataclass
class Imported:
    """Documents by the estate file they go in, the secrets found, and the ledger."""

    documents: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    secrets: Secrets = field(default_factory=Secrets)
    ledger: Ledger = field(default_factory=Ledger)
    namer: Namer = field(default_factory=Namer)
    files: dict[str, bytes] = field(default_factory=dict)  # the prompts' recordings
    # each PBX (by address): the addresses its trunks reach (the site's VIP or edge)
    contacts: dict[str, set[str]] = field(default_factory=dict)
    stored: dict[str, set[str]] = field(default_factory=dict)  # retention class: its PBXs

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


class ImportMismatchError(UserError):
    """The PBXs of a site imported together do not run the same configuration."""

    code = "E1905"


def import_asterisk(folders: list[Path], facts: SiteFacts) -> Imported:
    """The estate of the site whose PBXs' configuration folders are `folders`: PBXs that
    run the same configuration but for their address (as ccmsctl writes them), each a host
    of the site. Raises ImportSyntaxError where Asterisk would refuse a file, and
    ImportMismatchError where the PBXs differ."""
    edges = read_edges(list(facts.edges)) if facts.edges else None
    if len(folders) == 1:
        first = _import_pbx(folders[0], facts, "", edges)
    else:
        names = [folder_label(folder) for folder in folders]
        unique = len(set(names)) == len(names)
        labels = names if unique else [f"pbx-{n + 1}" for n in range(len(names))]
        first, *others = [
            _import_pbx(folder, facts, f"{label}/", edges)
            for folder, label in zip(folders, labels, strict=True)
        ]
        for label, other in zip(labels[1:], others, strict=True):
            _merge(first, other, labels[0], label, facts)
    if edges is not None:
        if facts.edge:
            raise ImportOptionsError("--edge ADDRESS and --edges: give one (--edges reads them)")
        apply_edges(
            first.documents,
            first.ledger,
            first.contacts,
            edges,
            site=facts.site,
            twin=facts.twin,
            wanted=first.secrets.wanted,
            stored=first.stored,
        )
    return first


def _merge_retention(base: Imported, other: Imported, base_label: str, label: str) -> None:
    """The retention classes of another PBX's into `base`'s: a class both keep alike is
    one, kept on both PBXs; one only `other` keeps is added (its jobs keep it there only)."""
    policies = {
        str(d["name"]): d
        for d in base.documents.get(COMPLIANCE, [])
        if d["kind"] == "RetentionPolicy"
    }
    for theirs in other.documents.get(COMPLIANCE, []):
        mine = policies.get(str(theirs["name"]))
        if theirs["kind"] != "RetentionPolicy" or mine is None:
            continue
        classes = mine["classes"]
        assert isinstance(classes, list)
        known = {str(c["name"]): c for c in classes}
        for kept in theirs["classes"]:  # type: ignore[attr-defined]
            same = known.get(kept["name"])
            if same is None:
                classes.append(kept)
            elif same != kept:
                raise ImportMismatchError(
                    f"{label} does not run {base_label}'s configuration: retention class "
                    f"{kept['name']} differs; import the PBXs of one configuration together"
                )
        theirs["classes"] = classes
    for name, pbxs in other.stored.items():
        base.stored.setdefault(name, set()).update(pbxs)


def _merge(base: Imported, other: Imported, base_label: str, label: str, facts: SiteFacts) -> None:
    """`other`, another PBX of the site, into `base`: its host added, its documents the
    same as `base`'s (else ImportMismatchError), its lines accounted for."""
    site_file = f"sites/{facts.site}.yaml"
    _merge_retention(base, other, base_label, label)
    for file in sorted(set(base.documents) | set(other.documents)):
        if file == site_file:
            continue
        mine, theirs = base.documents.get(file, []), other.documents.get(file, [])
        if mine != theirs:
            shown = next(
                (
                    f"{d.get('kind')}/{d.get('name')}"
                    for d in [*theirs, *mine]
                    if (d in mine) != (d in theirs)
                ),
                file,
            )
            raise ImportMismatchError(
                f"{label} does not run {base_label}'s configuration: {shown} ({file}) differs; "
                "import the PBXs of one configuration together, each other one on its own"
            )
    if other.secrets.values != base.secrets.values or other.files != base.files:
        raise ImportMismatchError(
            f"{label}'s passwords or recordings are not {base_label}'s: import them apart"
        )
    hosts = [
        host
        for document in other.documents.get(site_file, [])
        for host in document.get("hosts", [])  # type: ignore[attr-defined]
        if "pbx" in host["roles"]
    ]
    for document in base.documents.get(site_file, []):
        known = document.setdefault("hosts", [])
        assert isinstance(known, list)
        for host in hosts:
            pbxs = sum("pbx" in h["roles"] for h in known)
            if all(h.get("address") != host["address"] for h in known):
                known.append(host | {"name": f"{facts.site}-pbx-{pbxs + 1}"})
    base.ledger.absorb(other.ledger)
    base.contacts |= other.contacts


def _import_pbx(folder: Path, facts: SiteFacts, prefix: str, edges: Edges | None) -> Imported:
    """The estate of the PBX whose configuration folder is `folder` (its places named after
    `prefix`)."""
    imported = Imported()
    ledger, namer = imported.ledger, imported.namer
    configs = _configs(folder, prefix)
    for config in configs.values():
        ledger.add(config)
    pjsip_config = configs.pop("pjsip.conf", Config("pjsip.conf"))
    if (wizard := configs.pop("pjsip_wizard.conf", None)) is not None:
        pjsip_config.sections += expand_wizards(wizard)
        ledger.model(*wizard_templates(wizard))
        made = set(wizard_statements(wizard))
        ledger.leave_all(
            (s for s in wizard.statements if s not in made),
            "only the wizard's sections (type = wizard) are imported",
        )
    pjsip = import_pjsip(
        pjsip_config,
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
    routes = _dialplan(configs.pop("extensions.conf", None), imported, facts, pjsip, groups)
    boxes = _mailboxes(routes, [group for _, group in groups.values()])
    _voicemail(configs.pop("voicemail.conf", None), ledger, boxes)
    cdr = _cdr_class(configs.get("cdr_custom.conf"), ledger)
    records = _records(configs.get("cdr.conf"), ledger)
    for file, config in sorted(configs.items()):
        why = f"{file} is not imported: ccmsctl writes it from the estate"
        ledger.leave_all((s for s in config.statements if not ledger.modelled(s)), why)
    imported.add(
        "estate.yaml",
        {
            "kind": "Estate",
            "name": facts.estate,
            "format": ESTATE_FORMAT,
            "sip_domain": f"{facts.estate}.invalid",
        },
    )
    ledger.assume(
        f"Estate/{facts.estate}", "sip_domain", f"{facts.estate}.invalid", "not in Asterisk's files"
    )
    if edges is not None:
        imported.contacts[pjsip.address] = trunk_peers(pjsip, edges)
    tls = any(doc.get("transport") == "tls" for _, doc in pjsip.trunks.values())
    _site(imported, facts, pjsip.address or facts.address, tls=tls, channels=routes.channels)
    for origin, trunk in pjsip.trunks.values():
        if trunk["name"] in routes.national:
            trunk["national_numbers"] = facts.country
            why = "its context's DIDs are written nationally: read as the site's (--country)"
            ledger.assume(f"Trunk/{trunk['name']}", "national_numbers", facts.country, why)
        imported.add("carriers/trunks.yaml", trunk, origin)
    _people(imported, pjsip, groups, routes)
    for numbers in routes.ranges:
        imported.add("carriers/numbers.yaml", numbers)
    for schedule in routes.schedules:
        imported.add("ivr/schedules.yaml", schedule)
    for ivr in routes.ivrs:
        imported.add(f"ivr/{ivr['name']}.yaml", ivr)
    _prompts(imported, facts, routes)
    kept = read_jobs(folder, ledger, prefix)
    _compliance(
        imported,
        facts,
        recordings=routes.classes,
        messages=bool(boxes),
        cdr=cdr if records else "",
        kept=kept,
    )
    for policy in imported.documents.get(COMPLIANCE, []):
        for kept_class in policy.get("classes", []):  # type: ignore[attr-defined]
            imported.stored[kept_class["name"]] = {pjsip.address}
    return imported


def _people(
    imported: Imported,
    pjsip: Pjsip,
    groups: dict[str, tuple[Section, dict[str, object]]],
    routes: Routes,
) -> None:
    """The agents (their phones) and the skill groups (the queues)."""
    ledger = imported.ledger
    for phone in sorted(pjsip.phones.values(), key=lambda p: p.extension):
        if not phone.document.get("skills"):
            phone.document["skills"] = {PHONE_SKILL: 5}
            ledger.assume(f"Agent/{phone.document['name']}", "skills", PHONE_SKILL, "in no queue")
        imported.add("people/agents.yaml", phone.document, phone.endpoint)
    for origin, group in groups.values():
        imported.add("people/skill-groups.yaml", group, origin)
        if group["name"] not in routes.timed:
            why = "no Queue() in the dialplan gives its timeout"
            ledger.assume(f"SkillGroup/{group['name']}", "max_wait", ASSUMED_MAX_WAIT, why)


def _site(imported: Imported, facts: SiteFacts, address: str, *, tls: bool, channels: int) -> None:
    """The site, its edge (where given) and its PBX host; with `tls` (a trunk asks for it),
    the certificate its edges present to carriers, as references to values to add."""
    ledger = imported.ledger
    hosts: list[dict[str, object]] = []
    if facts.edge:
        hosts.append({"name": f"{facts.site}-edge-1", "roles": ["edge"], "address": facts.edge})
    else:
        why = "calls enter a site through its edges (Kamailio): add one (--edge ADDRESS)"
        ledger.assume(f"Site/{facts.site}", "hosts", "no edge", why)
    if address:
        pbx: dict[str, object] = {"name": f"{facts.site}-pbx-1", "roles": ["pbx"]}
        pbx["address"] = address
        if channels:
            pbx["channels"] = channels
        hosts.append(pbx)
    else:
        why = "no PJSIP transport binds an address and --address gives none: add the host"
        ledger.assume(f"Site/{facts.site}", "hosts", "no PBX", why)
    site: dict[str, object] = {
        "kind": "Site",
        "name": facts.site,
        "country": facts.country,
        "region": facts.region,
        "timezone": facts.timezone,
    }
    if hosts:
        site["hosts"] = hosts
    if tls:
        secrets = imported.secrets
        site["tls"] = {
            "certificate": secrets.wanted(f"tls-certificate-{facts.site}"),
            "private_key": secrets.wanted(f"tls-private-key-{facts.site}"),
        }
        why = "a trunk uses TLS, which the site's edges end: add its PEM certificate and key"
        ledger.assume(f"Site/{facts.site}", "tls", "certificate and private key", why)
    imported.add(f"sites/{facts.site}.yaml", site)


def _dialplan(
    config: Config | None,
    imported: Imported,
    facts: SiteFacts,
    pjsip: Pjsip,
    groups: dict[str, tuple[Section, dict[str, object]]],
) -> Routes:
    """The numbers and IVRs of extensions.conf; its [general] and [globals] accounted for."""
    if config is None:
        return Routes()
    ledger = imported.ledger
    dialplan = read_dialplan(config, ledger)
    routes = import_dialplan(
        dialplan,
        ledger,
        site=facts.site,
        language=facts.language,
        timezone=facts.timezone,
        country=facts.country,
        trunk_contexts=pjsip.contexts,
        trunk_endpoints={name: str(doc["name"]) for name, (_, doc) in pjsip.trunks.items()},
        groups={name: group for name, (_, group) in groups.items()},
        phones=pjsip.phones,
        namer=imported.namer,
    )
    for section in config.sections:
        if section.name == "general":
            why = "ccmsctl writes extensions.conf's [general] itself"
            ledger.fixed(section, GENERAL_DIALPLAN, why)
        elif section.name == "globals":
            ledger.model(section)
            for setting in section.settings:
                if setting.name == CHANNELS and setting.value.isdigit():
                    routes.channels = int(setting.value)  # ccmsctl's own: the host's
                    ledger.model(setting)
                elif setting.name in dialplan.used:
                    ledger.model(setting)
                else:
                    ledger.leave(setting, "a global variable no imported step uses")
    return routes


def _mailboxes(routes: Routes, groups: list[dict[str, object]]) -> set[str]:
    """The voicemail boxes the imported calls leave messages in: the IVRs' and the groups'
    overflows'."""
    boxes = {
        str(node["mailbox"])
        for ivr in routes.ivrs
        for node in ivr["nodes"].values()  # type: ignore[attr-defined]
        if node.get("type") == "voicemail"
    }
    for group in groups:
        overflow = group.get("overflow")
        if isinstance(overflow, dict) and "voicemail" in overflow:
            boxes.add(str(overflow["voicemail"]))
    return boxes


def _voicemail(config: Config | None, ledger: Ledger, used: set[str]) -> None:
    """voicemail.conf: its boxes are where the imported calls leave messages; their PINs,
    names and addresses are not in the model (ccmsctl keeps PINs in the spool)."""
    if config is None:
        return
    for section in config.sections:
        if section.name == "general":
            why = "ccmsctl writes voicemail.conf's [general] itself"
            ledger.fixed(section, GENERAL_VOICEMAIL, why)
            continue
        ledger.model(section)
        for setting in section.settings:
            if setting.name in used:
                ledger.leave(
                    setting,
                    "the box is in the estate; its PIN, name and e-mail are not (ccmsctl keeps "
                    "PINs in the spool)",
                )
            else:
                ledger.leave(setting, "a mailbox no imported call leaves a message in")


def _prompts(imported: Imported, facts: SiteFacts, routes: Routes) -> None:
    """Each IVR prompt's recording in each language its callers may be in (the IVRs' own,
    and those a language menu puts them in), from the PBX's sounds folder
    (`sounds/<Asterisk's code>/<prompt>.wav`, or `sounds/<prompt>.wav` for the estate's
    language), in the estate's prompts/."""
    needed: dict[str, set[str]] = {}  # prompt -> the languages its callers may be in
    for ivr in routes.ivrs:
        nodes: dict[str, dict[str, Any]] = ivr["nodes"]  # type: ignore[assignment]
        spoken = {str(ivr["language"])} | {
            str(option["language"])
            for node in nodes.values()
            for option in node.get("options", ())
            if "language" in option
        }
        for node in nodes.values():
            if "prompt" in node:
                needed.setdefault(str(node["prompt"]), set()).update(spoken)
    for prompt in sorted(routes.prompts):
        missing: list[str] = []
        for language in sorted(needed.get(prompt, {facts.language})):
            found = _recording(facts, prompt, language)
            data, problem = read_prompt(found) if found is not None else (b"", "")
            if problem:
                missing.append(f"{language} ({found.name if found else prompt}: {problem})")
            elif not data:
                missing.append(language)
            imported.files[f"prompts/{language}/{prompt}.wav"] = data or SILENCE
        if missing:
            why = (
                f"no playable recording of {prompt}.wav in the sounds folder (--sounds) in "
                f"{', '.join(missing)}: record it (8 kHz, 16-bit, mono WAV) over the silence"
            )
            imported.ledger.assume(f"Prompt/{prompt}", "recording", "1 s of silence", why)


def silence(seconds: float) -> bytes:
    """A recording of silence as Asterisk plays prompts (8 kHz, 16-bit, mono WAV)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


SILENCE = silence(1.0)  # a prompt's recording where the PBX's sounds folder has none


def _recording(facts: SiteFacts, prompt: str, language: str) -> Path | None:
    """The recording of `prompt` in `language` in the PBX's sounds folder, where Asterisk
    looks: `CODE/PROMPT.wav` or `DIR/CODE/NAME.wav` (CODE Asterisk's name of the language,
    zh or zh_CN), or `PROMPT.wav` for the estate's own language."""
    if facts.sounds is None:
        return None
    codes = [language.replace("-", "_"), *(c for c, tag in LANGUAGES.items() if tag == language)]
    folder, _, name = prompt.rpartition("/")
    candidates = [
        *(facts.sounds / code / f"{prompt}.wav" for code in codes),
        *(facts.sounds / folder / code / f"{name}.wav" for code in codes),
        *([facts.sounds / f"{prompt}.wav"] if language == facts.language else []),
    ]
    return next((path for path in candidates if path.is_file()), None)


def _compliance(
    imported: Imported,
    facts: SiteFacts,
    *,
    recordings: dict[str, bool],
    messages: bool,
    cdr: str,
    kept: Kept,
) -> None:
    """Where the PBX's data may be and how long it is kept: the keep periods its cron jobs
    say, the least the estate needs for the rest, each an assumption for the team's data
    protection officer to confirm."""
    country = facts.country
    residency = f"residency-{country.lower()}"
    retention = f"retention-{country.lower()}"
    imported.add(
        COMPLIANCE,
        {
            "kind": "ResidencyPolicy",
            "name": residency,
            "jurisdiction": country,
            "rules": [
                {"data_class": data, "allowed_countries": [country]}
                for data in ("recording", "cdr", "log", "voicemail")
            ],
        },
    )
    assumed: list[str] = []

    def keep(name: str, data_class: str, default: str, shown: str) -> str:
        days = kept.keep(data_class, name)
        if days:
            return f"{days}d"
        assumed.append(f"{shown} {default}")
        return default

    order = {name: index for index, name in enumerate(kept.recordings)}
    classes = [
        _retention_class(
            imported,
            facts,
            name,
            "recording",
            keep(name, "recording", RECORDING_KEEP, name),
            sealed=sealed,
            held=kept.read and name not in kept.recordings,
        )
        for name, sealed in sorted(
            recordings.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
    ]
    if cdr:
        classes.insert(
            0,
            _retention_class(
                imported,
                facts,
                cdr,
                "cdr",
                keep(cdr, "cdr", CDR_KEEP, "call records"),
                sealed=cdr in kept.encrypted,
            ),
        )
    if messages:
        classes.append(
            {
                "name": "voicemail",
                "data_class": "voicemail",
                "keep": keep("voicemail", "voicemail", VOICEMAIL_KEEP, "voicemail"),
                "erase_on_request": VOICEMAIL_ERASE,
                "store": [facts.site],
            }
        )
    if kept.logs or not kept.found:  # jobs that rotate no logs: they are not kept
        classes.append(
            {
                "name": "log",
                "data_class": "log",
                "keep": keep("log", "log", LOG_KEEP, "logs"),
                "store": [facts.site],
            }
        )
    imported.add(
        COMPLIANCE,
        {"kind": "RetentionPolicy", "name": retention, "jurisdiction": country, "classes": classes},
    )
    why = "Asterisk's files say nothing of it: confirm with the data protection officer"
    imported.ledger.assume(f"ResidencyPolicy/{residency}", "rules", f"data stays in {country}", why)
    if messages:
        assumed.append(f"voicemail erased {VOICEMAIL_ERASE} after a request")
    if assumed:
        imported.ledger.assume(f"RetentionPolicy/{retention}", "classes", ", ".join(assumed), why)


def _records(config: Config | None, ledger: Ledger) -> bool:
    """Whether the PBX keeps call records: not when cdr.conf's [general] says `enable = no`
    (the estate then has no class of call records at its site)."""
    for section in config.sections if config is not None else []:
        setting = section.get("enable") if section.name == "general" else None
        if setting is not None and setting.value.lower() in ("no", "false", "0", "off"):
            ledger.model(setting)
            return False
    return True


def _cdr_class(config: Config | None, ledger: Ledger) -> str:
    """The class the call records are kept by: named by the file cdr_custom writes them to
    (`[NAME.csv]`, as ccmsctl writes it), else "cdr"."""
    for section in config.sections if config is not None else []:
        name = section.name.removesuffix(".csv")
        if name != section.name and _NAME.match(name):
            ledger.model(section)
            return name
    return "cdr"


def _retention_class(
    imported: Imported,
    facts: SiteFacts,
    name: str,
    data_class: str,
    keep: str,
    *,
    sealed: bool,
    held: bool = False,
) -> dict[str, object]:
    """A class of the PBX's recordings or call records, kept `keep` (never purged: `held`);
    one the PBX encrypts (`sealed`) names the certificate to encrypt to (a value to add)."""
    found: dict[str, object] = {
        "name": name,
        "data_class": data_class,
        "keep": keep,
        "store": [facts.site],
    }
    if held:
        found["legal_hold"] = True
        why = "the PBX's cron jobs purge other classes' recordings, never this one's"
        imported.ledger.assume(f"RetentionClass/{name}", "legal_hold", True, why)
    if sealed:
        found["encryption_at_rest"] = True
        found["encryption_certificate"] = imported.secrets.wanted(f"recording-key-{name}")
        what = "recordings" if data_class == "recording" else "call records"
        why = f"its {what} are encrypted to a certificate not in Asterisk's files: add it"
        imported.ledger.assume(f"RetentionClass/{name}", "encryption_certificate", name, why)
    return found


def _configs(folder: Path, prefix: str) -> dict[str, Config]:
    """Every `*.conf` of `folder` no other includes, read with what it includes."""
    paths = sorted(folder.glob("*.conf"))
    configs = {path.name: read_config(folder, path.name, prefix) for path in paths}
    included = {
        file for name, config in configs.items() for file in config.files if file != prefix + name
    }
    return {name: config for name, config in configs.items() if prefix + name not in included}
