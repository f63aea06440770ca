"""pjsip.conf into the model: the PBX's address (its transport), carrier trunks (endpoint,
aor, auth, identify, registration) and agents' phones (endpoint, aor, auth, caller ID).

An endpoint is a trunk when an identify section matches it by address or it authenticates
outbound (a carrier's registration); it is a phone when callers register to it (an inbound
auth, an aor without a static contact). A setting is modelled when the estate says it, or
when it is what ccmsctl writes for every trunk or phone anyway (`direct_media = no`); any
other value is residue with what ccmsctl does instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from ccmsctl.importing.conf import Config, Section, Setting
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import Namer, language_tag
from ccmsctl.importing.secrets import Secrets

CODECS = {"alaw": "PCMA", "ulaw": "PCMU", "g722": "G722", "g729": "G729", "opus": "opus"}
PHONE_CODECS = ["alaw", "g722"]  # what ccmsctl gives every phone
DEFAULT_CHANNELS = 30
TRUNK_HEADER = "X-CCMS-Trunk"  # how ccmsctl's edges tell a PBX which trunk a call came on
EDGES = "edges"  # ccmsctl's endpoint of the estate's edges
_CALLERID = re.compile(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$')
_EXTENSION = re.compile(r"^[0-9]{2,8}$")
_URI = re.compile(r"^sips?:(?:[^@]*@)?([0-9.]+)(?::([0-9]+))?(?:;.*)?$")
_NO_FIELD = "no field of the model says this"


@dataclass
class Phone:
    """An agent's phone as found: what queues and the dialplan add to."""

    endpoint: Section
    extension: str
    document: dict[str, object]


@dataclass
class Pjsip:
    """What pjsip.conf gave."""

    address: str = ""  # the PBX's, from its UDP transport
    trunks: dict[str, tuple[Section, dict[str, object]]] = field(default_factory=dict)
    phones: dict[str, Phone] = field(default_factory=dict)  # by endpoint
    contexts: dict[str, str] = field(default_factory=dict)  # trunk name by its context


def import_pjsip(
    config: Config,
    ledger: Ledger,
    *,
    site: str,
    language: str,
    secrets: Secrets,
    namer: Namer,
) -> Pjsip:
    found = Pjsip()
    typed = _by_type(config, ledger)
    _transports(typed.pop("transport", []), ledger, found)
    _globals(typed.pop("global", []), ledger)
    aors = {s.name: s for s in typed.pop("aor", [])}
    auths = {s.name: s for s in typed.pop("auth", [])}
    registrations = typed.pop("registration", [])
    used: set[str] = set()
    matched = {s.value("endpoint"): s for s in typed.pop("identify", [])}
    for endpoint in typed.pop("endpoint", []):
        aor = aors.get(endpoint.value("aors"))
        if endpoint.name == EDGES and endpoint.value("context") == f"from-{EDGES}":
            why = "ccmsctl's endpoint of the estate's edges: written from the sites' edges"
            _leave_section(ledger, endpoint, why)
            if endpoint.name in matched:
                _leave_section(ledger, matched.pop(endpoint.name), why)
            continue
        if endpoint.name in matched or endpoint.get("outbound_auth") is not None:
            trunk = _Trunk(endpoint, ledger, site, secrets, namer, _header(matched, endpoint))
            trunk.read(aor, auths, matched.get(endpoint.name), registrations, used)
            found.trunks[endpoint.name] = (endpoint, trunk.document)
            context = endpoint.get("context")
            if context is not None:
                found.contexts[context.value] = str(trunk.document["name"])
        elif endpoint.get("auth") is not None and aor is not None and not aor.get("contact"):
            phone = _phone(endpoint, aor, auths, ledger, site, language, secrets, namer)
            if phone is not None:
                found.phones[endpoint.name] = phone
                used |= {aor.name, endpoint.value("auth")}
        else:
            _leave_section(ledger, endpoint, "an endpoint neither a carrier's trunk nor a phone")
    unused = [section for name, section in [*aors.items(), *auths.items()] if name not in used]
    _leftovers(ledger, unused, list(matched.values()), typed, found)
    return found


