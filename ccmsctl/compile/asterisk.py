"""PBX hosts (Asterisk 22): asterisk.conf, modules.conf, logger.conf, pjsip.conf,
extensions.conf, queues.conf, voicemail.conf, musiconhold.conf, the CDR files and the
retention jobs.

A PBX of site S serves the DIDs owned by S and by S's twin (it takes them on failover), the
IVRs and skill groups those DIDs lead to, and the agents of both sites (their phones register
with both, so a failover keeps them reachable). Credentials never appear here: sections that
need a password (trunks that authenticate, agents' phones) take it from pjsip_secrets.conf,
which compile describes (a SecretFile: the sections it extends and the secret references)
and apply writes with the values. Asterisk loads only the modules listed in modules.conf,
decided here from what the files use. Paths on the host (folders, recordings, the purge
jobs) are under the host's install root: "" in production, the host's folder in the lab.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Address

from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.compile.dialplan import (
    RECORDING_KEYS,
    RECORDINGS,
    Context,
    Step,
    did_contexts,
    edges_context,
    encrypt_command,
    internal_context,
    ivr_contexts,
    prompt_file,
    queue_context_for,
    recording_steps,
)
from ccmsctl.compile.header import header
from ccmsctl.compile.monitoring.names import PBX_METRICS_PORT
from ccmsctl.compile.queuestats import compile_queue_stats
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import sip_uri
from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR, Collect, LanguageSelect, Menu, Play, prompt_languages
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
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.retention import RetentionClass, RetentionPolicy, retention_classes
from ccmsctl.model.routing import (
    ivrs_answered,
    mailboxes,
    mailboxes_at,
    queues_hosted,
    queues_reached,
)
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Host, Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair

UDP, TCP = TRANSPORTS

SECRETS_INCLUDE = "pjsip_secrets.conf"
_CODECS = {"PCMA": "alaw", "PCMU": "ulaw", "G722": "g722", "G729": "g729", "opus": "opus"}
# Asterisk's folders on a PBX (modules and sounds stay where Asterisk is installed)
FOLDERS = {
    "astetcdir": "/etc/asterisk",
    "astvarlibdir": "/var/lib/asterisk",
    "astdbdir": "/var/lib/asterisk",
    "astkeydir": "/var/lib/asterisk",
    "astspooldir": "/var/spool/asterisk",
    "astrundir": "/run/asterisk",
    "astlogdir": "/var/log/asterisk",
    "astcachedir": "/var/cache/asterisk",
}
CDR_FOLDER = f"{FOLDERS['astlogdir']}/cdr-custom"  # cdr_custom writes a relative file here
VOICEMAIL = f"{FOLDERS['astspooldir']}/voicemail"  # messages: CONTEXT/BOX/FOLDER/msgNNNN.*
LOG_FILE = "messages.log"  # in astlogdir
QUEUE_LOG_FILE = "queue_log"  # in astlogdir: each queue call's events (queue-stats reads it)
RETENTION_JOBS = "etc/cron.d/ccmsctl-retention"
# The fields of each call's record: the CDR's own, then what the dialplan adds (CDR(ccms_*))
CDR_FIELDS = (
    "start(%FT%T%z)",
    "answer(%FT%T%z)",
    "end(%FT%T%z)",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "disposition",
    "duration",
    "billsec",
    "uniqueid",
    "ccms_trunk(uservar)",
    "ccms_did(uservar)",
    "ccms_call_id(uservar)",
    "ccms_ivr_path(uservar)",
    "ccms_skill_group(uservar)",
    "ccms_recording(uservar)",
)
# The module that provides each application and function the dialplan uses (None: the core)
PROVIDERS: dict[str, str | None] = {
    "Background": None,
    "Dial": "app_dial",
    "ExecIf": "app_exec",
    "Goto": None,
    "GotoIf": None,
    "GotoIfTime": None,
    "GROUP": "func_groupcount",
    "GROUP_COUNT": "func_groupcount",
    "Hangup": None,
    "MixMonitor": "app_mixmonitor",
    "Playback": "app_playback",
    "Queue": "app_queue",
    "Read": "app_read",
    "Set": None,
    "StopMixMonitor": "app_mixmonitor",
    "VoiceMail": "app_voicemail",
    "WaitExten": None,
    "CDR": "func_cdr",
    "CHANNEL": "func_channel",
    "LEN": "func_strings",
    "STRFTIME": "func_strings",
}
# What every PBX loads: the dialplan, PJSIP with registration and digest authentication
# (agents' phones) and header matching (trunks through the edge), RTP, bridging, the
# codecs the endpoints allow, WAV files (prompts, recordings), music on hold (queues),
# and the metrics Prometheus scrapes
BASE_MODULES = (
    "bridge_native_rtp",
    "bridge_simple",
    "chan_pjsip",
    "codec_a_mu",
    "codec_alaw",
    "codec_g722",
    "codec_ulaw",
    "format_wav",
    "pbx_config",
    "res_musiconhold",
    "res_pjproject",
    "res_pjsip",
    "res_pjsip_authenticator_digest",
    "res_pjsip_caller_id",
    "res_pjsip_endpoint_identifier_ip",
    "res_pjsip_endpoint_identifier_user",
    "res_pjsip_pubsub",
    "res_pjsip_registrar",
    "res_pjsip_sdp_rtp",
    "res_pjsip_session",
    "res_prometheus",
    "res_rtp_asterisk",
    "res_sorcery_astdb",
    "res_sorcery_config",
    "res_sorcery_memory",
    "res_timing_timerfd",
)


@dataclass(frozen=True)
class Section:
    name: str
    keys: tuple[tuple[str, str], ...]
    comment: str = ""
    template: str = ""
    is_template: bool = False


# The files of Asterisk's core and PJSIP that the PBX does not use beyond their defaults:
# written so that no installed sample sets anything unseen (name -> intro, sections)
CORE_FILES: dict[str, tuple[str, tuple[Section, ...]]] = {
    "acl.conf": ("No named ACLs: the edges admit traffic; PJSIP binds to the host.", ()),
    "ccss.conf": (
        "Call completion is not offered.",
        (Section("general", (("cc_max_requests", "0"),)),),
    ),
    "cel.conf": (
        "Channel event logging is off: calls are recorded as CDRs.",
        (Section("general", (("enable", "no"),)),),
    ),
    "features.conf": (
        "No in-call feature codes: the agents' phones transfer calls.",
        (Section("general", ()),),
    ),
    "indications.conf": (
        "Tones Asterisk plays itself (rarely: phones and carriers make their own), as ITU-T "
        "E.180 recommends them.",
        (
            Section("general", (("country", "itu"),)),
            Section(
                "itu",
                (
                    ("description", "ITU-T E.180 recommended tones"),
                    ("ringcadence", "1000,4000"),
                    ("dial", "425"),
                    ("busy", "425/500,0/500"),
                    ("ring", "425/1000,0/4000"),
                    ("congestion", "425/250,0/250"),
                    ("callwaiting", "425/200,0/600,425/200,0/3000"),
                    ("dialrecall", "425/400,0/40"),
                    ("record", "1400/400,0/15000"),
                    ("info", "950/330,1400/330,1800/330,0/1000"),
                ),
            ),
        ),
    ),
    "manager.conf": (
        "The manager interface (AMI) is off.",
        (Section("general", (("enabled", "no"),)),),
    ),
    "pjproject.conf": ("PJSIP's library at its defaults.", ()),
    "prometheus.conf": (
        "Metrics for Prometheus on the HTTP server's /metrics (http.conf): channels, "
        "endpoints, registrations, bridges and Asterisk's own.",
        (
            Section(
                "general",
                (("enabled", "yes"), ("core_metrics_enabled", "yes"), ("uri", "metrics")),
            ),
        ),
    ),
    "queuerules.conf": ("No penalty rules: a queue's members keep their penalties.", ()),
    "udptl.conf": ("No fax (T.38).", (Section("general", ()),)),
}


@dataclass(frozen=True)
class CronJob:
    """A retention class's jobs on the site's PBXs: its comment, then cron lines."""

    comment: str
    lines: tuple[str, ...]


def _edge_address(estate: Estate, site: Site) -> IPv4Address | None:
    """Where the PBX sends calls out: the site's VIP, else its first edge, else the twin's."""
    for candidate in (site.name, estate.twin_of(site.name)[1]):
        entries = estate.entry_addresses(candidate) if candidate else ()
        if entries:
            return entries[0]
    return None


def _trunk_sections(trunk: Trunk, edge: IPv4Address | None) -> list[Section]:
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


def _edge_sections(estate: Estate) -> list[Section]:
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


def _agent_sections(agents: list[Agent]) -> list[Section]:
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


def _classes(estate: Estate, site: Site, data_class: str) -> list[RetentionClass]:
    """The retention classes of `data_class` the site stores, by policy and class name."""
    return [
        retention
        for policy in sorted(estate.of(RetentionPolicy), key=lambda p: p.name)
        for retention in policy.classes
        if retention.data_class == data_class and site.name in retention.store
    ]


def key_file(retention: RetentionClass) -> str:
    """Where a class encrypted at rest has its certificate on the PBX (relative path)."""
    return f"{RECORDING_KEYS[1:]}/{retention.name}.pem"


def _encrypt_to(retention: RetentionClass | None, root: str) -> str | None:
    if retention is None or not retention.encryption_at_rest:
        return None
    return f"{root}/{key_file(retention)}"


def cdr_names() -> tuple[str, ...]:
    """The names of a call record's columns, in order (CDR_FIELDS without their formats)."""
    return tuple(name.split("(")[0] for name in CDR_FIELDS)


