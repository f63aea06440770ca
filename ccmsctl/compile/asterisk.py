"""PBX hosts (Asterisk 18+): pjsip.conf, extensions.conf, queues.conf, CDR settings and the
retention purge job.

A PBX of site S serves the DIDs owned by S and by S's twin (it takes them on failover), the
IVRs and skill groups those DIDs lead to, and the agents of both sites (their phones register
with both, so a failover keeps them reachable). Credentials never appear here: sections that
need a password take it from pjsip_secrets.conf, which compile describes (a SecretFile: the
sections it extends and the secret references) and apply writes with the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.compile.dialplan import (
    RECORDINGS,
    Context,
    did_context,
    internal_context,
    ivr_contexts,
    queue_context_for,
    queues_reached,
)
from ccmsctl.compile.header import header
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import sip_uri
from ccmsctl.model.agent import Agent
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Host, Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

SECRETS_INCLUDE = "pjsip_secrets.conf"
_CODECS = {"PCMA": "alaw", "PCMU": "ulaw", "G722": "g722", "G729": "g729", "opus": "opus"}


@dataclass(frozen=True)
class Section:
    name: str
    keys: tuple[tuple[str, str], ...]
    comment: str = ""
    template: str = ""
    is_template: bool = False


@dataclass(frozen=True)
class PurgeJob:
    name: str
    data_class: str
    keep_days: int
    legal_hold: bool
    path: str
    minute: int


def _edge_address(estate: Estate, site: Site) -> IPv4Address | None:
    """Where the PBX sends calls out: the site's VIP, else its first edge, else the twin's."""
    for candidate in (site.name, estate.twin_of(site.name)[1]):
        for pair in estate.of(TwinPair):
            for vip in pair.vips:
                if vip.site == candidate:
                    return vip.address
        owner = estate.index(Site).get(candidate or "")
        edges = sorted(owner.hosts_with("edge"), key=lambda h: h.name) if owner else []
        if edges:
            return edges[0].address
    return None


def _trunk_sections(trunk: Trunk, edge: IPv4Address | None) -> list[Section]:
    name = f"trunk-{trunk.name}"
    endpoint = [
        ("type", "endpoint"),
        ("transport", "transport-udp"),
        ("context", f"from-{name}"),
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
            f"{name}-identify",
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
                f"{name}-auth",
                (
                    ("type", "auth"),
                    ("auth_type", "userpass"),
                    ("username", trunk.auth.username),
                ),
                f"password from {SECRETS_INCLUDE} ({trunk.auth.password})",
            )
        )
        sections[0] = Section(
            name, (*endpoint, ("outbound_auth", f"{name}-auth")), sections[0].comment
        )
    if trunk.registration and trunk.auth is not None:
        peer = trunk.peers[0]
        registration = [
            ("type", "registration"),
            ("transport", "transport-udp"),
            ("outbound_auth", f"{name}-auth"),
            ("server_uri", sip_uri(peer.address, peer.port, trunk.transport)),
            ("client_uri", f"sip:{trunk.auth.username}@{peer.address}"),
            ("retry_interval", "60"),
        ]
        if edge is not None:
            registration.append(("outbound_proxy", f"{sip_uri(edge)}\\;lr"))
        sections.append(Section(f"{name}-registration", tuple(registration)))
    return sections


def _agent_sections(agents: list[Agent]) -> list[Section]:
    sections = [
        Section(
            "agent-phone",
            (
                ("type", "endpoint"),
                ("transport", "transport-udp"),
                ("context", "internal"),
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
                    ("auth", f"{ext}-auth"),
                    ("callerid", f'"{agent.display_name}" <{ext}>'),
                ),
                f"agent {agent.name}",
                template="agent-phone",
            ),
            Section(ext, (("type", "aor"), ("max_contacts", "1"))),
            Section(
                f"{ext}-auth", (("type", "auth"), ("auth_type", "userpass"), ("username", ext))
            ),
        ]
    return sections


def _penalty(agent: Agent, group: SkillGroup) -> int:
    """Skill level 10 rings first (penalty 0), level 1 last (penalty 9)."""
    return 10 - min(agent.skills[skill] for skill in group.skills)


def _queue_section(group: SkillGroup, by_skill: dict[str, list[Agent]]) -> Section:
    keys = [
        ("strategy", group.strategy),
        ("weight", str(group.weight)),
        ("wrapuptime", str(int(group.wrapup.total_seconds()))),
        ("servicelevel", str(int(group.service_level.within.total_seconds()))),
        ("timeout", "15"),
        ("retry", "5"),
        ("joinempty", "yes"),
        ("leavewhenempty", "no"),
        ("ringinuse", "no"),
        ("announce-holdtime", "no"),
    ]
    candidates = min((by_skill.get(skill, []) for skill in group.skills), key=len)
    members = sorted(
        (_penalty(agent, group), agent.extension, agent.display_name)
        for agent in candidates
        if all(skill in agent.skills for skill in group.skills)
    )
    keys += [("member", f"PJSIP/{ext},{penalty},{name}") for penalty, ext, name in members]
    target = group.service_level
    comment = (
        f"{group.name}: {target.percent}% answered within {int(target.within.total_seconds())} s"
    )
    return Section(group.name, tuple(keys), comment)


def recording_folders(estate: Estate, site: Site) -> tuple[str, ...]:
    """The folders the site's PBXs record into: one per recording retention class it stores."""
    return tuple(job.path for job in _purge_jobs(estate, site))


