"""Value types shared by the kinds: names, E.164 numbers, countries, time zones, durations.

Each type validates what it is, so a kind's fields read as their meaning. No I/O beyond the
time zone database lookup that `zoneinfo` does.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from datetime import timedelta
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

# Characters no value may hold: they end lines in some reader (C0/C1 controls, U+2028/2029),
# hide or reorder text a reviewer reads (format characters such as U+202E), or mean nothing
# (unassigned, private use, surrogates).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_PROSE_ALLOWED = frozenset("\n\t")


def _visible(value: str, allowed: frozenset[str] = frozenset()) -> str:
    for index, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in _HIDDEN:
            raise PydanticCustomError(
                "control_character",
                "holds the control or invisible character {char} at position {index}: "
                "values cannot carry line breaks or hidden characters into generated files",
                {"char": f"U+{ord(char):04X}", "index": index + 1},
            )
    return value


def _check_prose(value: str) -> str:
    return _visible(value, _PROSE_ALLOWED)


Text = Annotated[
    StrictStr,
    Field(max_length=200),
    AfterValidator(_visible),
    WithJsonSchema({"type": "string", "maxLength": 200, "pattern": r"^[^\u0000-\u001f\u007f]*$"}),
]
"""One line of free text: no line breaks, no control or invisible characters."""

Prose = Annotated[
    StrictStr,
    Field(max_length=4000),
    AfterValidator(_check_prose),
    WithJsonSchema({"type": "string", "maxLength": 4000}),
]
"""Free text that may span lines (descriptions, reasons); never printed into a config."""

_NAME_PUNCTUATION = frozenset(" .'-()&")


def _check_display_name(value: str) -> str:
    for index, char in enumerate(value):
        if char not in _NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LMN":
            raise PydanticCustomError(
                "display_name",
                "'{char}' at position {index} cannot be part of a display name: "
                "letters, digits, spaces and . ' - ( ) & only",
                {"char": char if char.isprintable() else f"U+{ord(char):04X}", "index": index + 1},
            )
    return value


DisplayName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=64),
    AfterValidator(_check_display_name),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "letters, digits, spaces and . ' - ( ) & (it is printed into PBX "
            "configs)",
        }
    ),
]

SipUser = Annotated[
    StrictStr,
    Field(
        pattern=r"^[A-Za-z0-9._~+-]{1,64}$",
        description="a SIP user name: letters, digits and . _ ~ + -",
    ),
]

LoginName = Annotated[
    StrictStr,
    Field(
        pattern=r"^[A-Za-z0-9._@-]{1,64}$",
        description="a login user name: letters, digits and . _ @ -",
    ),
]

InterfaceName = Annotated[
    StrictStr,
    Field(
        pattern=r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$",
        description="an interface name as the platform writes it, e.g. GigabitEthernet1/0/1, "
        "ge-0/0/1, Ethernet1 (no spaces)",
    ),
]

Token = Annotated[
    StrictStr,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$",
        description="an identifier: letters, digits and . _ : / -",
    ),
]

Name = Annotated[
    StrictStr,
    Field(
        pattern=r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$",
        description="lower-case name: letters, digits, '.', '_' and '-'",
    ),
]

E164 = Annotated[
    StrictStr,
    Field(
        pattern=r"^\+[1-9][0-9]{1,14}$",
        description="an E.164 number such as '+862161234000' (quote it in YAML)",
    ),
]

Extension = Annotated[StrictStr, Field(pattern=r"^[0-9]{2,8}$", description="a dial extension")]

Skill = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]

Language = Annotated[
    StrictStr,
    Field(pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$", description="a BCP 47 tag"),
]

_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW""".split()
)


def _check_country(code: str) -> str:
    if code not in _COUNTRIES:
        raise PydanticCustomError(
            "country", "'{code}' is not an ISO 3166-1 alpha-2 country code", {"code": code}
        )
    return code


