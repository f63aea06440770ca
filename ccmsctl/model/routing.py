"""Where calls go in the estate, as the PBXs of a site see them: the IVRs of the DIDs they
answer (their site's and their twin's), the skill groups whose queues those IVRs reach,
overflows included, and the voicemail boxes callers leave messages in. One home for the
decision compile makes (which queue contexts and mailboxes a PBX gets) and validate checks
(where each group's calls are recorded, which sites keep voicemail)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccmsctl.model.ivr import IVR, Queue, Voicemail
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.skillgroup import SkillGroup


def ivrs_answered(estate: Estate, site: str) -> list[str]:
    """The IVRs a call to a DID of `site` or its twin enters, by name."""
    served = estate.site_and_twin(site)
    known = estate.index(IVR)
    return sorted({r.ivr for r in estate.of(NumberRange) if r.site in served and r.ivr in known})


def queues_reached(ivrs: Iterable[IVR], groups: Mapping[str, SkillGroup]) -> set[str]:
    """Skill groups the IVRs queue to, and the groups they overflow to, in turn."""
    todo = [
        node.skill_group for ivr in ivrs for node in ivr.nodes.values() if isinstance(node, Queue)
    ]
    reached: set[str] = set()
    while todo:
        name = todo.pop()
        if name in reached or name not in groups:
            continue
        reached.add(name)
        overflow = groups[name].overflow
        if overflow and overflow.skill_group:
            todo.append(overflow.skill_group)
    return reached


def queues_hosted(estate: Estate, site: str) -> set[str]:
    """The skill groups whose queue the PBXs of `site` run (and record calls in)."""
    ivrs = estate.index(IVR)
    answered = [ivrs[name] for name in ivrs_answered(estate, site)]
    return queues_reached(answered, estate.index(SkillGroup))


def mailboxes(ivrs: Iterable[IVR], groups: Iterable[SkillGroup]) -> list[str]:
    """The voicemail boxes the IVRs and the skill groups' overflows leave messages in."""
    boxes = {
        node.mailbox for ivr in ivrs for node in ivr.nodes.values() if isinstance(node, Voicemail)
    }
    boxes |= {g.overflow.voicemail for g in groups if g.overflow and g.overflow.voicemail}
    return sorted(boxes)


def mailboxes_at(estate: Estate, site: str) -> list[str]:
    """The voicemail boxes the PBXs of `site` take messages in."""
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    return mailboxes(
        [ivrs[name] for name in ivrs_answered(estate, site)],
        [groups[name] for name in queues_hosted(estate, site)],
    )