def written_classes(estate: Estate, site: Site) -> list[RetentionClass]:
    """The classes the site's PBXs write into: each recording class the site stores, its
    call-record class, its voicemail class where callers leave messages, and its log class."""
    cdr, log = cdr_class(estate, site), log_class(estate, site)
    voicemail = voicemail_class(estate, site) if mailboxes_at(estate, site.name) else None
    return [
        *_classes(estate, site, "recording"),
        *([cdr] if cdr else []),
        *([voicemail] if voicemail else []),
        *([log] if log else []),
    ]


def recording_folders(estate: Estate, site: Site) -> tuple[str, ...]:
    """The folders the site's PBXs record into: one per recording retention class it stores."""
    return tuple(f"{RECORDINGS}/{c.name}" for c in _classes(estate, site, "recording"))


def cdr_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the site's call records are kept by (the first CDR class that stores at
    the site); None: the site keeps no call records."""
    return next(iter(_classes(estate, site, "cdr")), None)


def voicemail_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the voicemail messages left at the site's PBXs are kept by (the first
    voicemail class that stores at the site); None: none (E0805 where messages are left)."""
    return next(iter(_classes(estate, site, "voicemail")), None)


def log_class(estate: Estate, site: Site) -> RetentionClass | None:
    """The class the site's PBX logs are kept by; None: the logs are not rotated."""
    return next(iter(_classes(estate, site, "log")), None)


