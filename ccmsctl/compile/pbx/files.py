"""Asterisk's ini files as ccmsctl writes them: a section, a file of sections with its header,
and the core files the PBX leaves at their defaults."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ccmsctl.compile.header import header
from ccmsctl.compile.render import Renderer


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


def conf_file(renderer: Renderer, sources: Iterable[str], intro: str, *sections: Section) -> bytes:
    """An Asterisk config file of `sections`, with the header and an intro comment."""
    return renderer.render(
        "asterisk/sections.conf.j2",
        {"header": header(sources), "sections": sections, "includes": [], "intro": [intro]},
    )
