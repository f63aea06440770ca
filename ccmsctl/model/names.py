"""The names ccmsctl gives what it generates from the estate (PJSIP sections, dialplan
contexts, queues, alerts), and the names it keeps for its own objects in the same files.

One home: compile writes these names, and validate refuses an estate where two of them
would be one (`trunk-a` + `-identify` and a trunk named `a-identify`; IVR `main` node
`cn-hours` and IVR `main-cn` node `hours`) or where one would be ccmsctl's own (a skill
group named `general` is queues.conf's settings section): Asterisk and Prometheus would
silently merge or shadow the two. No I/O.
"""

from __future__ import annotations

# pjsip.conf (and pjsip_secrets.conf, which it includes)
TRANSPORTS = ("transport-udp", "transport-tcp")
EDGES_ENDPOINT = "edges"
AGENT_TEMPLATE = "agent-phone"
PJSIP_OWN = frozenset(
    {*TRANSPORTS, "global", EDGES_ENDPOINT, f"{EDGES_ENDPOINT}-identify", AGENT_TEMPLATE}
)


def trunk_endpoint(trunk: str) -> str:
    """The trunk's endpoint and AOR (one name: PJSIP sections of different types)."""
    return f"trunk-{trunk}"


def trunk_identify(trunk: str) -> str:
    return f"{trunk_endpoint(trunk)}-identify"


def trunk_auth(trunk: str) -> str:
    return f"{trunk_endpoint(trunk)}-auth"


def trunk_registration(trunk: str) -> str:
    return f"{trunk_endpoint(trunk)}-registration"


def phone_auth(extension: str) -> str:
    """An agent's phone's auth section (its endpoint and AOR are its extension)."""
    return f"{extension}-auth"


# extensions.conf
EDGES_CONTEXT = "from-edges"
INTERNAL_CONTEXT = "internal"
DIALPLAN_OWN = frozenset({"general", "globals", EDGES_CONTEXT, INTERNAL_CONTEXT})


def trunk_context(trunk: str) -> str:
    """Where the calls a trunk delivers arrive."""
    return f"from-trunk-{trunk}"


def entry_context(trunk: str, ivr: str) -> str:
    """The entry of `ivr` for calls from `trunk`."""
    return f"did-{trunk}-{ivr}"


def node_context(ivr: str, node: str) -> str:
    return f"ivr-{ivr}-{node}"


def queue_context(group: str) -> str:
    return f"queue-{group}"


# queues.conf: a skill group's queue is a section named after it
QUEUES_OWN = frozenset({"general"})

# Prometheus: the built-in alerts' names start with this; a threshold's may not
BUILT_IN_ALERT_PREFIX = "Ccms"


def alert_name(threshold: str) -> str:
    """The alert of an `Alerting` threshold: its name in CamelCase (queue-wait-high ->
    QueueWaitHigh)."""
    return "".join(part.capitalize() for part in threshold.split("-"))