def _leftovers(
    ledger: Ledger,
    unused: list[Section],
    identifies: list[Section],
    typed: dict[str, list[Section]],
    found: Pjsip,
) -> None:
    """What no trunk or phone took: residue."""
    for section in unused:
        _leave_section(ledger, section, f"a PJSIP {section.value('type')} nothing uses")
    for section in identifies:
        if section.value("endpoint") not in found.trunks:
            _leave_section(ledger, section, "an identify section of an endpoint not imported")
    for kind, sections in typed.items():
        for section in sections:
            _leave_section(ledger, section, f"PJSIP objects of type {kind!r} have no model")


def _by_type(config: Config, ledger: Ledger) -> dict[str, list[Section]]:
    """The sections that are not templates, by their type; templates accounted for."""
    typed: dict[str, list[Section]] = {}
    for section in config.sections:
        if section.template:
            # its lines are accounted for where sections inherit them
            if any(section.name in other.bases for other in config.sections):
                ledger.model(section)
            else:
                _leave_section(ledger, section, "a template no section uses")
            continue
        kind = section.get("type")
        if kind is None:
            _leave_section(ledger, section, "a section without a type: PJSIP ignores it")
            continue
        ledger.model(kind)
        typed.setdefault(kind.value, []).append(section)
    return typed


def _leave_section(ledger: Ledger, section: Section, why: str) -> None:
    ledger.leave(section, why)
    ledger.leave_all(section.settings, why)


def _transports(sections: list[Section], ledger: Ledger, found: Pjsip) -> None:
    """The PBX's address: its UDP transport's (ccmsctl binds UDP and TCP on port 5060)."""
    for section in sections:
        protocol = section.value("protocol", "udp")
        bind = section.get("bind")
        address, _, port = (bind.value if bind else "").partition(":")
        if protocol in ("udp", "tcp") and _ipv4(address) and port in ("", "5060"):
            if protocol == "udp" and not found.address:
                found.address = address
            if address == found.address or not found.address:
                ledger.model(section, *section.settings)
                continue
        why = "ccmsctl's PBXs listen on their host's address, UDP and TCP on port 5060"
        ledger.leave(section, why)
        ledger.leave_all(section.settings, why)


def _globals(sections: list[Section], ledger: Ledger) -> None:
    for section in sections:
        ledger.model(section)
        for setting in section.settings:
            if setting.name != "type":
                ledger.leave(setting, "ccmsctl writes PJSIP's global section itself")


