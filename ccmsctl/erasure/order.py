"""An erasure request made concrete: for one caller's number, the order each PBX runs (which
call-record files to clean, which retention classes' recordings to delete, which are held,
and the voicemail folder whose messages from the caller go),
the deadline per class, and the audit record that proves what was asked and done.

The number is in the orders only (they go to the hosts, mode 0600); the audit record holds
it masked, beside the request's own id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ccmsctl import tooling
from ccmsctl.compile.dialplan import RECORDINGS
from ccmsctl.compile.pbx.layout import CDR_FOLDER, VOICEMAIL, cdr_class, cdr_names, written_classes
from ccmsctl.model.kinds import Estate
from ccmsctl.model.retention import PERSONAL, RetentionClass, RetentionPolicy
from ccmsctl.model.site import Site

SCRIPT = "ccms-erase.py"


def masked(number: str) -> str:
    """+8613812345678 -> +861*******5678: enough to tell requests apart, not to call."""
    keep = 4 if len(number) > 8 else 2
    return number[:keep] + "*" * max(len(number) - 2 * keep, 0) + number[-keep:]


def script() -> bytes:
    return (tooling.templates() / "erasure" / SCRIPT).read_bytes()


@dataclass(frozen=True)
class ClassDeadline:
    name: str
    data_class: str
    action: str  # "erase", "held: legal hold", "kept: no erase_on_request"
    due: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.name,
            "data_class": self.data_class,
            "action": self.action,
            "due": self.due.isoformat() if self.due else None,
        }


def _action(retention: RetentionClass) -> str:
    if retention.legal_hold:
        return "held: legal hold"
    return "erase" if retention.erase_on_request is not None else "kept: no erase_on_request"


def deadlines(estate: Estate, requested: date) -> list[ClassDeadline]:
    """Each class of personal data: what happens to the subject's data in it, and by when."""
    return [
        ClassDeadline(
            kept.name,
            kept.data_class,
            _action(kept),
            requested + kept.erase_on_request if kept.erase_on_request else None,
        )
        for policy in sorted(estate.of(RetentionPolicy), key=lambda p: p.name)
        for kept in policy.classes
        if kept.data_class in PERSONAL
    ]


def _folder(retention: RetentionClass | None, folder: str) -> list[dict[str, Any]]:
    """The order's entry for a class kept in files under `folder`: none without the class."""
    if retention is None:
        return []
    return [{"folder": folder, "name": retention.name, "erase": _action(retention) == "erase"}]


def orders(estate: Estate, number: str, roots: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Host -> its erasure order, for each PBX of the estate (the caller may have called
    any site); `roots`: a host's install root ("" on a real host)."""
    found: dict[str, dict[str, Any]] = {}
    for site in sorted(estate.of(Site), key=lambda s: s.name):
        written = written_classes(estate, site)
        recordings = {c.name: _action(c) == "erase" for c in written if c.data_class == "recording"}
        cdr = cdr_class(estate, site)
        voicemail = next((c for c in written if c.data_class == "voicemail"), None)
        for host in sorted(site.hosts_with("pbx"), key=lambda h: h.name):
            root = roots.get(host.name, "")
            found[host.name] = {
                "host": host.name,
                "number": number,
                "columns": list(cdr_names()),
                "cdr": _folder(cdr, f"{root}{CDR_FOLDER}"),
                "recordings": f"{root}{RECORDINGS}",
                "classes": recordings,
                "voicemail": _folder(voicemail, f"{root}{VOICEMAIL}"),
            }
    return found


def order_bytes(order: Mapping[str, Any]) -> bytes:
    return (json.dumps(order, indent=2, sort_keys=True) + "\n").encode()


def audit_record(
    *,
    request: str,
    number: str,
    requested: date,
    estate: Estate,
    host_orders: Mapping[str, Mapping[str, Any]],
    meta: Mapping[str, str],
    results: Mapping[str, Any] | None = None,
    today: date,
) -> dict[str, Any]:
    """What was asked (the request, the masked subject, the deadlines), how (each host's
    order by digest, the script's digest) and, once run, what each host did."""
    classes = deadlines(estate, requested)
    late = [c.name for c in classes if c.due is not None and c.due < today]
    return {
        "version": 1,
        "request": request,
        "subject": masked(number),
        "requested": requested.isoformat(),
        "classes": [c.as_json() for c in classes],
        "overdue": late,
        "script_sha256": hashlib.sha256(script()).hexdigest(),
        "hosts": {
            host: {
                "order_sha256": hashlib.sha256(order_bytes(order)).hexdigest(),
                "result": (results or {}).get(host),
            }
            for host, order in sorted(host_orders.items())
        },
        **meta,
    }