def _cron_jobs(
    estate: Estate, site: Site, root: str, voicemail: RetentionClass | None
) -> list[CronJob]:
    """Per retention class the site stores: recordings, and the messages of `voicemail`
    (the class of the PBX's mailboxes, if it has any), deleted when older than `keep`; the
    call-record file and the log rotated at midnight, and rotated files deleted when older
    than `keep`. Under legal hold nothing is deleted."""
    minutes = iter(range(0, 60 * 7, 7))

    def job(retention: RetentionClass, rotate: str | None, purge: str) -> CronJob:
        keep = retention.keep.days
        comment = f"{retention.name}: {retention.data_class}, keep {keep} days"
        lines = [f"0 0 * * * root {rotate}"] if rotate else []
        if retention.legal_hold:
            comment += ", LEGAL HOLD: not purged"
        else:
            lines.append(f"{next(minutes) % 60} 3 * * * root {purge} -mtime +{keep} -delete")
        return CronJob(comment, tuple(lines))

    jobs = [
        job(retention, None, f"find {root}{RECORDINGS}/{retention.name} -type f")
        for retention in _classes(estate, site, "recording")
    ]
    cdr = cdr_class(estate, site)
    if cdr is not None:
        folder, name = f"{root}{CDR_FOLDER}", cdr.name
        day = "$(date -d yesterday -I)"
        rotate = f"cd {folder} && f={name}-{day}.csv && if [ -f {name}.csv ]; then mv {name}.csv $f"
        certificate = _encrypt_to(cdr, root)
        if certificate is not None:
            rotate += f" && {encrypt_command('$f', certificate)}"
        rotate += "; fi"
        jobs.append(job(cdr, rotate, f"find {folder} -name '{name}-*.csv*' -type f"))
    if voicemail is not None:
        # a message is its msgNNNN.txt (who left it, when) and its sound files; Asterisk
        # numbers the messages of a folder again when the box is opened, and makes the
        # folder with the first message
        folder = f"{root}{VOICEMAIL}"
        messages = f"[ ! -d {folder} ] || find {folder} -name 'msg[0-9][0-9][0-9][0-9].*' -type f"
        jobs.append(job(voicemail, None, messages))
    log = log_class(estate, site)
    if log is not None:
        logs = f"{root}{FOLDERS['astlogdir']}"
        rotate = f"asterisk -C {root}/etc/asterisk/asterisk.conf -rx 'logger rotate'"
        # `logger rotate` rotates Asterisk's queue_log too (callers' numbers are in it)
        rotated = f"\\( -name '{LOG_FILE}.*' -o -name '{QUEUE_LOG_FILE}.*' \\)"
        jobs.append(job(log, rotate, f"find {logs} {rotated} -type f"))
    return jobs