Country = Annotated[
    StrictStr,
    AfterValidator(_check_country),
    WithJsonSchema(
        {"type": "string", "enum": sorted(_COUNTRIES), "description": "ISO 3166-1 alpha-2"}
    ),
]


def _check_timezone(key: str) -> str:
    if len(key) <= 64 and _is_zone(key):
        return key
    raise PydanticCustomError("timezone", "'{key}' is not an IANA time zone", {"key": key[:64]})


def _is_zone(key: str) -> bool:
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


TimeZone = Annotated[
    StrictStr,
    AfterValidator(_check_timezone),
    WithJsonSchema({"type": "string", "description": "an IANA time zone such as Asia/Shanghai"}),
]

_DURATION = re.compile(r"^(?:(\d{1,6})d)?(?:(\d{1,7})h)?(?:(\d{1,9})m)?(?:(\d{1,10})s)?$")
_DURATION_PATTERN = r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
LONGEST = timedelta(days=36500)  # a century: longer than any retention a law asks for


def _parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "duration_type", "a duration is a string with a unit, such as '20s', '5m' or '180d'"
        )
    match = _DURATION.match(value)
    if not value or match is None:
        raise PydanticCustomError(
            "duration",
            "'{value}' is not a duration such as '20s', '5m' or '180d'",
            {"value": value[:40]},
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total > LONGEST.total_seconds():
        raise PydanticCustomError(
            "duration_bound",
            "'{value}' is longer than {days} days",
            {"value": value, "days": 36500},
        )
    return timedelta(seconds=total)


def duration_text(duration: timedelta) -> str:
    """A duration as the estate writes one: `730d`, `1h30m`, `45s` (`0s` for none)."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def within(low: str, high: str) -> AfterValidator:
    """Bounds for a Duration field: `Annotated[Duration, within("1s", "1h")]`."""
    low_value, high_value = _parse_duration(low), _parse_duration(high)

    def check(value: timedelta) -> timedelta:
        if not low_value <= value <= high_value:
            raise PydanticCustomError(
                "duration_bound",
                "must be from {low} to {high}",
                {"low": shown(low_value), "high": shown(high_value)},
            )
        return value

    return AfterValidator(check)


def shown(value: timedelta) -> str:
    """A duration as the estate writes it, and as Prometheus reads it: `90s`, `5m`, `7d`."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(_parse_duration),
    WithJsonSchema(
        {"type": "string", "pattern": _DURATION_PATTERN, "description": "e.g. 20s, 5m, 1h30m, 180d"}
    ),
]


def _ipv4_only(value: Any) -> Any:
    if isinstance(value, str) and ":" in value:
        raise PydanticCustomError(
            "ipv6",
            "'{value}' is an IPv6 address: ccmsctl's generated ACLs, VRRP and device "
            "configs are IPv4 only",
            {"value": value[:45]},
        )
    return value


def _unicast(value: IPv4Address) -> IPv4Address:
    if value.is_unspecified or value.is_multicast or value.is_reserved:
        raise PydanticCustomError(
            "address", "{value} cannot be a host's address", {"value": str(value)}
        )
    return value


Address = Annotated[
    IPv4Address,
    BeforeValidator(_ipv4_only),
    AfterValidator(_unicast),
    WithJsonSchema(
        {
            "type": "string",
            "format": "ipv4",
            "description": "an IPv4 unicast address",
            "x-binding": True,
        }
    ),
]
"""A unicast IPv4 address (IPv6 is refused with a located error: not every generator speaks
it)."""

Network = Annotated[
    IPv4Network,
    BeforeValidator(_ipv4_only),
    WithJsonSchema(
        {"type": "string", "description": "an IPv4 network, e.g. 10.20.0.0/24", "x-binding": True}
    ),
]

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _check_clock(value: str) -> str:
    match = _CLOCK.match(value)
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise PydanticCustomError(
            "clock", "'{value}' is not a time of day HH:MM (00:00 to 24:00)", {"value": value}
        )
    return value


Clock = Annotated[
    StrictStr,
    AfterValidator(_check_clock),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-4]):[0-5]\d$"}),
]
