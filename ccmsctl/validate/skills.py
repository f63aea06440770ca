"""Skill groups can be staffed: some agent has every skill a group requires."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.agent import Agent
from ccmsctl.model.kinds import Estate
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.validate.check import Check


def _unstaffed(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    skill_sets = {frozenset(agent.skills) for agent in estate.of(Agent)}
    for group in estate.of(SkillGroup):
        required = frozenset(group.skills)
        if not any(required <= skills for skills in skill_sets):
            best = max((len(required & skills) for skills in skill_sets), default=0)
            yield check.finding(
                sources,
                ("SkillGroup", group.name, ("skills",)),
                f"no agent has all of: {', '.join(sorted(required))}",
                f"the closest agent has {best} of {len(required)}",
            )


CHECKS = (
    Check("E0501", Severity.ERROR, "No agent has every skill a skill group requires.", _unstaffed),
)
