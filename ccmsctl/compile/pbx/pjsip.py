"""PJSIP: the trunks (reached through the edge), the edges themselves, the agents' phones, the
secrets file apply fills in, and the certificates of classes encrypted at rest."""

from __future__ import annotations

from ipaddress import IPv4Address

from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.compile.pbx.files import Section
from ccmsctl.compile.pbx.layout import encrypted_classes, key_file
from ccmsctl.compile.views import sip_uri
from ccmsctl.model.agent import Agent
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import (
    AGENT_TEMPLATE,
    EDGES_CONTEXT,
    EDGES_ENDPOINT,
    INTERNAL_CONTEXT,
    TRANSPORTS,
    phone_auth,
    trunk_auth,
    trunk_context,
    trunk_endpoint,
    trunk_identify,
    trunk_registration,
)
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

UDP, TCP = TRANSPORTS


SECRETS_INCLUDE = "pjsip_secrets.conf"
# each PBX's transports, in a file of their own: Asterisk binds them only as it starts, so a
# change of this file restarts it (roles/asterisk), where a change of pjsip.conf reloads it
TRANSPORTS_INCLUDE = "pjsip_transports.conf"


_CODECS = {"PCMA": "alaw", "PCMU": "ulaw", "G722": "g722", "G729": "g729", "opus": "opus"}


def edge_address(estate: Estate, site: Site) -> IPv4Address | None:
    """Where the PBX sends calls out: the site's VIP, else its first edge, else the twin's."""
    for candidate in (site.name, estate.twin_of(site.name)[1]):
        entries = estate.entry_addresses(candidate) if candidate else ()
        if entries:
            return entries[0]
    return None


def trunk_sections(trunk: Trunk, edge: IPv4Address | None) -> list[Section]:
    name = trunk_endpoint(trunk.name)
    endpoint = [
        ("type", "endpoint"),
        ("transport", UDP),
        ("context", trunk_context(trunk.name)),
        ("disallow", "all"),
        ("allow", ",".join(_CODECS[c] for c in trunk.codecs)),
        ("direct_media", "no"),
        ("aors", name),
    ]
    if trunk.srtp:
        endpoint.append(("media_encryption", "sdes"))
    sections = [
        Section(name, tuple(endpoint), f"trunk {trunk.name} ({trunk.carrier}), via the edge")
    ]
    aor: list[tuple[str, str]] = [("type", "aor")]
    if edge is not None:
        aor.append(("contact", sip_uri(edge)))
    sections.append(Section(name, tuple(aor)))
    sections.append(
        Section(
            trunk_identify(trunk.name),
            (
                ("type", "identify"),
                ("endpoint", name),
                ("match_header", f"X-CCMS-Trunk: {trunk.name}"),
            ),
        )
    )
    if trunk.auth is not None:
        sections.append(
            Section(
                trunk_auth(trunk.name),
                (
                    ("type", "auth"),
                    ("auth_type", "userpass"),
                    ("username", trunk.auth.username),
                ),
                f"password from {SECRETS_INCLUDE}",
            )
        )
        sections[0] = Section(
            name, (*endpoint, ("outbound_auth", trunk_auth(trunk.name))), sections[0].comment
        )
    if trunk.registration and trunk.auth is not None:
        peer = trunk.peers[0]
        registration = [
            ("type", "registration"),
            ("transport", UDP),
            ("outbound_auth", trunk_auth(trunk.name)),
            ("server_uri", sip_uri(peer.address, peer.port, trunk.transport)),
            ("client_uri", f"sip:{trunk.auth.username}@{peer.address}"),
            ("retry_interval", "60"),
        ]
        if edge is not None:
            registration.append(("outbound_proxy", f"{sip_uri(edge)}\\;lr"))
        sections.append(Section(trunk_registration(trunk.name), tuple(registration)))
    return sections