def _purge_jobs(estate: Estate, site: Site) -> list[PurgeJob]:
    jobs: list[PurgeJob] = []
    for policy in sorted(estate.of(RetentionPolicy), key=lambda p: p.name):
        for retention in policy.classes:
            if retention.data_class != "recording" or site.name not in retention.store:
                continue
            jobs.append(
                PurgeJob(
                    retention.name,
                    retention.data_class,
                    retention.keep.days,
                    retention.legal_hold,
                    f"{RECORDINGS}/{retention.name}",
                    minute=(7 * len(jobs)) % 60,
                )
            )
    return jobs


@dataclass(frozen=True)
class PbxSite:
    """What all PBXs of a site share: their PJSIP sections and rendered files."""

    pjsip_body: bytes  # trunk and agent sections, after the host's own transports
    header: str
    files: dict[str, bytes]
    secrets: dict[str, SecretFile]


def compile_pbx_site(estate: Estate, site: Site, renderer: Renderer) -> PbxSite:
    """The PBX configuration of `site`, the same on each of its PBXs but for the bindings."""
    _, twin = estate.twin_of(site.name)
    served = estate.site_and_twin(site.name)
    ranges = [r for r in estate.of(NumberRange) if r.site in served]
    ivrs = estate.index(IVR)
    used_ivrs = sorted({r.ivr for r in ranges if r.ivr in ivrs})
    trunks = estate.index(Trunk)
    used_trunks = sorted(
        {r.trunk for r in ranges if r.trunk in trunks}
        | {t.name for t in trunks.values() if site.name in t.sites}
    )
    groups = estate.index(SkillGroup)
    reached = queues_reached([ivrs[name] for name in used_ivrs], groups)
    agents = [agent for agent in estate.of(Agent) if agent.site in served]
    by_skill: dict[str, list[Agent]] = {}
    for agent in agents:
        for skill in agent.skills:
            by_skill.setdefault(skill, []).append(agent)
    own_trunks = sorted(t for t in used_trunks if site.name in trunks[t].sites)
    transfer_endpoint = f"trunk-{(own_trunks or used_trunks or ['none'])[0]}"
    edge = _edge_address(estate, site)

    sections: list[Section] = []
    for name in used_trunks:
        sections += _trunk_sections(trunks[name], edge)
    sections += _agent_sections(agents)

    schedules = estate.index(Schedule)
    contexts: list[Context] = [
        did_context(name, [r for r in ranges if r.trunk == name], ivrs) for name in used_trunks
    ]
    for name in used_ivrs:
        contexts += ivr_contexts(ivrs[name], schedules, transfer_endpoint)
    contexts += [
        queue_context_for(
            groups[name], groups[name].recording_class_at(site.name, twin), transfer_endpoint
        )
        for name in sorted(reached)
    ]
    contexts.append(internal_context([a.extension for a in agents], transfer_endpoint))

    sources = {
        f"Site/{site.name}",
        *(f"NumberRange/{r.name}" for r in ranges),
        *(f"IVR/{n}" for n in used_ivrs),
        *(f"Trunk/{t}" for t in used_trunks),
        *(f"SkillGroup/{g}" for g in reached),
        *([f"Site/{twin}"] if twin else []),
    }
    top = header(sorted(sources))
    queue_sections = [_queue_section(groups[name], by_skill) for name in sorted(reached)]
    retention_sources = [f"RetentionPolicy/{p.name}" for p in estate.of(RetentionPolicy)]
    files = {
        "etc/asterisk/extensions.conf": renderer.render(
            "asterisk/extensions.conf.j2",
            {"header": top, "contexts": contexts, "site": site.name},
        ),
        "etc/asterisk/queues.conf": renderer.render(
            "asterisk/sections.conf.j2",
            {
                "header": header(
                    [
                        f"Site/{site.name}",
                        *(f"SkillGroup/{g}" for g in reached),
                        *(f"Agent/{a.name}" for a in agents),
                    ]
                ),
                "sections": [
                    Section("general", (("persistentmembers", "no"), ("shared_lastcall", "yes"))),
                    *queue_sections,
                ],
                "includes": [],
                "intro": ["One queue per skill group; penalty 0 rings first."],
            },
        ),
        "etc/asterisk/cdr.conf": renderer.render(
            "asterisk/sections.conf.j2",
            {
                "header": header([f"Site/{site.name}"]),
                "includes": [],
                "intro": ["Call detail records, kept by the cdr retention class."],
                "sections": [
                    Section(
                        "general",
                        (
                            ("enable", "yes"),
                            ("unanswered", "yes"),
                            ("congestion", "yes"),
                            ("batch", "no"),
                        ),
                    )
                ],
            },
        ),
        "etc/asterisk/cdr_custom.conf": renderer.render(
            "asterisk/sections.conf.j2",
            {
                "header": header([f"Site/{site.name}"]),
                "includes": [],
                "intro": ["One CSV line per call, with the DID and skill group of the call."],
                "sections": [
                    Section(
                        "mappings",
                        (
                            (
                                "Master.csv",
                                '"${CDR(start)}","${CDR(answer)}","${CDR(end)}","${CDR(src)}",'
                                '"${CDR(dst)}","${CDR(dcontext)}","${CDR(channel)}","${CDR(disposition)}",'
                                '"${CDR(billsec)}","${CDR(uniqueid)}","${CCMS_DID}","${CCMS_SKILL_GROUP}"',
                            ),
                        ),
                    )
                ],
            },
        ),
        "etc/cron.d/ccmsctl-retention": renderer.render(
            "cron/retention.j2",
            {
                "header": header([f"Site/{site.name}", *retention_sources]),
                "site": site.name,
                "jobs": _purge_jobs(estate, site),
            },
        ),
    }
    body = renderer.render(
        "asterisk/sections.body.j2", {"sections": sections, "includes": [SECRETS_INCLUDE]}
    )
    return PbxSite(body, top, files, pbx_secrets([trunks[name] for name in used_trunks]))


