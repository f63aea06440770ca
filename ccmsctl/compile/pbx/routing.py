"""Which calls a site's PBXs answer: its numbers and its twin's (a burst node's: those its pool
may keep), the IVRs and queues they lead to, the prompts they play, and the recordings that
start at an IVR's entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ccmsctl.compile.dialplan import (
    Step,
    prompt_file,
    recording_steps,
)
from ccmsctl.compile.pbx.layout import encryption_target
from ccmsctl.model.agent import Agent
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.ivr import IVR, Collect, LanguageSelect, Menu, Play, prompt_languages
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.retention import RetentionClass
from ccmsctl.model.routing import (
    ivrs_answered,
    mailboxes,
    queues_hosted,
    queues_reached,
)
from ccmsctl.model.site import Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk


def ivr_prompt_files(estate: Estate, ivrs: Iterable[IVR]) -> dict[str, bytes]:
    """The recordings of the IVRs' prompts, in each language their callers may be in."""
    files: dict[str, bytes] = {}
    for ivr in ivrs:
        for name, languages in prompt_languages(ivr).items():
            node = ivr.nodes[name]
            if isinstance(node, Menu | LanguageSelect | Play | Collect):
                for language in languages:
                    recording = estate.prompts.get(f"{language}/{node.prompt}")
                    if recording is not None:  # else validate refused the estate (E0408)
                        files[prompt_file(node.prompt, language)] = recording
    return files


def entry_recordings(
    ivrs: Iterable[IVR], root: str, classes: Callable[[str], RetentionClass | None]
) -> dict[str, list[Step]]:
    """The steps that start the recording of each IVR that records from its entry."""
    return {
        ivr.name: recording_steps(
            ivr.recording_class,
            root=root,
            encrypt_to=encryption_target(classes(ivr.recording_class), root),
        )
        for ivr in ivrs
        if ivr.recording_class
    }


def burst_numbers(estate: Estate, pool: BurstPool) -> list[NumberRange]:
    """The numbers a node of `pool` answers: those of the sites it serves whose IVRs queue
    only to groups whose calls it may keep (a group that records needs a pool that keeps
    recordings) and leave voicemail only if it keeps voicemail. Residency of each kept
    class is validate's (E0701)."""
    ivrs, groups = estate.index(IVR), estate.index(SkillGroup)
    keeps = set(pool.data_classes)

    def allowed(numbers: NumberRange) -> bool:
        ivr = ivrs.get(numbers.ivr)
        if ivr is None:
            return False
        twin = estate.twin_of(numbers.site)[1]
        reached = [groups[g] for g in queues_reached([ivr], groups)]
        records = ivr.recording_class is not None or any(
            group.recording_class_at(numbers.site, twin) is not None for group in reached
        )
        messages = bool(mailboxes([ivr], reached))
        return ("recording" in keeps or not records) and ("voicemail" in keeps or not messages)

    return [r for r in estate.where(NumberRange, "site", pool.serves) if allowed(r)]


def site_calls(
    estate: Estate, site: Site, burst: BurstPool | None
) -> tuple[list[NumberRange], list[str], set[str], list[Agent], list[str]]:
    """What the PBXs of `site` (or the nodes of `burst`) answer: the number ranges, the IVRs
    they enter, the queues those reach, the agents registered, and the trunks used."""
    trunks = estate.index(Trunk)
    if burst is not None:
        ranges = burst_numbers(estate, burst)
        used_ivrs = sorted({r.ivr for r in ranges})
        ivrs = estate.index(IVR)
        reached = queues_reached([ivrs[n] for n in used_ivrs], estate.index(SkillGroup))
        used = {r.trunk for r in ranges if r.trunk in trunks}
        return ranges, used_ivrs, reached, [], sorted(used)
    served = estate.site_and_twin(site.name)
    ranges = list(estate.where(NumberRange, "site", served))
    agents = list(estate.where(Agent, "site", served))
    used = {r.trunk for r in ranges if r.trunk in trunks}
    used |= {t.name for t in trunks.values() if site.name in t.sites}
    return (
        ranges,
        ivrs_answered(estate, site.name),
        queues_hosted(estate, site.name),
        agents,
        sorted(used),
    )