def dialplan_modules(contexts: Iterable[Context]) -> set[str]:
    """The modules providing the applications and functions `contexts` call."""
    needed: set[str] = set()
    for context in contexts:
        for extension in context.extensions:
            for step in extension.steps:
                for name in re.findall(r"([A-Za-z_]+)\(", step.app):
                    provider = PROVIDERS[name]  # a KeyError: say what provides it
                    if provider:
                        needed.add(provider)
    return needed


@dataclass(frozen=True)
class PbxSite:
    """What all PBXs of a site share: their PJSIP sections and rendered files, and the files
    that name paths on the host, by install root."""

    pjsip_body: bytes  # trunk and agent sections, after the host's own transports
    header: str
    files: dict[str, bytes]
    rooted: Callable[[str, int], dict[str, bytes]]  # by install root and the host's channels
    secrets: dict[str, SecretFile]


def _conf(renderer: Renderer, sources: Iterable[str], intro: str, *sections: Section) -> bytes:
    """An Asterisk config file of `sections`, with the header and an intro comment."""
    return renderer.render(
        "asterisk/sections.conf.j2",
        {"header": header(sources), "sections": sections, "includes": [], "intro": [intro]},
    )


def _prompt_files(estate: Estate, ivrs: Iterable[IVR]) -> dict[str, bytes]:
    """The recordings of the IVRs' prompts, in each language their callers may be in."""
    files: dict[str, bytes] = {}
    for ivr in ivrs:
        for name, languages in prompt_languages(ivr).items():
            node = ivr.nodes[name]
            if isinstance(node, Menu | LanguageSelect | Play | Collect):
                for language in languages:
                    recording = estate.prompts.get(f"{language}/{node.prompt}")
                    if recording is not None:  # else validate refused the estate (E0408)
                        files[prompt_file(node.prompt, language)] = recording
    return files


def _modules(
    contexts: Iterable[Context], trunks: Iterable[Trunk], *, cdr: bool, voicemail: bool
) -> list[str]:
    """What the PBX loads: the base, what the dialplan calls, what the trunks need (digest
    authentication, registration, SRTP), the CDR backend and voicemail where used."""
    modules = set(BASE_MODULES) | dialplan_modules(contexts)
    for trunk in trunks:
        if trunk.auth is not None:
            modules.add("res_pjsip_outbound_authenticator_digest")
            if trunk.registration:
                modules.add("res_pjsip_outbound_registration")
        if trunk.srtp:
            modules.add("res_srtp")
    if cdr:
        modules |= {"cdr_custom", "res_cdrel_custom"}
    if voicemail:
        modules.add("app_voicemail")
    return sorted(modules)


def _entry_recordings(
    ivrs: Iterable[IVR], root: str, classes: Callable[[str], RetentionClass | None]
) -> dict[str, list[Step]]:
    """The steps that start the recording of each IVR that records from its entry."""
    return {
        ivr.name: recording_steps(
            ivr.recording_class,
            root=root,
            encrypt_to=_encrypt_to(classes(ivr.recording_class), root),
        )
        for ivr in ivrs
        if ivr.recording_class
    }


