"""What a simulation is asked, checked before anything runs: the number, the instant, the
keys, the language, what is down. Bad input is an `InputError` (the command exits 2)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ccmsctl.errors import UserError
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR, LanguageSelect
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
ANSWER = re.compile(r"^([0-9*#]{1,32}|-)$")


class InputError(UserError):
    """A simulation asked with a number, an instant, keys, a language or a host that
    cannot be."""

    code = "E1802"


@dataclass(frozen=True)
class Request:
    number: str
    at: datetime
    keys: tuple[str, ...]
    language: str | None
    down: frozenset[str]
    caller: str


def instant(text: str) -> datetime:
    """An ISO 8601 instant with its UTC offset (`2026-12-07T10:00:00+08:00`, or `Z`)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not an ISO 8601 instant such as 2026-12-07T10:00:00+08:00"
        ) from None
    if moment.tzinfo is None:
        raise InputError(f"{text!r} has no UTC offset: add one, e.g. {text}+08:00 or {text}Z")
    return moment


def request(
    estate: Estate,
    number: str,
    at: str,
    *,
    digits: str = "",
    language: str | None = None,
    down: Sequence[str] = (),
    caller: str = "",
) -> Request:
    if not E164.match(number):
        raise InputError(f"{number!r} is not an E.164 number such as +862161230005")
    keys = tuple(digits.split(",")) if digits else ()
    wrong = [key for key in keys if not ANSWER.match(key)]
    if wrong:
        raise InputError(f"--digits {wrong[0]!r}: each answer is keys (0-9, * or #) or - for none")
    if caller and not E164.match(caller) and not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", caller):
        raise InputError(f"--caller {caller!r} is no caller: a number (+ and digits) or a word")
    if language is not None:
        offered = sorted(
            {
                option.language
                for ivr in estate.of(IVR)
                for node in ivr.nodes.values()
                if isinstance(node, LanguageSelect)
                for option in node.options
            }
        )
        if language not in offered:
            raise InputError(
                f"--language {language}: no language menu offers it; offered: "
                + (", ".join(offered) or "none")
            )
    return Request(number, instant(at), keys, language, _down(estate, down), caller)


def _down(estate: Estate, down: Sequence[str]) -> frozenset[str]:
    known = {site.name for site in estate.of(Site)}
    known |= {host.name for site in estate.of(Site) for host in site.hosts}
    known |= {pool.name for pool in estate.of(BurstPool)}
    known |= {node.name for node in estate.burst_nodes()}
    for name in down:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"--down {name!r}: no site, host or burst pool of that name{hint}")
    return frozenset(down)
