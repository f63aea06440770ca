"""Names for what an import finds: each Asterisk name made a valid ccmsctl name (lower case,
letters, digits, '.', '_', '-'), the same one each time it is asked for, never two alike;
and Asterisk's language codes as BCP 47 tags."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# Asterisk's sound languages (the folder names of its prompts) and their usual tags
LANGUAGES = {
    "en": "en-US",
    "en_us": "en-US",
    "en_gb": "en-GB",
    "en_au": "en-AU",
    "zh": "zh-CN",
    "zh_cn": "zh-CN",
    "zh_hk": "yue-HK",
    "yue": "yue-HK",
    "yue_hk": "yue-HK",
    "zh_tw": "zh-TW",
    "fr": "fr-FR",
    "fr_ca": "fr-CA",
    "de": "de-DE",
    "es": "es-ES",
    "es_mx": "es-MX",
    "it": "it-IT",
    "ja": "ja-JP",
    "ko": "ko-KR",
    "nl": "nl-NL",
    "pt": "pt-PT",
    "pt_br": "pt-BR",
    "ru": "ru-RU",
}
_VALID = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$")


def language_tag(code: str) -> str | None:
    """The BCP 47 tag of Asterisk's language `code` (zh -> zh-CN), or None if unknown."""
    return LANGUAGES.get(code.strip().lower().replace("-", "_"))


class Namer:
    """Valid, distinct names per kind, by what they were found as."""

    def __init__(self) -> None:
        self._given: dict[tuple[str, str], str] = {}
        self._taken: set[tuple[str, str]] = set()

    def name(self, kind: str, found: str, *, person: bool = False) -> str:
        key = (kind, found)
        if key in self._given:
            return self._given[key]
        name = self._given[key] = self.fresh(kind, found, person=person)
        return name

    def exact(self, kind: str, name: str) -> str:
        """`name` itself where it is a valid name no other of `kind` has (a name ccmsctl
        wrote, read back), else a fresh one from it."""
        if _VALID.match(name) and (kind, name) not in self._taken:
            self._taken.add((kind, name))
            return name
        return self.fresh(kind, name)

    def fresh(self, kind: str, found: str, *, person: bool = False) -> str:
        """A name from `found` no other of `kind` has, each time asked."""
        base = _clean(found, "." if person else "-") or kind.lower()
        name, count = base, 1
        while (kind, name) in self._taken:
            count += 1
            suffix = f"-{count}"
            name = base[: 64 - len(suffix)].rstrip("._-") + suffix
        self._taken.add((kind, name))
        return name


def _clean(text: str, joiner: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    name = joiner.join(words)[:64].strip("._-")
    return name if _VALID.match(name) else ""


def folder_label(folder: Path) -> str:
    """How a host's folder is named in the report: its name, or its host's where it is a
    folder of its /etc (`.../sh1-pbx-1/etc/asterisk`: sh1-pbx-1)."""
    resolved = folder.resolve()
    for part in (resolved, *resolved.parents):
        if part.name not in ("asterisk", "etc", "kamailio"):
            return part.name or resolved.name
    return resolved.name
