"""PBX hosts (Asterisk 22), per site: asterisk.conf, modules.conf, logger.conf, pjsip.conf,
extensions.conf, queues.conf, voicemail.conf, musiconhold.conf, the CDR files and the
retention jobs; the parts live beside this module (layout, files, modules, pjsip, queues,
routing, retention).

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

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ccmsctl.artifacts import SecretFile
from ccmsctl.compile.dialplan import (
    Context,
    did_contexts,
    edges_context,
    internal_context,
    ivr_contexts,
    queue_context_for,
)
from ccmsctl.compile.header import header
from ccmsctl.compile.monitoring.names import PBX_METRICS_PORT
from ccmsctl.compile.pbx.files import CORE_FILES, Section, conf_file
from ccmsctl.compile.pbx.layout import (
    CDR_FIELDS,
    CDR_FOLDER,
    FOLDERS,
    LOG_FILE,
    QUEUE_LOG_FILE,
    RETENTION_JOBS,
    cdr_class,
    encryption_target,
    log_class,
    voicemail_class,
)
from ccmsctl.compile.pbx.modules import pbx_modules
from ccmsctl.compile.pbx.pjsip import (
    SECRETS_INCLUDE,
    TCP,
    UDP,
    agent_sections,
    class_certificates,
    edge_address,
    edge_sections,
    pbx_secrets,
    trunk_sections,
)
from ccmsctl.compile.pbx.queues import queue_section
from ccmsctl.compile.pbx.retention import cron_jobs
from ccmsctl.compile.pbx.routing import entry_recordings, ivr_prompt_files, site_calls
from ccmsctl.compile.queuestats import compile_queue_stats
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import sip_uri
from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import (
    trunk_endpoint,
)
from ccmsctl.model.retention import RetentionPolicy, retention_classes
from ccmsctl.model.routing import (
    mailboxes,
)
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Host, Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk


@dataclass(frozen=True)
class PbxSite:
    """What all PBXs of a site share: their PJSIP sections and rendered files, and the files
    that name paths on the host, by install root."""

    pjsip_body: bytes  # trunk and agent sections, after the host's own transports
    header: str
    files: dict[str, bytes]
    rooted: Callable[[str, int], dict[str, bytes]]  # by install root and the host's channels
    secrets: dict[str, SecretFile]


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
    ranges, used_ivrs, reached, agents, used_trunks = site_calls(estate, site, burst)
    by_skill: dict[str, list[Agent]] = {}
    for agent in agents:
        for skill in agent.skills:
            by_skill.setdefault(skill, []).append(agent)
    own_trunks = sorted(t for t in used_trunks if site.name in trunks[t].sites)
    transfer_endpoint = trunk_endpoint((own_trunks or used_trunks or ["none"])[0])
    edge = edge_address(estate, site)

    sections: list[Section] = []
    for name in used_trunks:
        sections += trunk_sections(trunks[name], edge)
    sections += edge_sections(estate)
    sections += agent_sections(agents)

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
                entry_recordings([ivrs[n] for n in used_ivrs], root, classes),
            )
        for name in used_ivrs:
            contexts += ivr_contexts(ivrs[name], schedules, transfer_endpoint, root=root)
        contexts += [
            queue_context_for(
                groups[name],
                recording_class,
                transfer_endpoint,
                root=root,
                encrypt_to=encryption_target(classes(recording_class or ""), root),
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
    queue_sections = [queue_section(groups[name], by_skill) for name in sorted(reached)]
    retention_sources = [f"RetentionPolicy/{p.name}" for p in estate.of(RetentionPolicy)]
    boxes = mailboxes([ivrs[name] for name in used_ivrs], [groups[g] for g in reached])
    keeps = set(burst.data_classes) if burst else {"cdr", "log"}
    cdr = cdr_class(estate, site) if "cdr" in keeps else None
    log = log_class(estate, site) if "log" in keeps else None
    voicemail = voicemail_class(estate, site) if boxes else None

    used = [trunks[name] for name in used_trunks]
    modules = pbx_modules(contexts_at(""), used, cdr=cdr is not None, voicemail=bool(boxes))
    own = [f"BurstPool/{burst.name}" if burst else f"Site/{site.name}"]
    files = {
        **{
            f"etc/asterisk/{name}": conf_file(renderer, own, intro, *sections)
            for name, (intro, sections) in CORE_FILES.items()
        },
        "etc/asterisk/modules.conf": conf_file(
            renderer,
            sorted(sources),
            "Asterisk loads only these: what the files of this PBX use.",
            Section(
                "modules",
                (("autoload", "no"), *(("load", f"{m}.so") for m in modules)),
            ),
        ),
        "etc/asterisk/logger.conf": conf_file(
            renderer,
            [*own, *retention_sources],
            f"Notices, warnings and errors in {FOLDERS['astlogdir']}/{LOG_FILE}"
            + (f", rotated daily and kept by {log.name}, as is {QUEUE_LOG_FILE}." if log else "."),
            Section("general", (("dateformat", "%F %T.%3q"), ("rotatestrategy", "timestamp"))),
            Section("logfiles", ((LOG_FILE, "notice,warning,error"),)),
        ),
        "etc/asterisk/queues.conf": conf_file(
            renderer,
            [*own, *(f"SkillGroup/{g}" for g in reached), *(f"Agent/{a.name}" for a in agents)],
            "One queue per skill group; penalty 0 rings first.",
            Section("general", (("persistentmembers", "no"), ("shared_lastcall", "yes"))),
            *queue_sections,
        ),
        "etc/asterisk/musiconhold.conf": conf_file(
            renderer,
            own,
            "What callers hear while they wait in a queue: the installed music on hold.",
            Section("default", (("mode", "files"), ("directory", "moh"), ("sort", "alpha"))),
        ),
        "etc/asterisk/cdr.conf": conf_file(
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
    files |= ivr_prompt_files(estate, [ivrs[name] for name in used_ivrs])
    if cdr is not None:
        files["etc/asterisk/cdr_custom.conf"] = conf_file(
            renderer,
            [*own, *retention_sources],
            f"One CSV line per call in {CDR_FOLDER}/{cdr.name}.csv: the call, then its trunk, "
            "DID, SIP Call-ID, IVR path, skill group and recording.",
            Section(f"{cdr.name}.csv", (("format", "dsv"), ("fields", ",".join(CDR_FIELDS)))),
        )
    if boxes:
        files["etc/asterisk/voicemail.conf"] = conf_file(
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
            "etc/asterisk/asterisk.conf": conf_file(
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
                    "jobs": cron_jobs(estate, site, root, voicemail),
                },
            ),
        }

    body = renderer.render(
        "asterisk/sections.body.j2", {"sections": sections, "includes": [SECRETS_INCLUDE]}
    )
    return PbxSite(
        body, top, files, rooted, pbx_secrets(used, agents) | class_certificates(estate, site)
    )


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
