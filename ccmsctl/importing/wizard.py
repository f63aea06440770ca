"""pjsip_wizard.conf: each `type = wizard` section expanded into the PJSIP objects Asterisk's
config wizard (res_pjsip_config_wizard) makes of it, so that the import reads a trunk or
a phone written with the wizard as it reads one written out in pjsip.conf:

- an endpoint named as the section (`endpoint/...` its options, `transport`, `aors`, its
  outbound auth with `sends_auth`, its inbound auth with `accepts_auth`);
- an aor of the same name: a static contact per `remote_hosts` entry (`contact_pattern`,
  default `sip:${REMOTE_HOST}`), unless it `accepts_registrations`; `aor/...` its options;
- NAME-oauth and NAME-iauth auths (`outbound_auth/...`, `inbound_auth/...`);
- NAME-identify matching the remote hosts, unless the wizard accepts registrations or
  sends the line with its registrations; `identify/...` its options;
- NAME-reg-N, one registration per remote host with `sends_registrations`
  (`server_uri_pattern`, default `sip:${REMOTE_HOST}`; `client_uri_pattern`, default
  `sip:${USERNAME}@${REMOTE_HOST}`); `registration/...` its options.

Each made setting stands at the wizard's line it comes from, so the ledger says of that
line what the import makes of the setting."""

from __future__ import annotations

from ccmsctl.importing.conf import Config, Section, Setting, Statement

OBJECTS = ("endpoint", "aor", "inbound_auth", "outbound_auth", "identify", "registration")


def expand_wizards(wizard: Config) -> list[Section]:
    """The PJSIP sections the wizard sections of `wizard` make."""
    made: list[Section] = []
    for section in wizard.sections:
        if section.template or section.value("type") != "wizard":
            continue
        made += _expand(section)
    return made


def _yes(section: Section, name: str) -> bool:
    return section.value(name, "no").lower() in ("yes", "true", "on", "1", "y")


def _expand(section: Section) -> list[Section]:
    wizard = _Wizard(section)
    return [
        wizard.endpoint(),
        wizard.aor(),
        *wizard.auths(),
        *wizard.identify(),
        *wizard.registrations(),
    ]


class _Wizard:
    """One wizard section and what it makes."""

    def __init__(self, wizard: Section) -> None:
        self.wizard = wizard
        self.name = wizard.name
        typed = wizard.get("type")
        assert typed is not None
        self.typed = typed
        self.options: dict[str, list[Setting]] = {key: [] for key in OBJECTS}
        for option in wizard.settings:
            head, slash, rest = option.name.partition("/")
            if slash and head in self.options:
                made = Setting(rest, option.value, option.statement, option.object)
                self.options[head].append(made)
        self.hosts = [
            (host.strip(), option)
            for option in wizard.settings
            if option.name == "remote_hosts"
            for host in option.value.split(",")
            if host.strip()
        ]
        self.transport = wizard.get("transport")
        self.sends_auth = wizard.get("sends_auth") if _yes(wizard, "sends_auth") else None
        self.accepts_auth = wizard.get("accepts_auth") if _yes(wizard, "accepts_auth") else None
        self.registers = _yes(wizard, "sends_registrations")
        self.accepts_registrations = _yes(wizard, "accepts_registrations")

    def setting(self, key: str, value: str, at: Setting | None = None) -> Setting:
        return Setting(key, value, (at or self.typed).statement)

    def section(self, name: str, kind: str, *settings: Setting) -> Section:
        made = [self.setting("type", kind), *settings]
        return Section(name, self.wizard.statement, settings=made)

    def endpoint(self) -> Section:
        made = self.section(self.name, "endpoint")
        if self.transport is not None:
            made.settings.append(self.setting("transport", self.transport.value, self.transport))
        made.settings.append(self.setting("aors", self.name))
        if self.sends_auth is not None:
            made.settings.append(
                self.setting("outbound_auth", f"{self.name}-oauth", self.sends_auth)
            )
        if self.accepts_auth is not None:
            made.settings.append(self.setting("auth", f"{self.name}-iauth", self.accepts_auth))
        made.settings += self.options["endpoint"]
        return made

    def aor(self) -> Section:
        made = self.section(self.name, "aor")
        if self.accepts_registrations:  # an aor of dynamic contacts: the phone registers
            dynamic = self.wizard.get("accepts_registrations")
            made.settings[0] = self.setting("type", "aor", dynamic)
        given = any(s.name == "contact" for s in self.options["aor"])
        if not self.accepts_registrations and not given:
            pattern = self.wizard.value("contact_pattern", "sip:${REMOTE_HOST}")
            made.settings += [
                self.setting("contact", pattern.replace("${REMOTE_HOST}", host), at)
                for host, at in self.hosts
            ]
        made.settings += self.options["aor"]
        return made

    def auths(self) -> list[Section]:
        made = []
        for flag, suffix, options in (
            (self.sends_auth, "oauth", "outbound_auth"),
            (self.accepts_auth, "iauth", "inbound_auth"),
        ):
            if flag is not None:
                userpass = self.setting("auth_type", "userpass", flag)
                auth = self.section(f"{self.name}-{suffix}", "auth", userpass)
                auth.settings += self.options[options]
                made.append(auth)
        return made

    def identify(self) -> list[Section]:
        line = self.registers and _yes(self.wizard, "sends_line_with_registrations")
        if not self.hosts or self.accepts_registrations or line:
            return []
        made = self.section(
            f"{self.name}-identify", "identify", self.setting("endpoint", self.name)
        )
        if not any(s.name == "match" for s in self.options["identify"]):
            matched = ",".join(host.rsplit(":", 1)[0] for host, _ in self.hosts)
            made.settings.append(self.setting("match", matched, self.hosts[0][1]))
        made.settings += self.options["identify"]
        return [made]

    def registrations(self) -> list[Section]:
        if not self.registers:
            return []
        auth = self.options["outbound_auth"]
        username = next((s.value for s in auth if s.name == "username"), "")
        server = self.wizard.value("server_uri_pattern", "sip:${REMOTE_HOST}")
        client = self.wizard.value("client_uri_pattern", "sip:${USERNAME}@${REMOTE_HOST}")
        made = []
        for index, (host, at) in enumerate(self.hosts):
            registration = Section(
                f"{self.name}-reg-{index}",
                self.wizard.statement,
                settings=[
                    self.setting("type", "registration", self.wizard.get("sends_registrations"))
                ],
            )
            registration.settings += [
                self.setting("outbound_auth", f"{self.name}-oauth", self.sends_auth),
                self.setting("server_uri", server.replace("${REMOTE_HOST}", host), at),
                self.setting(
                    "client_uri",
                    client.replace("${REMOTE_HOST}", host).replace("${USERNAME}", username),
                    at,
                ),
            ]
            if self.transport is not None:
                transport = self.setting("transport", self.transport.value, self.transport)
                registration.settings.append(transport)
            registration.settings += self.options["registration"]
            made.append(registration)
        return made


def wizard_statements(wizard: Config) -> list[Statement]:
    """The statements of the wizard sections (each accounted for by what they make)."""
    return [
        statement
        for section in wizard.sections
        if section.value("type") == "wizard"
        for statement in (section.statement, *(s.statement for s in section.settings))
    ]


def wizard_templates(wizard: Config) -> list[Section]:
    """The wizard templates some wizard section inherits (their lines are accounted for by
    what the sections make of them)."""
    inherited = {base for section in wizard.sections for base in section.bases}
    return [
        section
        for section in wizard.sections
        if section.template and section.name in inherited and section.value("type") == "wizard"
    ]
