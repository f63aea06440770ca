"""queues.conf: a queue per skill group, its members by skill level."""

from __future__ import annotations

from ccmsctl.compile.pbx.files import Section
from ccmsctl.model.agent import Agent
from ccmsctl.model.skillgroup import SkillGroup


def _penalty(agent: Agent, group: SkillGroup) -> int:
    """Skill level 10 rings first (penalty 0), level 1 last (penalty 9)."""
    return 10 - min(agent.skills[skill] for skill in group.skills)


def queue_section(group: SkillGroup, by_skill: dict[str, list[Agent]]) -> Section:
    keys = [
        ("strategy", group.strategy),
        ("weight", str(group.weight)),
        ("wrapuptime", str(int(group.wrapup.total_seconds()))),
        ("servicelevel", str(int(group.service_level.within.total_seconds()))),
        ("timeout", "15"),
        ("retry", "5"),
        ("joinempty", "yes"),
        ("leavewhenempty", "no"),
        ("ringinuse", "no"),
        ("announce-holdtime", "no"),
    ]
    candidates = min((by_skill.get(skill, []) for skill in group.skills), key=len)
    members = sorted(
        (_penalty(agent, group), agent.extension, agent.display_name)
        for agent in candidates
        if all(skill in agent.skills for skill in group.skills)
    )
    keys += [("member", f"PJSIP/{ext},{penalty},{name}") for penalty, ext, name in members]
    target = group.service_level
    comment = (
        f"{group.name}: {target.percent}% answered within {int(target.within.total_seconds())} s"
    )
    return Section(group.name, tuple(keys), comment)
