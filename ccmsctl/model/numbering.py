"""National numbers and E.164: a country's calling code and its trunk prefix (the digit a
national number starts with that the international form drops: 0 in China, none in Hong
Kong). A carrier that writes called numbers in national form (`Trunk.national_numbers`)
is read through these at the edge, so the PBXs and the estate see E.164 only.

The countries listed are those whose national form is one calling code and at most one
trunk prefix (ITU-T E.164 assignments; the trunk prefix as the country's numbering plan
publishes it). A country not listed is refused where a trunk names it: its carrier's
numbers are then to be given in E.164."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Numbering:
    calling_code: str  # digits after the "+"
    trunk_prefix: str  # "" where the national form keeps every digit


NUMBERING: dict[str, Numbering] = {
    country: Numbering(code, prefix)
    for country, code, prefix in (
        ("AE", "971", "0"),
        ("AT", "43", "0"),
        ("AU", "61", "0"),
        ("BE", "32", "0"),
        ("BR", "55", "0"),
        ("CA", "1", "1"),
        ("CH", "41", "0"),
        ("CN", "86", "0"),
        ("CZ", "420", ""),
        ("DE", "49", "0"),
        ("DK", "45", ""),
        ("ES", "34", ""),
        ("FI", "358", "0"),
        ("FR", "33", "0"),
        ("GB", "44", "0"),
        ("GR", "30", ""),
        ("HK", "852", ""),
        ("ID", "62", "0"),
        ("IE", "353", "0"),
        ("IL", "972", "0"),
        ("IN", "91", "0"),
        ("IT", "39", ""),
        ("JP", "81", "0"),
        ("KR", "82", "0"),
        ("MO", "853", ""),
        ("MX", "52", ""),
        ("MY", "60", "0"),
        ("NL", "31", "0"),
        ("NO", "47", ""),
        ("NZ", "64", "0"),
        ("PH", "63", "0"),
        ("PL", "48", ""),
        ("PT", "351", ""),
        ("SA", "966", "0"),
        ("SE", "46", "0"),
        ("SG", "65", ""),
        ("TH", "66", "0"),
        ("TR", "90", "0"),
        ("TW", "886", "0"),
        ("US", "1", "1"),
        ("VN", "84", "0"),
        ("ZA", "27", "0"),
    )
}


def to_e164(number: str, country: str) -> str | None:
    """The E.164 form (+digits) of `number` written nationally in `country`, or None if it
    is not a national number there (it lacks the trunk prefix, or holds a non-digit)."""
    plan = NUMBERING.get(country)
    if plan is None or not number.isdigit() or not number.startswith(plan.trunk_prefix):
        return None
    rest = number[len(plan.trunk_prefix) :]
    return f"+{plan.calling_code}{rest}" if rest else None


def to_national(number: str, country: str) -> str | None:
    """`number` (E.164) as `country` writes it nationally, or None if it is not that
    country's (another calling code)."""
    plan = NUMBERING.get(country)
    prefix = f"+{plan.calling_code}" if plan else ""
    if plan is None or not number.startswith(prefix) or len(number) == len(prefix):
        return None
    return plan.trunk_prefix + number[len(prefix) :]
