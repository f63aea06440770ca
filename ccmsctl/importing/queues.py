"""queues.conf into the model: each queue a skill group needing one skill of its own name,
each member a phone's agent with that skill at the level its penalty gives (penalty 0 is
level 10 and rings first; ccmsctl writes the same penalties back)."""

from __future__ import annotations

import re
from collections.abc import Callable

from ccmsctl.importing.conf import Config, Section, Setting
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import Namer
from ccmsctl.importing.pjsip import Phone

STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear")
# what ccmsctl writes in every queue and in [general]
FIXED = {
    "timeout": "15",
    "retry": "5",
    "joinempty": "yes",
    "leavewhenempty": "no",
    "ringinuse": "no",
    "announce-holdtime": "no",
}
GENERAL = {"persistentmembers": "no", "shared_lastcall": "yes"}
ASSUMED_PERCENT = 80
ASSUMED_MAX_WAIT = "300s"
_MEMBER = re.compile(r"^PJSIP/([^,]+)(?:,([0-9]*))?(?:,([^,]*))?(?:,.*)?$")
_SECONDS = re.compile(r"^[0-9]+$")


def import_queues(
    config: Config,
    ledger: Ledger,
    *,
    site: str,
    language: str,
    phones: dict[str, Phone],
    namer: Namer,
) -> dict[str, tuple[Section, dict[str, object]]]:
    """The skill groups of queues.conf (each with its section), by queue name; the phones'
    agents get their skills."""
    groups: dict[str, tuple[Section, dict[str, object]]] = {}
    for section in config.sections:
        if section.name == "general":
            ledger.fixed(section, GENERAL, "ccmsctl writes queues.conf's [general] itself")
        elif section.template:
            ledger.model(section)  # accounted for where queues inherit it
        else:
            group = _group(section, ledger, site, language, phones, namer)
            groups[section.name] = (section, group)
    return groups


def _group(
    section: Section,
    ledger: Ledger,
    site: str,
    language: str,
    phones: dict[str, Phone],
    namer: Namer,
) -> dict[str, object]:
    name = namer.name("SkillGroup", section.name)
    skill = namer.name("Skill", section.name)
    if not skill[0].isalpha() or len(skill) > 32:
        skill = namer.name("Skill", f"q-{section.name}"[:32])
    group: dict[str, object] = {
        "kind": "SkillGroup",
        "name": name,
        "sites": [site],
        "skills": [skill],
        "strategy": "ringall",  # Asterisk's default
        "service_level": {"percent": ASSUMED_PERCENT, "within": "60s"},
        "max_wait": ASSUMED_MAX_WAIT,
        "languages": [language],
    }
    ledger.model(section)

    def strategy(setting: Setting) -> bool:
        group["strategy"] = setting.value
        return setting.value in STRATEGIES

    def weight(setting: Setting) -> bool:
        if setting.value.isdigit() and int(setting.value) <= 100:
            group["weight"] = int(setting.value)
            return True
        return False

    def seconds(field: str) -> Callable[[Setting], bool]:
        def take(setting: Setting) -> bool:
            if not _SECONDS.match(setting.value):
                return False
            if field == "within":
                group["service_level"] = {"percent": ASSUMED_PERCENT, "within": f"{setting.value}s"}
            else:
                group[field] = f"{setting.value}s"
            return True

        return take

    languages: list[str] = []

    def member(setting: Setting) -> bool:
        found = _MEMBER.match(setting.value)
        phone = phones.get(found.group(1)) if found else None
        if found is None or phone is None:
            return False
        penalty = int(found.group(2) or 0)
        skills = phone.document.setdefault("skills", {})
        assert isinstance(skills, dict)
        skills[skill] = max(1, 10 - penalty)
        for tag in phone.document["languages"]:  # type: ignore[attr-defined]
            if tag not in languages:
                languages.append(tag)
        shown = found.group(3)
        return penalty <= 9 and (shown is None or shown == phone.document["display_name"])

    known: dict[str, Callable[[Setting], bool]] = {
        "strategy": strategy,
        "weight": weight,
        "wrapuptime": seconds("wrapup"),
        "servicelevel": seconds("within"),
        "member": member,
        **{key: (lambda s, v=value: s.value == v) for key, value in FIXED.items()},  # type: ignore[misc]
    }
    for setting in section.settings:
        check = known.get(setting.name)
        if check is None:
            ledger.leave(setting, "no field of the model says this")
        elif check(setting):
            ledger.model(setting)
        elif setting.name == "member":
            ledger.leave(
                setting,
                "a member ccmsctl cannot write back: not a phone imported, "
                "a penalty over 9, or a name other than the phone's",
            )
        else:
            ledger.leave(setting, f"ccmsctl writes {setting.name} as {FIXED.get(setting.name)}")
    _assumed(section, group, ledger, languages, language)
    return group


def _assumed(
    section: Section,
    group: dict[str, object],
    ledger: Ledger,
    languages: list[str],
    language: str,
) -> None:
    """What the group needs and the queue does not say, said in the ledger."""
    subject = f"SkillGroup/{group['name']}"
    if group["strategy"] not in STRATEGIES:
        group["strategy"] = "ringall"
    if section.get("strategy") is None:
        ledger.assume(subject, "strategy", "ringall", "Asterisk's default, as the queue names none")
    if languages:
        group["languages"] = languages
    else:
        ledger.assume(subject, "languages", language, "the queue has no member")
    if section.get("servicelevel") is None:
        ledger.assume(subject, "service_level.within", "60s", "the queue names no servicelevel")
    ledger.assume(subject, "service_level.percent", ASSUMED_PERCENT, "Asterisk has no target")