def burst_numbers(estate: Estate, pool: BurstPool) -> list[NumberRange]:
    """The numbers a node of `pool` answers: those of the sites it serves whose IVRs queue
    only to groups whose calls it may keep (a group that records needs a pool that keeps
    recordings) and leave voicemail only if it keeps voicemail. Residency of each kept
    class is validate's (E0701)."""
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    keeps = set(pool.data_classes)

    def allowed(numbers: NumberRange) -> bool:
        ivr = ivrs.get(numbers.ivr)
        if ivr is None:
            return False
        twin = estate.twin_of(numbers.site)[1]
        reached = [groups[g] for g in queues_reached([ivr], groups)]
        records = ivr.recording_class is not None or any(
            group.recording_class_at(numbers.site, twin) is not None for group in reached
        )
        messages = bool(mailboxes([ivr], reached))
        return ("recording" in keeps or not records) and ("voicemail" in keeps or not messages)

    return [r for r in estate.of(NumberRange) if r.site in pool.serves and allowed(r)]


def _answered(
    estate: Estate, site: Site, burst: BurstPool | None
) -> tuple[list[NumberRange], list[str], set[str], list[Agent], list[str]]:
    """What the PBXs of `site` (or the nodes of `burst`) answer: the number ranges, the IVRs
    they enter, the queues those reach, the agents registered, and the trunks used."""
    trunks = estate.index(Trunk)
    if burst is not None:
        ranges = burst_numbers(estate, burst)
        used_ivrs = sorted({r.ivr for r in ranges})
        ivrs = estate.index(IVR)
        reached = queues_reached([ivrs[n] for n in used_ivrs], estate.index(SkillGroup))
        used = {r.trunk for r in ranges if r.trunk in trunks}
        return ranges, used_ivrs, reached, [], sorted(used)
    served = estate.site_and_twin(site.name)
    ranges = [r for r in estate.of(NumberRange) if r.site in served]
    agents = [agent for agent in estate.of(Agent) if agent.site in served]
    used = {r.trunk for r in ranges if r.trunk in trunks}
    used |= {t.name for t in trunks.values() if site.name in t.sites}
    return (
        ranges,
        ivrs_answered(estate, site.name),
        queues_hosted(estate, site.name),
        agents,
        sorted(used),
    )


