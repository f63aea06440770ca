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

from collections.abc import Iterable
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
    TRANSPORTS_INCLUDE,
    UDP,
    agent_sections,
    class_certificates,
    edge_address,
    edge_sections,
    pbx_secrets,
    trunk_sections,
)
from ccmsctl.compile.pbx.queues import agents_by_skill, queue_section
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
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.retention import RetentionClass, RetentionPolicy, retention_classes
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
    transports_header: str  # of the file of each PBX's transports: where its address is set
    files: dict[str, bytes]
    # the files that name paths, by the install root and the channels of the site's PBXs
    rooted: dict[tuple[str, int], dict[str, bytes]]
    secrets: dict[str, SecretFile]


@dataclass(frozen=True)
class _Scope:
    """What a site's PBXs serve (site_calls), decided once for every file of theirs."""

    estate: Estate
    site: Site
    twin: str | None
    burst: BurstPool | None
    ranges: list[NumberRange]
    ivrs: list[IVR]  # the IVRs they answer, by name
    groups: list[SkillGroup]  # the queues they run, by name
    agents: list[Agent]
    trunks: list[Trunk]  # the trunks they take calls from and send calls out on, by name
    transfer_endpoint: str
    sources: tuple[str, ...]  # the documents their files are made from
    own: tuple[str, ...]  # the document the site-wide files speak for

    @property
    def retention_sources(self) -> list[str]:
        return [f"RetentionPolicy/{p.name}" for p in self.estate.of(RetentionPolicy)]

    @property
    def mailboxes(self) -> list[str]:
        return mailboxes(self.ivrs, self.groups)


def _scope(estate: Estate, site: Site, burst: BurstPool | None) -> _Scope:
    _, twin = estate.twin_of(site.name)
    ivrs, trunks, groups = estate.index(IVR), estate.index(Trunk), estate.index(SkillGroup)
    ranges, used_ivrs, reached, agents, used_trunks = site_calls(estate, site, burst)
    own_trunks = sorted(t for t in used_trunks if site.name in trunks[t].sites)
    sources = {
        f"Site/{site.name}",
        *(f"NumberRange/{r.name}" for r in ranges),
        *(f"IVR/{n}" for n in used_ivrs),
        *(f"Trunk/{t}" for t in used_trunks),
        *(f"SkillGroup/{g}" for g in reached),
        *([f"Site/{twin}"] if twin else []),
        *([f"BurstPool/{burst.name}"] if burst else []),
    }
    return _Scope(
        estate,
        site,
        twin,
        burst,
        ranges,
        [ivrs[name] for name in used_ivrs],
        [groups[name] for name in sorted(reached)],
        agents,
        [trunks[name] for name in used_trunks],
        trunk_endpoint((own_trunks or used_trunks or ["none"])[0]),
        tuple(sorted(sources)),
        (f"BurstPool/{burst.name}" if burst else f"Site/{site.name}",),
    )


def _dialplan(scope: _Scope, root: str) -> tuple[Context, ...]:
    """The dialplan of the site's PBXs, its paths under `root`."""
    estate, ivrs = scope.estate, {ivr.name: ivr for ivr in scope.ivrs}
    classes = retention_classes(estate.of(RetentionPolicy)).get
    schedules = estate.index(Schedule)
    transfer = scope.transfer_endpoint
    contexts: list[Context] = []
    for trunk in scope.trunks:
        contexts += did_contexts(
            trunk.name,
            [r for r in scope.ranges if r.trunk == trunk.name],
            ivrs,
            entry_recordings(scope.ivrs, root, classes),
        )
    for ivr in scope.ivrs:
        contexts += ivr_contexts(ivr, schedules, transfer, root=root)
    contexts += [
        queue_context_for(
            group,
            recording_class,
            transfer,
            root=root,
            encrypt_to=encryption_target(classes(recording_class or ""), root),
        )
        for group in scope.groups
        for recording_class in [group.recording_class_at(scope.site.name, scope.twin)]
    ]
    contexts.append(internal_context([a.extension for a in scope.agents], transfer))
    contexts.append(edges_context())
    return tuple(contexts)


