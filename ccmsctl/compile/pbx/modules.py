"""What Asterisk loads: the base modules every PBX needs, and those the dialplan's applications
and functions need."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ccmsctl.compile.dialplan import (
    Context,
)
from ccmsctl.model.trunk import Trunk

# The module that provides each application and function the dialplan uses (None: the core)
PROVIDERS: dict[str, str | None] = {
    "Answer": None,
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


def pbx_modules(
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