def pbx_secrets(trunks: list[Trunk]) -> dict[str, SecretFile]:
    """pjsip_secrets.conf: the password of each trunk that authenticates, added to its auth
    section; readable by Asterisk's group only. None when no trunk needs one."""
    parts: list[str | Secret] = []
    for trunk in trunks:
        if trunk.auth is not None:
            reference = trunk.auth.password.secret
            parts += [f"[trunk-{trunk.name}-auth](+)\npassword=", Secret(reference, "password")]
            parts.append("\n")
    if not parts:
        return {}
    intro = f"; {SECRETS_INCLUDE}: written by ccmsctl apply from the estate's secret references.\n"
    return {
        f"etc/asterisk/{SECRETS_INCLUDE}": SecretFile(
            (intro, *parts), "0640", "asterisk", "asterisk"
        )
    }


def compile_pbx(shared: PbxSite, host: Host, renderer: Renderer) -> dict[str, bytes]:
    """Files of the PBX `host`: the site's files, and PJSIP bound to the host's address."""
    bind = sip_uri(host.address)[4:]
    transports = [
        Section("transport-udp", (("type", "transport"), ("protocol", "udp"), ("bind", bind))),
        Section("transport-tcp", (("type", "transport"), ("protocol", "tcp"), ("bind", bind))),
    ]
    pjsip = renderer.render(
        "asterisk/sections.conf.j2",
        {
            "header": shared.header,
            "sections": transports,
            "includes": [],
            "intro": [
                f"PJSIP of {host.name}: trunks reach it through the edge, which tags",
                "each call with X-CCMS-Trunk; agents' phones register here.",
            ],
        },
    )
    return {**shared.files, "etc/asterisk/pjsip.conf": pjsip + shared.pjsip_body}
