"""IVR trees make sense: targets exist, every node is reachable, every path can end, menus
handle silence and wrong keys, and queues name real skill groups."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.agent import Agent
from ccmsctl.model.ivr import (
    IVR,
    Collect,
    Hangup,
    LanguageSelect,
    Menu,
    Play,
    Queue,
    Transfer,
    Voicemail,
    node_targets,
    prompt_languages,
)
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.validate.check import Check
from ccmsctl.validate.refs import known_hint

_ENDS = (Queue, Transfer, Voicemail, Hangup)


def _edges(ivr: IVR) -> dict[str, list[str]]:
    """Node -> targets that exist."""
    return {
        name: [target for _, target in node_targets(node) if target in ivr.nodes]
        for name, node in ivr.nodes.items()
    }


def _reachable(ivr: IVR, edges: dict[str, list[str]]) -> set[str]:
    if ivr.entry not in ivr.nodes:
        return set()
    seen = {ivr.entry}
    todo = deque([ivr.entry])
    while todo:
        for target in edges[todo.popleft()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _unknown_targets(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        if ivr.entry not in ivr.nodes:
            yield check.finding(
                sources,
                ("IVR", ivr.name, ("entry",)),
                f"entry node '{ivr.entry}' does not exist in IVR '{ivr.name}'",
                known_hint(ivr.entry, set(ivr.nodes)),
            )
        for name, node in ivr.nodes.items():
            for path, target in node_targets(node):
                if target not in ivr.nodes:
                    yield check.finding(
                        sources,
                        ("IVR", ivr.name, ("nodes", name, *path)),
                        f"node '{name}' goes to unknown node '{target}'",
                        known_hint(target, set(ivr.nodes)),
                    )


def _unreachable(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        if ivr.entry not in ivr.nodes:
            continue
        seen = _reachable(ivr, _edges(ivr))
        for name in ivr.nodes:
            if name not in seen:
                yield check.finding(
                    sources,
                    ("IVR", ivr.name, ("nodes", name)),
                    f"node '{name}' cannot be reached from entry '{ivr.entry}'",
                )


def _no_way_out(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        edges = _edges(ivr)
        back: dict[str, list[str]] = {name: [] for name in ivr.nodes}
        for name, targets in edges.items():
            for target in targets:
                back[target].append(name)
        # A node with an unknown target may end there: E0406 speaks of it, not this check.
        can_end = {
            name
            for name, node in ivr.nodes.items()
            if isinstance(node, _ENDS)
            or any(target not in ivr.nodes for _, target in node_targets(node))
        }
        todo = deque(can_end)
        while todo:
            for source in back[todo.popleft()]:
                if source not in can_end:
                    can_end.add(source)
                    todo.append(source)
        for name in sorted(_reachable(ivr, edges) - can_end):
            yield check.finding(
                sources,
                ("IVR", ivr.name, ("nodes", name)),
                f"node '{name}' never leads to a queue, transfer, voicemail or "
                "hangup: callers loop forever",
                "give the loop an exit",
            )


def _duplicate_digits(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        for name, node in ivr.nodes.items():
            if not isinstance(node, Menu | LanguageSelect):
                continue
            seen: set[str] = set()
            for index, option in enumerate(node.options):
                if option.digit in seen:
                    path = ("nodes", name, "options", index, "digit")
                    yield check.finding(
                        sources,
                        ("IVR", ivr.name, path),
                        f"digit '{option.digit}' is used twice in node '{name}'",
                    )
                seen.add(option.digit)


def _unhandled_input(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        for name, node in ivr.nodes.items():
            if not isinstance(node, Menu | LanguageSelect):
                continue
            missing = [
                field
                for field, value in (
                    ("timeout", node.timeout),
                    ("on_timeout", node.on_timeout),
                    ("on_invalid", node.on_invalid),
                )
                if not value
            ]
            if missing:
                yield check.finding(
                    sources,
                    ("IVR", ivr.name, ("nodes", name)),
                    f"{node.type} '{name}' has no {', '.join(missing)}",
                    "say what happens when the caller presses nothing or a wrong key",
                )


def _unknown_queue(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    groups = estate.names(SkillGroup)
    for ivr in estate.of(IVR):
        for name, node in ivr.nodes.items():
            if isinstance(node, Queue) and node.skill_group not in groups:
                yield check.finding(
                    sources,
                    ("IVR", ivr.name, ("nodes", name, "skill_group")),
                    f"queue node '{name}' names unknown skill group '{node.skill_group}'",
                    known_hint(node.skill_group, groups),
                )


def _unknown_extension(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    agents = estate.of(Agent)
    for ivr in estate.of(IVR):
        owners = {r.site for r in estate.of(NumberRange) if r.ivr == ivr.name}
        for name, node in ivr.nodes.items():
            if not isinstance(node, Transfer) or node.to.startswith("+"):
                continue
            for owner in sorted(owners) or [""]:
                sites = estate.site_and_twin(owner) if owner else None
                if not any(
                    a.extension == node.to and (sites is None or a.site in sites) for a in agents
                ):
                    where = f" at {', '.join(sorted(sites))}" if sites else ""
                    there = {a.extension for a in agents if sites is None or a.site in sites}
                    close = known_hint(node.to, there) if there else ""
                    yield check.finding(
                        sources,
                        ("IVR", ivr.name, ("nodes", name, "to")),
                        f"transfer node '{name}' dials extension {node.to}, "
                        f"which no agent{where} has",
                        close
                        if close.startswith("did you mean")
                        else "transfer to an agent's extension, or to an E.164 number",
                    )


def _missing_prompts(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for ivr in estate.of(IVR):
        for name, languages in sorted(prompt_languages(ivr).items()):
            node = ivr.nodes[name]
            if not isinstance(node, Menu | LanguageSelect | Play | Collect):
                continue
            missing = [
                lang for lang in sorted(languages) if f"{lang}/{node.prompt}" not in estate.prompts
            ]
            if missing:
                files = ", ".join(f"prompts/{lang}/{node.prompt}.wav" for lang in missing)
                there = {
                    key.partition("/")[2]
                    for key in estate.prompts
                    if key.startswith(f"{missing[0]}/")
                }
                close = known_hint(str(node.prompt), there) if there else ""
                yield check.finding(
                    sources,
                    ("IVR", ivr.name, ("nodes", name, "prompt")),
                    f"node '{name}' plays '{node.prompt}' to callers in {', '.join(missing)}: "
                    f"the estate has no playable {files}",
                    close
                    if close.startswith("did you mean")
                    else "record it (8 kHz, 16-bit, mono WAV) into the estate's prompts/ folder",
                )


CHECKS = (
    Check("E0401", Severity.ERROR, "An IVR node cannot be reached from the entry.", _unreachable),
    Check("E0402", Severity.ERROR, "An IVR loop has no way out.", _no_way_out),
    Check("E0403", Severity.ERROR, "A menu uses a digit twice.", _duplicate_digits),
    Check(
        "E0404",
        Severity.ERROR,
        "A menu does not handle timeout or invalid input.",
        _unhandled_input,
    ),
    Check("E0405", Severity.ERROR, "A queue node names an unknown skill group.", _unknown_queue),
    Check(
        "E0407",
        Severity.ERROR,
        "A transfer dials an extension that no reachable agent has.",
        _unknown_extension,
    ),
    Check(
        "E0406", Severity.ERROR, "An IVR node goes to a node that does not exist.", _unknown_targets
    ),
    Check(
        "E0408",
        Severity.ERROR,
        "An IVR prompt has no recording in a language its callers may be in.",
        _missing_prompts,
    ),
)