def compile_pbx_site(
    estate: Estate, site: Site, renderer: Renderer, *, burst: BurstPool | None = None
) -> PbxSite:
    """The PBX configuration of `site`, the same on each of its PBXs but for the bindings
    (and, in the lab, the install root). With `burst`, that of the pool's nodes (`site` the
    first it serves): the numbers `burst_numbers` gives, no agents (their phones register
    to their sites' PBXs: overflow callers get the IVR and wait in queue, and each group's
    overflow applies), and call records and logs only where the pool keeps them."""
    _, twin = estate.twin_of(site.name)
    ivrs = estate.index(IVR)
    trunks = estate.index(Trunk)
    groups = estate.index(SkillGroup)
    ranges, used_ivrs, reached, agents, used_trunks = _answered(estate, site, burst)
    by_skill: dict[str, list[Agent]] = {}
    for agent in agents:
        for skill in agent.skills:
            by_skill.setdefault(skill, []).append(agent)
    own_trunks = sorted(t for t in used_trunks if site.name in trunks[t].sites)
    transfer_endpoint = trunk_endpoint((own_trunks or used_trunks or ["none"])[0])
    edge = _edge_address(estate, site)

    sections: list[Section] = []
    for name in used_trunks:
        sections += _trunk_sections(trunks[name], edge)
    sections += _edge_sections(estate)
    sections += _agent_sections(agents)

    schedules = estate.index(Schedule)
    classes = retention_classes(estate.of(RetentionPolicy)).get

    @cache
    def contexts_at(root: str) -> tuple[Context, ...]:
        """The dialplan, its paths under `root` (built once per root: the modules are read
        from it too)."""
        contexts: list[Context] = []
        for name in used_trunks:
            contexts += did_contexts(
                name,
                [r for r in ranges if r.trunk == name],
                ivrs,
                _entry_recordings([ivrs[n] for n in used_ivrs], root, classes),
            )
        for name in used_ivrs:
            contexts += ivr_contexts(ivrs[name], schedules, transfer_endpoint, root=root)
        contexts += [
            queue_context_for(
                groups[name],
                recording_class,
                transfer_endpoint,
                root=root,
                encrypt_to=_encrypt_to(classes(recording_class or ""), root),
            )
            for name in sorted(reached)
            for recording_class in [groups[name].recording_class_at(site.name, twin)]
        ]
        contexts.append(internal_context([a.extension for a in agents], transfer_endpoint))
        contexts.append(edges_context())
        return tuple(contexts)

    sources = {
        f"Site/{site.name}",
        *(f"NumberRange/{r.name}" for r in ranges),
        *(f"IVR/{n}" for n in used_ivrs),
        *(f"Trunk/{t}" for t in used_trunks),
        *(f"SkillGroup/{g}" for g in reached),
        *([f"Site/{twin}"] if twin else []),
        *([f"BurstPool/{burst.name}"] if burst else []),
    }
    top = header(sorted(sources))
    queue_sections = [_queue_section(groups[name], by_skill) for name in sorted(reached)]
    retention_sources = [f"RetentionPolicy/{p.name}" for p in estate.of(RetentionPolicy)]
    boxes = mailboxes([ivrs[name] for name in used_ivrs], [groups[g] for g in reached])
    keeps = set(burst.data_classes) if burst else {"cdr", "log"}
    cdr = cdr_class(estate, site) if "cdr" in keeps else None
    log = log_class(estate, site) if "log" in keeps else None
    voicemail = voicemail_class(estate, site) if boxes else None

    used = [trunks[name] for name in used_trunks]
    modules = _modules(contexts_at(""), used, cdr=cdr is not None, voicemail=bool(boxes))
    own = [f"BurstPool/{burst.name}" if burst else f"Site/{site.name}"]
    files = {
        **{
            f"etc/asterisk/{name}": _conf(renderer, own, intro, *sections)
            for name, (intro, sections) in CORE_FILES.items()
        },
        "etc/asterisk/modules.conf": _conf(
            renderer,
            sorted(sources),
            "Asterisk loads only these: what the files of this PBX use.",
            Section(
                "modules",
                (("autoload", "no"), *(("load", f"{m}.so") for m in modules)),
            ),
        ),
        "etc/asterisk/logger.conf": _conf(
            renderer,
            [*own, *retention_sources],
            f"Notices, warnings and errors in {FOLDERS['astlogdir']}/{LOG_FILE}"
            + (f", rotated daily and kept by {log.name}, as is {QUEUE_LOG_FILE}." if log else "."),
            Section("general", (("dateformat", "%F %T.%3q"), ("rotatestrategy", "timestamp"))),
            Section("logfiles", ((LOG_FILE, "notice,warning,error"),)),
        ),
        "etc/asterisk/queues.conf": _conf(
            renderer,
            [*own, *(f"SkillGroup/{g}" for g in reached), *(f"Agent/{a.name}" for a in agents)],
            "One queue per skill group; penalty 0 rings first.",
            Section("general", (("persistentmembers", "no"), ("shared_lastcall", "yes"))),
            *queue_sections,
        ),
        "etc/asterisk/musiconhold.conf": _conf(
            renderer,
            own,
            "What callers hear while they wait in a queue: the installed music on hold.",
            Section("default", (("mode", "files"), ("directory", "moh"), ("sort", "alpha"))),
        ),
        "etc/asterisk/cdr.conf": _conf(
            renderer,
            own,
            (
                f"Call detail records, one line per call, kept by {cdr.name}."
                if cdr
                else "No CDR retention class stores at this site: no call records."
            ),
            Section(
                "general",
                (
                    ("enable", "yes" if cdr else "no"),
                    ("unanswered", "yes"),
                    ("congestion", "yes"),
                    ("batch", "no"),
                ),
            ),
        ),
    }
    files |= _prompt_files(estate, [ivrs[name] for name in used_ivrs])
    if cdr is not None:
        files["etc/asterisk/cdr_custom.conf"] = _conf(
            renderer,
            [*own, *retention_sources],
            f"One CSV line per call in {CDR_FOLDER}/{cdr.name}.csv: the call, then its trunk, "
            "DID, SIP Call-ID, IVR path, skill group and recording.",
            Section(f"{cdr.name}.csv", (("format", "dsv"), ("fields", ",".join(CDR_FIELDS)))),
        )
    if boxes:
        files["etc/asterisk/voicemail.conf"] = _conf(
            renderer,
            sorted(sources),
            "Mailboxes the dialplan leaves messages in; their PINs are kept in the spool.",
            Section(
                "general",
                (
                    ("format", "wav"),
                    ("attach", "no"),
                    ("maxmsg", "100"),
                    ("maxsecs", "300"),
                    ("passwordlocation", "spooldir"),
                ),
            ),
            Section("default", tuple((box, f",Mailbox {box}") for box in boxes)),
        )

    @cache
    def rooted(root: str, channels: int) -> dict[str, bytes]:
        """The files that name paths under `root`, and the dialplan of a PBX that takes at
        most `channels` calls from trunks at once (0: no limit)."""
        directories = tuple((key, f"{root}{folder}") for key, folder in FOLDERS.items())
        options = (("runuser", "asterisk"), ("rungroup", "asterisk")) if not root else ()
        return {
            "etc/asterisk/asterisk.conf": _conf(
                renderer,
                own,
                "Asterisk's folders"
                + (" under the lab host's root; it runs as the lab's user." if root else "."),
                Section("directories", directories),
                *([Section("options", options)] if options else []),
            ),
            "etc/asterisk/extensions.conf": renderer.render(
                "asterisk/extensions.conf.j2",
                {
                    "header": top,
                    "contexts": contexts_at(root),
                    "site": site.name,
                    "channels": channels,
                },
            ),
            **compile_queue_stats([groups[name] for name in reached], renderer, root=root),
            RETENTION_JOBS: renderer.render(
                "cron/retention.j2",
                {
                    "header": header([*own, *retention_sources]),
                    "site": site.name,
                    "jobs": _cron_jobs(estate, site, root, voicemail),
                },
            ),
        }

    body = renderer.render(
        "asterisk/sections.body.j2", {"sections": sections, "includes": [SECRETS_INCLUDE]}
    )
    return PbxSite(
        body, top, files, rooted, pbx_secrets(used, agents) | _certificates(estate, site)
    )


