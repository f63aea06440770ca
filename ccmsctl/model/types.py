"""Value types shared by the kinds: names, E.164 numbers, countries, time zones, durations.

Each type validates what it is, so a kind's fields read as their meaning. No I/O beyond the
time zone database lookup that `zoneinfo` does.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

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
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone", "'{key}' is not an IANA time zone", {"key": key}
        ) from None
    return key


TimeZone = Annotated[
    StrictStr,
    AfterValidator(_check_timezone),
    WithJsonSchema({"type": "string", "description": "an IANA time zone such as Asia/Shanghai"}),
]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_DURATION_PATTERN = r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


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
            {"value": value},
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[
    timedelta,
    BeforeValidator(_parse_duration),
    WithJsonSchema(
        {"type": "string", "pattern": _DURATION_PATTERN, "description": "e.g. 20s, 5m, 1h30m, 180d"}
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
