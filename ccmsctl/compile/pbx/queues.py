"""queues.conf: a queue per skill group, its members by skill level."""

from __future__ import annotations

from ccmsctl.compile.pbx.files import Section
from ccmsctl.model.agent import Agent
from ccmsctl.model.skillgroup import SkillGroup


def _penalty(agent: Agent, group: SkillGroup) -> int:
    """Skill level 10 rings first (penalty 0), level 1 last (penalty 9)."""
    return 10 - min(agent.skills[skill] for skill in group.skills)


def queue_members(group: SkillGroup, by_skill: dict[str, list[Agent]]) -> list[tuple[int, Agent]]:
    """The group's members (agents with every skill it needs; `by_skill`: the agents a PBX
    registers, by skill) with their penalties, in the order queues.conf lists them: lowest
    penalty first (rung first), then by extension."""
    candidates = min((by_skill.get(skill, []) for skill in group.skills), key=len)
    return sorted(
        (
            (_penalty(agent, group), agent)
            for agent in candidates
            if all(skill in agent.skills for skill in group.skills)
        ),
        key=lambda member: (member[0], member[1].extension, member[1].display_name),
    )


def agents_by_skill(agents: list[Agent]) -> dict[str, list[Agent]]:
    """The agents, by each skill they have."""
    by_skill: dict[str, list[Agent]] = {}
    for agent in agents:
        for skill in agent.skills:
            by_skill.setdefault(skill, []).append(agent)
    return by_skill


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
    keys += [
        ("member", f"PJSIP/{agent.extension},{penalty},{agent.display_name}")
        for penalty, agent in queue_members(group, by_skill)
    ]
    target = group.service_level
    comment = (
        f"{group.name}: {target.percent}% answered within {int(target.within.total_seconds())} s"
    )
    return Section(group.name, tuple(keys), comment)