class _Trunk:
    """One carrier trunk: the endpoint and its aor, auth, identify and registration."""

    def __init__(
        self,
        endpoint: Section,
        ledger: Ledger,
        site: str,
        secrets: Secrets,
        namer: Namer,
        header: str,
    ) -> None:
        self.endpoint = endpoint
        self.ledger = ledger
        self.secrets = secrets
        self.header = header  # the trunk's name in the header an edge tags its calls with
        self.name = namer.exact("Trunk", header) if header else namer.name("Trunk", endpoint.name)
        self.peers: dict[str, int] = {}
        self.document: dict[str, object] = {
            "kind": "Trunk",
            "name": self.name,
            "carrier": endpoint.name,
            "sites": [site],
        }
        ledger.model(endpoint)
        ledger.assume(
            f"Trunk/{self.name}", "carrier", endpoint.name, "the endpoint's name stands for it"
        )

    def read(
        self,
        aor: Section | None,
        auths: dict[str, Section],
        identify: Section | None,
        registrations: list[Section],
        used: set[str],
    ) -> None:
        ledger, endpoint = self.ledger, self.endpoint
        settings: dict[str, Callable[[Setting], bool]] = {
            "type": _always,
            "transport": self._transport,
            "context": _always,
            "disallow": lambda s: s.value == "all",
            "allow": _always,  # read whole below
            "direct_media": lambda s: s.value == "no",
            "aors": lambda s: aor is not None,
            "outbound_auth": lambda s: s.value in auths,
            "media_encryption": self._srtp,
        }
        _each(ledger, endpoint, settings, "ccmsctl writes its trunks' endpoints itself")
        self._codecs()
        if aor is not None:
            used.add(aor.name)
            ledger.model(aor)
            known = {"type": _always, "contact": lambda s: self._peer(s.value)}
            _each(ledger, aor, known, "ccmsctl's trunks reach their peers by address")
        if identify is not None:
            ledger.model(identify)
            known = {
                "type": _always,
                "endpoint": _always,
                "match": lambda s: all(self._peer(part) for part in s.value.split(",")),
                "match_header": lambda s: s.value == f"{TRUNK_HEADER}: {self.header}",
            }
            _each(ledger, identify, known, "ccmsctl admits a trunk's peers by address")
        auth = auths.get(endpoint.value("outbound_auth"))
        if auth is not None:
            used.add(auth.name)
            self._auth(auth, registrations)
        self.document["peers"] = [
            {"address": address} | ({"port": port} if port != 5060 else {})
            for address, port in sorted(self.peers.items(), key=lambda p: IPv4Address(p[0]))
        ]
        self.document["channels"] = DEFAULT_CHANNELS
        ledger.assume(
            f"Trunk/{self.name}",
            "channels",
            DEFAULT_CHANNELS,
            "Asterisk's configuration does not bound a trunk's calls: set the contract's",
        )

    def _transport(self, setting: Setting) -> bool:
        protocol = {"transport-tcp": "tcp", "transport-tls": "tls"}.get(setting.value, "udp")
        if protocol != "udp":
            self.document["transport"] = protocol
        return True

    def _srtp(self, setting: Setting) -> bool:
        if setting.value == "sdes":
            self.document["srtp"] = True
        return setting.value in ("sdes", "no")

    def _codecs(self) -> None:
        codecs: list[str] = []
        for setting in self.endpoint.every("allow"):
            names = [name.strip() for name in setting.value.split(",")]
            if not all(name.removeprefix("!") in {*CODECS, "all"} for name in names):
                self.ledger.leave(setting, f"ccmsctl's codecs are {', '.join(CODECS)}")
                continue
            for name in names:  # `!all` and `!codec` take away, as `disallow` does
                if name == "!all":
                    codecs.clear()
                elif name.startswith("!"):
                    codecs = [c for c in codecs if c != CODECS.get(name[1:])]
                elif name != "all" and CODECS[name] not in codecs:
                    codecs.append(CODECS[name])
            self.ledger.model(setting)
        if codecs and codecs != ["PCMA"]:
            self.document["codecs"] = codecs

    def _peer(self, text: str) -> bool:
        """A peer from a SIP URI or an address (a network of one address)."""
        text = text.strip()
        uri = _URI.match(text)
        address, port = (uri.group(1), int(uri.group(2) or 5060)) if uri else (text, 5060)
        address = address.removesuffix("/32")
        if not _ipv4(address):
            return False
        self.peers[address] = port if port != 5060 else self.peers.get(address, 5060)
        return True

    def _auth(self, auth: Section, registrations: list[Section]) -> None:
        ledger = self.ledger
        ledger.model(auth)
        username = auth.get("username")
        password = auth.get("password")
        known: dict[str, Callable[[Setting], bool]] = {
            "type": _always,
            "username": _always,
            "password": _always,
            "auth_type": lambda s: s.value == "userpass",
        }
        _each(ledger, auth, known, "ccmsctl's trunks authenticate with a user name and password")
        if username is None:
            return
        if password is None:
            reference = self.secrets.wanted(f"trunk-{self.name}")
            why = "its auth section has no password (kept elsewhere): add the value to the vault"
            ledger.assume(
                f"Trunk/{self.document['name']}", "auth.password", f"trunk-{self.name}", why
            )
        else:
            reference = self.secrets.keep(f"trunk-{self.name}", password.value)
        self.document["auth"] = {"username": username.value, "password": reference}
        for registration in registrations:
            if registration.value("outbound_auth") != auth.name:
                continue
            self.document["registration"] = True
            ledger.model(registration)
            client = f"sip:{username.value}@"
            registered: dict[str, Callable[[Setting], bool]] = {
                "type": _always,
                "outbound_auth": _always,
                "transport": _always,
                "server_uri": lambda s: self._peer(s.value),
                "retry_interval": lambda s: s.value == "60",
                "outbound_proxy": _always,  # ccmsctl's: the edge it registers through
                "client_uri": lambda s, client=client: s.value.startswith(client),  # type: ignore[misc]
            }
            _each(ledger, registration, registered, "ccmsctl writes a trunk's registration")