def pbx_secrets(trunks: list[Trunk], agents: list[Agent]) -> dict[str, SecretFile]:
    """pjsip_secrets.conf: the password of each trunk that authenticates and of each agent's
    phone, added to its auth section; readable by Asterisk's group only. None when nothing
    authenticates."""
    parts: list[str | Secret] = []
    passwords = [(trunk_auth(t.name), t.auth.password.secret) for t in trunks if t.auth is not None]
    passwords += [
        (f"{a.extension}-auth", a.sip_password.secret)
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


def _encrypted(estate: Estate, site: Site) -> list[RetentionClass]:
    """The classes the site's PBXs encrypt at rest (recordings and the call-record class)."""
    return [c for c in written_classes(estate, site) if c.encryption_at_rest]


def encrypts_at_rest(estate: Estate, site: Site) -> bool:
    return bool(_encrypted(estate, site))


def _certificates(estate: Estate, site: Site) -> dict[str, SecretFile]:
    """The certificate of each class the site stores encrypted at rest: public, but from the
    estate's secret references like the edges' TLS certificate."""
    return {
        key_file(retention): SecretFile(
            (Secret(retention.encryption_certificate.secret, "certificate"),), "0640", "asterisk"
        )
        for retention in _encrypted(estate, site)
        if retention.encryption_certificate is not None
    }


def compile_pbx(
    shared: PbxSite, host: Host, renderer: Renderer, *, root: str = ""
) -> dict[str, bytes]:
    """Files of the PBX `host` installed under `root`: the site's files, and PJSIP bound to
    the host's address."""
    bind = sip_uri(host.address)[4:]
    transports = [
        Section(UDP, (("type", "transport"), ("protocol", "udp"), ("bind", bind))),
        Section(TCP, (("type", "transport"), ("protocol", "tcp"), ("bind", bind))),
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
    http = renderer.render(
        "asterisk/sections.conf.j2",
        {
            "header": shared.header,
            "sections": [
                Section(
                    "general",
                    (
                        ("enabled", "yes"),
                        ("bindaddr", str(host.address)),
                        ("bindport", str(PBX_METRICS_PORT)),
                    ),
                )
            ],
            "includes": [],
            "intro": ["Asterisk's HTTP server: it serves Prometheus's /metrics only."],
        },
    )
    return {
        **shared.files,
        **shared.rooted(root, host.channels),
        "etc/asterisk/pjsip.conf": pjsip + shared.pjsip_body,
        "etc/asterisk/http.conf": http,
    }
