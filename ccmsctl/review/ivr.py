"""An IVR's changes as a tree diff a reviewer reads like a caller: which key now leads where,
which nodes came and went, and which node callers can no longer reach."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.model.ivr import (
    IVR,
    LanguageSelect,
    Menu,
    Node,
    Queue,
    Transfer,
    Voicemail,
    node_targets,
    prompt_languages,
)
from ccmsctl.review.model import IvrChange, Side


def _exits(node: Node) -> dict[str, tuple[tuple[str | int, ...], str]]:
    """Each way out of `node` by what a caller does: "digit 2", "timeout", "open"..."""
    found: dict[str, tuple[tuple[str | int, ...], str]] = {}
    for path, target in node_targets(node):
        if path[0] == "options" and isinstance(node, Menu | LanguageSelect):
            label = f"digit {node.options[int(path[1])].digit}"
        else:
            label = str(path[0]).removeprefix("on_")
        found[label] = (path, target)
    return found


def _what(node: Node) -> str:
    match node:
        case Queue():
            return f"queue {node.skill_group}"
        case Transfer():
            return f"transfer to {node.to}"
        case Voicemail():
            return f"voicemail {node.mailbox}"
        case _:
            return node.type


def _node_changes(name: str, ivr: IVR, old: Node, new: Node, change: Side) -> Iterator[IvrChange]:
    if _what(old) != _what(new):
        yield IvrChange(
            f"{ivr.name}/{name}: {_what(old)} -> {_what(new)}",
            change.at("IVR", ivr.name, "nodes", name),
        )
        return
    before, after = _exits(old), _exits(new)
    for label in sorted(before.keys() | after.keys()):
        was = before.get(label, ((), "nothing"))[1]
        now = after.get(label)
        if now is None:
            yield IvrChange(
                f"{ivr.name}/{name}, {label}: {was} -> nothing",
                change.at("IVR", ivr.name, "nodes", name),
            )
        elif now[1] != was:
            yield IvrChange(
                f"{ivr.name}/{name}, {label}: {was} -> {now[1]}",
                change.at("IVR", ivr.name, "nodes", name, *now[0]),
            )


def ivr_changes(base: Side, change: Side) -> Iterator[IvrChange]:
    before, after = base.estate.index(IVR), change.estate.index(IVR)
    for name in sorted(before.keys() - after.keys()):
        yield IvrChange(f"{name}: IVR removed", base.at("IVR", name, "name"))
    for name in sorted(after.keys() - before.keys()):
        yield IvrChange(f"{name}: IVR added", change.at("IVR", name, "name"))
    for name in sorted(before.keys() & after.keys()):
        old, new = before[name], after[name]
        if old.entry != new.entry:
            yield IvrChange(
                f"{name}: entry {old.entry} -> {new.entry}", change.at("IVR", name, "entry")
            )
        for node in sorted(old.nodes.keys() & new.nodes.keys()):
            yield from _node_changes(node, new, old.nodes[node], new.nodes[node], change)
        for node in sorted(new.nodes.keys() - old.nodes.keys()):
            yield IvrChange(
                f"{name}/{node}: added ({_what(new.nodes[node])})",
                change.at("IVR", name, "nodes", node),
            )
        reached, reached_before = set(prompt_languages(new)), set(prompt_languages(old))
        for node in sorted(old.nodes.keys() - new.nodes.keys()):
            yield IvrChange(
                f"{name}/{node}: removed ({_what(old.nodes[node])})",
                base.at("IVR", name, "nodes", node),
            )
        for node in sorted((reached_before & new.nodes.keys()) - reached):
            yield IvrChange(
                f"{name}/{node}: no longer reachable by callers",
                change.at("IVR", name, "nodes", node),
            )