def _phone(
    endpoint: Section,
    aor: Section,
    auths: dict[str, Section],
    ledger: Ledger,
    site: str,
    language: str,
    secrets: Secrets,
    namer: Namer,
) -> Phone | None:
    """An agent's phone, or None (residue) when it has no extension to dial it by."""
    callerid = _CALLERID.match(endpoint.value("callerid"))
    number = callerid.group(2) if callerid else ""
    extension = endpoint.name if _EXTENSION.match(endpoint.name) else number
    auth = auths.get(endpoint.value("auth"))
    password = auth.get("password") if auth else None
    if not _EXTENSION.match(extension) or auth is None:
        why = "a phone without an extension of 2 to 8 digits and an auth section"
        ledger.leave(endpoint, why)
        ledger.leave_all(endpoint.settings, why)
        return None
    display = callerid.group(1).strip() if callerid and callerid.group(1).strip() else ""
    name = namer.name("Agent", display or f"agent-{extension}", person=True)
    subject = f"Agent/{name}"
    if not display:
        display = extension
        ledger.assume(subject, "display_name", display, "the phone has no caller ID name")
    if password is None:
        why = "its auth section has no password (kept elsewhere): add the value to the vault"
        ledger.assume(subject, "sip_password", f"phone-{extension}", why)
    tag = language_tag(endpoint.value("language"))
    if tag is None:
        tag = language
        ledger.assume(subject, "languages", tag, "the phone has no language Asterisk names")
    document: dict[str, object] = {
        "kind": "Agent",
        "name": name,
        "display_name": display,
        "site": site,
        "extension": extension,
        "sip_password": (
            secrets.keep(f"phone-{extension}", password.value)
            if password is not None
            else secrets.wanted(f"phone-{extension}")
        ),
        "languages": [tag],
    }
    settings: dict[str, Callable[[Setting], bool]] = {
        "type": _always,
        "transport": lambda s: s.value == "transport-udp",
        "context": lambda s: s.value == "internal",
        "disallow": lambda s: s.value == "all",
        "allow": _always,  # read whole below
        "direct_media": lambda s: s.value == "no",
        "aors": lambda s: s.value == aor.name,
        "auth": _always,
        "callerid": lambda s: callerid is not None and callerid.group(2) == extension,
        "language": lambda s: language_tag(s.value) is not None,
    }
    ledger.model(endpoint)
    _each(ledger, endpoint, settings, "ccmsctl writes its phones' endpoints itself")
    allowed = [
        name.strip() for setting in endpoint.every("allow") for name in setting.value.split(",")
    ]
    for setting in endpoint.every("allow"):
        if allowed == PHONE_CODECS:
            ledger.model(setting)
        else:
            ledger.leave(setting, f"ccmsctl gives every phone {','.join(PHONE_CODECS)}")
    ledger.model(aor, auth)
    known = {"type": _always, "max_contacts": lambda s: s.value == "1"}
    _each(ledger, aor, known, "ccmsctl's phones register one contact each")
    known = {
        "type": _always,
        "password": _always,
        "auth_type": lambda s: s.value == "userpass",
        "username": lambda s: s.value == extension,
    }
    _each(ledger, auth, known, "ccmsctl's phones authenticate as their extension")
    return Phone(endpoint, extension, document)


def _each(
    ledger: Ledger, section: Section, known: dict[str, Callable[[Setting], bool]], why: str
) -> None:
    """Each setting of `section`: modelled when `known` takes it, else residue."""
    for setting in section.settings:
        check = known.get(setting.name)
        if check is None:
            ledger.leave(setting, _NO_FIELD)
        elif setting.name == "allow":
            continue
        elif check(setting):
            ledger.model(setting)
        else:
            ledger.leave(setting, why)


def _header(matched: dict[str, Section], endpoint: Section) -> str:
    """The trunk's name an edge tags its calls with (`match_header = X-CCMS-Trunk: NAME`,
    ccmsctl's own PBXs), or ""."""
    identify = matched.get(endpoint.name)
    value = identify.value("match_header") if identify is not None else ""
    name, colon, trunk = value.partition(":")
    return trunk.strip() if colon and name.strip().lower() == TRUNK_HEADER.lower() else ""


def _always(setting: Setting) -> bool:
    return True


def _ipv4(text: str) -> bool:
    try:
        IPv4Network(text)
    except ValueError:
        return False
    return "/" not in text or text.endswith("/32")