def _kept(scope: _Scope) -> tuple[RetentionClass | None, RetentionClass | None]:
    """The site's call-record and log classes, where its PBXs keep them (a burst node:
    only where its pool does)."""
    keeps = set(scope.burst.data_classes) if scope.burst else {"cdr", "log"}
    cdr = cdr_class(scope.estate, scope.site) if "cdr" in keeps else None
    log = log_class(scope.estate, scope.site) if "log" in keeps else None
    return cdr, log


def _logging_files(scope: _Scope, renderer: Renderer) -> dict[str, bytes]:
    """logger.conf, cdr.conf and (where call records are kept) cdr_custom.conf."""
    cdr, log = _kept(scope)
    own, retention = list(scope.own), scope.retention_sources
    files = {
        "etc/asterisk/logger.conf": conf_file(
            renderer,
            [*own, *retention],
            f"Notices, warnings and errors in {FOLDERS['astlogdir']}/{LOG_FILE}"
            + (f", rotated daily and kept by {log.name}, as is {QUEUE_LOG_FILE}." if log else "."),
            Section("general", (("dateformat", "%F %T.%3q"), ("rotatestrategy", "timestamp"))),
            Section("logfiles", ((LOG_FILE, "notice,warning,error"),)),
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
    if cdr is not None:
        files["etc/asterisk/cdr_custom.conf"] = conf_file(
            renderer,
            [*own, *retention],
            f"One CSV line per call in {CDR_FOLDER}/{cdr.name}.csv: the call, then its trunk, "
            "DID, SIP Call-ID, IVR path, skill group and recording.",
            Section(f"{cdr.name}.csv", (("format", "dsv"), ("fields", ",".join(CDR_FIELDS)))),
        )
    return files


def _queue_files(scope: _Scope, renderer: Renderer) -> dict[str, bytes]:
    """queues.conf, the music callers hear in them, and the mailboxes the calls may end in."""
    by_skill = agents_by_skill(scope.agents)
    own = list(scope.own)
    files = {
        "etc/asterisk/queues.conf": conf_file(
            renderer,
            [*own, *(f"SkillGroup/{g.name}" for g in scope.groups)]
            + [f"Agent/{a.name}" for a in scope.agents],
            "One queue per skill group; penalty 0 rings first.",
            Section("general", (("persistentmembers", "no"), ("shared_lastcall", "yes"))),
            *(queue_section(group, by_skill) for group in scope.groups),
        ),
        "etc/asterisk/musiconhold.conf": conf_file(
            renderer,
            own,
            "What callers hear while they wait in a queue: the installed music on hold.",
            Section("default", (("mode", "files"), ("directory", "moh"), ("sort", "alpha"))),
        ),
    }
    boxes = scope.mailboxes
    if boxes:
        files["etc/asterisk/voicemail.conf"] = conf_file(
            renderer,
            scope.sources,
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
    return files


def _site_files(
    scope: _Scope, renderer: Renderer, dialplan: tuple[Context, ...]
) -> dict[str, bytes]:
    """The files every PBX of the site has the same: the core files, modules.conf (from
    what the files use), logging, queues, and the IVRs' prompts."""
    cdr, _ = _kept(scope)
    modules = pbx_modules(
        dialplan, scope.trunks, cdr=cdr is not None, voicemail=bool(scope.mailboxes)
    )
    return {
        **{
            f"etc/asterisk/{name}": conf_file(renderer, scope.own, intro, *sections)
            for name, (intro, sections) in CORE_FILES.items()
        },
        "etc/asterisk/modules.conf": conf_file(
            renderer,
            scope.sources,
            "Asterisk loads only these: what the files of this PBX use.",
            Section("modules", (("autoload", "no"), *(("load", f"{m}.so") for m in modules))),
        ),
        **_logging_files(scope, renderer),
        **_queue_files(scope, renderer),
        **ivr_prompt_files(scope.estate, scope.ivrs),
    }


def _rooted_files(
    scope: _Scope, renderer: Renderer, dialplan: tuple[Context, ...], root: str, channels: int
) -> dict[str, bytes]:
    """The files that name paths under `root`, and the dialplan of a PBX that takes at most
    `channels` calls from trunks at once (0: no limit)."""
    directories = tuple((key, f"{root}{folder}") for key, folder in FOLDERS.items())
    options = (("runuser", "asterisk"), ("rungroup", "asterisk")) if not root else ()
    voicemail = voicemail_class(scope.estate, scope.site) if scope.mailboxes else None
    return {
        "etc/asterisk/asterisk.conf": conf_file(
            renderer,
            scope.own,
            "Asterisk's folders"
            + (" under the lab host's root; it runs as the lab's user." if root else "."),
            Section("directories", directories),
            *([Section("options", options)] if options else []),
        ),
        "etc/asterisk/extensions.conf": renderer.render(
            "asterisk/extensions.conf.j2",
            {
                "header": header(scope.sources),
                "contexts": dialplan,
                "site": scope.site.name,
                "channels": channels,
            },
        ),
        **compile_queue_stats(scope.groups, renderer, root=root),
        RETENTION_JOBS: renderer.render(
            "cron/retention.j2",
            {
                "header": header([*scope.own, *scope.retention_sources]),
                "site": scope.site.name,
                "jobs": cron_jobs(scope.estate, scope.site, root, voicemail),
            },
        ),
    }


@dataclass(frozen=True)
class PbxCalls:
    """What the PBXs of a site (or a burst pool's nodes) do with calls, as installed on a
    host (no install root): their dialplan, the agents registered to them, and the class
    their call records are kept by (None: they keep none)."""

    dialplan: tuple[Context, ...]
    agents: tuple[Agent, ...]
    cdr: RetentionClass | None


def pbx_calls(estate: Estate, site: Site, burst: BurstPool | None = None) -> PbxCalls:
    """The calls of `site`'s PBXs (or of `burst`'s nodes: `site` the first it serves), for the
    simulator: the same scope and dialplan compile writes."""
    scope = _scope(estate, site, burst)
    return PbxCalls(_dialplan(scope, ""), tuple(scope.agents), _kept(scope)[0])


def compile_pbx_site(
    estate: Estate,
    site: Site,
    renderer: Renderer,
    placed: Iterable[tuple[str, int]],
    *,
    burst: BurstPool | None = None,
) -> PbxSite:
    """The PBX configuration of `site`, the same on each of its PBXs but for the bindings
    and the files each (install root, channels) of `placed` gives. With `burst`, that of
    the pool's nodes (`site` the first it serves): the numbers `burst_numbers` gives, no
    agents (their phones register to their sites' PBXs: overflow callers get the IVR and
    wait in queue, and each group's overflow applies), and call records and logs only where
    the pool keeps them."""
    scope = _scope(estate, site, burst)
    dialplan = cache(lambda root: _dialplan(scope, root))
    rooted = {
        (root, channels): _rooted_files(scope, renderer, dialplan(root), root, channels)
        for root, channels in sorted(set(placed))
    }

    sections = [
        *(
            section
            for trunk in scope.trunks
            for section in trunk_sections(trunk, edge_address(estate, site))
        ),
        *edge_sections(estate),
        *agent_sections(scope.agents),
    ]
    body = renderer.render(
        "asterisk/sections.body.j2", {"sections": sections, "includes": [SECRETS_INCLUDE]}
    )
    secrets = pbx_secrets(scope.trunks, scope.agents) | class_certificates(estate, site)
    files = _site_files(scope, renderer, dialplan(""))
    placing = f"BurstPool/{burst.name}" if burst else f"Site/{site.name}"
    return PbxSite(body, header(scope.sources), header([placing]), files, rooted, secrets)


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
            "sections": [],
            "includes": [TRANSPORTS_INCLUDE],
            "intro": [
                f"PJSIP of {host.name}: trunks reach it through the edge, which tags",
                "each call with X-CCMS-Trunk; agents' phones register here.",
            ],
        },
    )
    bound = renderer.render(
        "asterisk/sections.conf.j2",
        {
            "header": shared.transports_header,
            "sections": transports,
            "includes": [],
            "intro": [
                f"Where PJSIP of {host.name} listens. Asterisk binds its transports only as",
                "it starts: a change here restarts it (the asterisk role).",
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
        **shared.rooted[root, host.channels],
        "etc/asterisk/pjsip.conf": pjsip + shared.pjsip_body,
        f"etc/asterisk/{TRANSPORTS_INCLUDE}": bound,
        "etc/asterisk/http.conf": http,
    }