def edge_sections(estate: Estate) -> list[Section]:
    """The estate's edges as one endpoint, known by their addresses: their OPTIONS probes
    are answered (not logged as strangers), and a call from them that no trunk's header
    identifies reaches nothing. Header identification goes first (the trunks' calls come
    from the same addresses)."""
    addresses = sorted(
        {str(h.address) for site in estate.of(Site) for h in site.hosts_with("edge")}
        | {str(vip.address) for pair in estate.of(TwinPair) for vip in pair.vips},
        key=lambda a: tuple(int(part) for part in a.split(".")),
    )
    if not addresses:
        return []
    return [
        Section(
            "global",
            (("type", "global"), ("endpoint_identifier_order", "header,ip,username,anonymous")),
        ),
        Section(
            EDGES_ENDPOINT,
            (
                ("type", "endpoint"),
                ("transport", UDP),
                ("context", EDGES_CONTEXT),
                ("disallow", "all"),
                ("allow", "alaw"),
            ),
            "the estate's edges: they probe the PBXs; their calls carry a trunk's header",
        ),
        Section(
            f"{EDGES_ENDPOINT}-identify",
            (("type", "identify"), ("endpoint", EDGES_ENDPOINT), ("match", ",".join(addresses))),
        ),
    ]


def agent_sections(agents: list[Agent]) -> list[Section]:
    """An endpoint, AOR and auth per agent's phone (its password in the secrets file)."""
    sections = [
        Section(
            AGENT_TEMPLATE,
            (
                ("type", "endpoint"),
                ("transport", UDP),
                ("context", INTERNAL_CONTEXT),
                ("disallow", "all"),
                ("allow", "alaw,g722"),
                ("direct_media", "no"),
            ),
            "agents' phones",
            is_template=True,
        )
    ]
    for agent in sorted(agents, key=lambda a: a.extension):
        ext = agent.extension
        sections += [
            Section(
                ext,
                (
                    ("aors", ext),
                    ("auth", phone_auth(ext)),
                    ("callerid", f'"{agent.display_name}" <{ext}>'),
                ),
                f"agent {agent.name}",
                template=AGENT_TEMPLATE,
            ),
            Section(ext, (("type", "aor"), ("max_contacts", "1"))),
            Section(
                phone_auth(ext),
                (("type", "auth"), ("auth_type", "userpass"), ("username", ext)),
                f"password from {SECRETS_INCLUDE}",
            ),
        ]
    return sections


def pbx_secrets(trunks: list[Trunk], agents: list[Agent]) -> dict[str, SecretFile]:
    """pjsip_secrets.conf: the password of each trunk that authenticates and of each agent's
    phone, added to its auth section; readable by Asterisk's group only. None when nothing
    authenticates."""
    parts: list[str | Secret] = []
    passwords = [(trunk_auth(t.name), t.auth.password.secret) for t in trunks if t.auth is not None]
    passwords += [
        (phone_auth(a.extension), a.sip_password.secret)
        for a in sorted(agents, key=lambda a: a.extension)
    ]
    for section, reference in passwords:
        parts += [f"[{section}](+)\npassword=", Secret(reference, "password"), "\n"]
    if not parts:
        return {}
    intro = f"; {SECRETS_INCLUDE}: written by ccmsctl apply from the estate's secret references.\n"
    return {
        f"etc/asterisk/{SECRETS_INCLUDE}": SecretFile(
            (intro, *parts), "0640", "asterisk", "asterisk"
        )
    }


def class_certificates(estate: Estate, site: Site) -> dict[str, SecretFile]:
    """The certificate of each class the site stores encrypted at rest: public, but from the
    estate's secret references like the edges' TLS certificate."""
    return {
        key_file(retention): SecretFile(
            (Secret(retention.encryption_certificate.secret, "certificate"),), "0640", "asterisk"
        )
        for retention in encrypted_classes(estate, site)
        if retention.encryption_certificate is not None
    }
