"""The `IVR` kind: a tree of nodes, discriminated by `type`.

Node targets are names of other nodes of the same IVR; validate/ivr.py checks that they exist,
that every node is reachable and that every path can end.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr

from ccmsctl.model.base import BINDING, Document, Model
from ccmsctl.model.types import E164, Duration, Extension, Language, Name, within

Digit = Annotated[StrictStr, Field(pattern=r"^[0-9*#]$", description="one key: 0-9, * or #")]
Prompt = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_/-]{1,128}$", description="a sound file")]


class MenuOption(Model):
    MERGE_KEY = "digit"

    digit: Digit
    next: Name


class LanguageOption(MenuOption):
    language: Language


class _Prompting(Model):
    """Shared by nodes that wait for a key press."""

    prompt: Prompt
    timeout: Annotated[Duration, within("1s", "10m")] | None = Field(
        default=None, description="how long the caller has to press a key"
    )
    retries: int = Field(
        description="how many times the prompt is asked again after a timeout or a wrong key",
        default=2,
        ge=0,
        le=9,
        strict=True,
    )
    on_timeout: Name | None = Field(default=None, description="the node after the last silence")
    on_invalid: Name | None = Field(default=None, description="the node after the last wrong key")


class Menu(_Prompting):
    type: Literal["menu"] = Field(description="menu: a prompt and a key per option")
    options: tuple[MenuOption, ...] = Field(
        description="the keys and where each goes", min_length=1
    )


class LanguageSelect(_Prompting):
    type: Literal["language"] = Field(description="language: each key sets the caller's language")
    options: tuple[LanguageOption, ...] = Field(
        description="the keys, their languages and where each goes", min_length=1
    )


class Play(Model):
    type: Literal["play"] = Field(description="play: a prompt, then the next node")
    prompt: Prompt
    next: Name


class ScheduleBranch(Model):
    type: Literal["schedule"] = Field(description="schedule: open, closed or holiday by a Schedule")
    schedule: Name
    open: Name
    closed: Name
    holiday: Name | None = Field(default=None, description="defaults to closed")


class Queue(Model):
    type: Literal["queue"] = Field(
        description="queue: the caller waits for an agent of a skill group"
    )
    skill_group: Name


class Transfer(Model):
    type: Literal["transfer"] = Field(description="transfer: the call is dialled on")
    to: E164 | Extension = Field(
        description="an E.164 number (out through a trunk) or an agent's extension",
        json_schema_extra=BINDING,
    )


class Voicemail(Model):
    type: Literal["voicemail"] = Field(description="voicemail: the caller leaves a message")
    mailbox: Extension


class Hangup(Model):
    type: Literal["hangup"] = Field(description="hangup: the call ends")


class Collect(Model):
    """Digits the caller keys in (a claim number, a card number) before going on to `next`.
    `card`: the digits are payment card data (PCI DSS): a recording running is paused while
    they are keyed and resumed after, and they are kept in no record."""

    type: Literal["collect"] = Field(description="collect: the caller keys in digits")
    prompt: Prompt
    max_digits: int = Field(description="the most digits taken", ge=1, le=32, strict=True)
    timeout: Annotated[Duration, within("1s", "2m")] = Field(
        description="how long the caller has to key them", default="10s", validate_default=True
    )
    card: StrictBool = Field(
        default=False,
        description="the digits are a card number: recording pauses while they are keyed, "
        "and they are never kept",
    )
    next: Name


Node = Annotated[
    Menu | LanguageSelect | Play | ScheduleBranch | Queue | Transfer | Voicemail | Hangup | Collect,
    Field(discriminator="type"),
]


def node_targets(node: Node) -> list[tuple[tuple[str | int, ...], str]]:
    """(path within the node, target node name) for every edge leaving `node`."""
    match node:
        case Menu() | LanguageSelect():
            edges: list[tuple[tuple[str | int, ...], str]] = [
                (("options", index, "next"), option.next)
                for index, option in enumerate(node.options)
            ]
            edges += [
                ((field,), target)
                for field, target in (
                    ("on_timeout", node.on_timeout),
                    ("on_invalid", node.on_invalid),
                )
                if target
            ]
            return edges
        case Play() | Collect():
            return [(("next",), node.next)]
        case ScheduleBranch():
            branches = [("open", node.open), ("closed", node.closed), ("holiday", node.holiday)]
            return [((field,), target) for field, target in branches if target]
        case _:
            return []


class IVR(Document):
    """`entry` names the first node; `nodes` maps node names to nodes."""

    kind: Literal["IVR"] = Field(description="the document's kind: IVR")
    entry: Name
    language: Language = "en-US"
    nodes: dict[Name, Node] = Field(description="the IVR's nodes by name", min_length=1)
    recording_class: Name | None = Field(
        default=None,
        description="record each call from the IVR's entry into this retention class (its "
        "queues go on with the same recording); card entry is never recorded",
    )


def prompt_languages(ivr: IVR) -> dict[str, set[str]]:
    """Node -> the languages callers may be in when they reach it: the IVR's own from the
    entry, then whatever a language choice sets. Unreachable nodes are absent."""
    if ivr.entry not in ivr.nodes:
        return {}
    found: dict[str, set[str]] = {ivr.entry: {ivr.language}}
    todo = [(ivr.entry, ivr.language)]
    while todo:
        name, language = todo.pop()
        node = ivr.nodes[name]
        for path, target in node_targets(node):
            then = language
            if isinstance(node, LanguageSelect) and path[0] == "options":
                then = node.options[int(path[1])].language
            if target in ivr.nodes and then not in found.setdefault(target, set()):
                found[target].add(then)
                todo.append((target, then))
    return found
