"""The dialplan into the model: the DIDs a trunk's context answers become number ranges, and
where each call goes from there becomes an IVR, followed step by step as Asterisk runs it:

- `Playback(p)` a play node; `Background(p)` with `WaitExten(t)` a menu whose options are
  the context's one-key extensions, `t` its timeout and `i` its invalid key (retries 0: the
  first timeout or wrong key goes there, as Asterisk does);
- `GotoIfTime(times,days,*,*?label)` a schedule node (consecutive ones to one place are one
  schedule's opening hours); `Goto` followed;
- `Queue(name,,,,timeout)` a queue node (the timeout is its group's max_wait, and what the
  call does after the queue is its overflow); `VoiceMail(box@context)` a voicemail node;
  `Dial` to a trunk a transfer to the number, to a phone a transfer to its extension;
  `Hangup()`, or the end of the extension, a hangup;
- `MixMonitor` records the call from there: the IVR's recording class when it comes before
  the caller is asked anything, else the class of the group the call queues to.

Every step followed is modelled; a step of an application the model has no node for is
residue and the call goes on past it. A context no trunk's calls reach is residue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ccmsctl.importing.conf import Setting
from ccmsctl.importing.extensions import Context, Dialplan, Step, split_args
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import Namer, language_tag
from ccmsctl.importing.pjsip import Phone
from ccmsctl.model.numbering import NUMBERING, to_e164

RECORDING_CLASS = "recording"
CARD_VARIABLE = "CCMS_CARD_"  # ccmsctl's own dialplan reads card digits into CCMS_CARD_<NODE>
CCMSCTL_PROMPTS = "/var/lib/asterisk/ccmsctl-prompts/"
TRANSPARENT = {"answer", "noop", "ringing", "progress"}
_PROMPT = re.compile(r"^[A-Za-z0-9_/-]{1,128}$")
_EXTENSION = re.compile(r"^[0-9]{2,8}$")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIMES = re.compile(r"^([0-2][0-9]):([0-5][0-9])-([0-2][0-9]):([0-5][0-9])$")
_DIGIT_CLASS = {"X": "0123456789", "Z": "123456789", "N": "23456789"}

Key = tuple[str, str, int, str]  # context, extension, step index, recording class ("": none)


@dataclass
class Routes:
    """What the dialplan gave: documents by kind, and the prompts the IVRs play."""

    ranges: list[dict[str, object]] = field(default_factory=list)
    ivrs: list[dict[str, object]] = field(default_factory=list)
    schedules: list[dict[str, object]] = field(default_factory=list)
    prompts: dict[str, list[Setting]] = field(default_factory=dict)  # prompt -> its steps
    classes: dict[str, bool] = field(default_factory=dict)  # recording classes: encrypted?
    overflowed: set[str] = field(default_factory=set)  # queues read as a group's overflow
    channels: int = 0  # the calls the PBX takes at once, where its dialplan says (0: none)
    timed: set[str] = field(default_factory=set)  # groups whose Queue() gives their max_wait
    national: set[str] = field(default_factory=set)  # trunks whose DIDs are national numbers


def import_dialplan(
    dialplan: Dialplan,
    ledger: Ledger,
    *,
    site: str,
    language: str,
    timezone: str,
    country: str,
    trunk_contexts: dict[str, str],
    trunk_endpoints: dict[str, str],
    groups: dict[str, dict[str, object]],
    phones: dict[str, Phone],
    namer: Namer,
) -> Routes:
    routes = Routes()
    reached: set[str] = set()
    walks: dict[tuple[str, str, int, str, str], _Walk] = {}
    for context_name, trunk in sorted(trunk_contexts.items()):
        context = dialplan.contexts.get(context_name)
        if context is None:
            continue
        reached.add(context_name)
        ledger.model(context.section)
        for pattern, steps in context.extensions.items():
            numbers = number_ranges(pattern, country)
            if numbers is None or not steps:
                why = (
                    "a DID pattern that is not ranges of numbers of one length (E.164, or "
                    f"{country}'s national form)"
                )
                ledger.leave_all([s.setting for s in steps], why)
                continue
            if is_national(pattern, country):
                routes.national.add(trunk)
            start, spoken, recorded, sealed, passed = _landing(dialplan, context_name, pattern)
            ledger.model(*passed)
            if recorded:
                routes.classes[recorded] = routes.classes.get(recorded, False) or sealed
            walk = walks.get((*start, spoken, recorded))
            if walk is None:
                ivr_name = _ivr_name(dialplan, start) or (
                    start[0] if start[0] != context_name else f"{start[0]}-{pattern}"
                )
                walk = walks[(*start, spoken, recorded)] = _Walk(
                    ivr_name,
                    dialplan,
                    ledger,
                    routes,
                    spoken or language,
                    timezone,
                    namer,
                    trunk_endpoints,
                    groups,
                    phones,
                )
                if recorded:
                    walk.document["recording_class"] = recorded
                walk.build(start, recorded)
                routes.ivrs.append(walk.document)
            routes.ranges += [
                {
                    "kind": "NumberRange",
                    "name": namer.name("NumberRange", f"{trunk}-{first.lstrip('+')}"),
                    "trunk": trunk,
                    "site": site,
                    "ivr": walk.name,
                    "first": first,
                    "last": last,
                }
                for first, last in numbers
            ]
        for setting in context.others:
            ledger.leave(setting, "only a trunk context's DIDs are imported")
    for walk in walks.values():
        reached |= walk.contexts
    for name, context in dialplan.contexts.items():
        if name not in reached:
            why = "a context no trunk's calls reach: ccmsctl writes agents' dialling itself"
            ledger.leave(context.section, why)
            ledger.leave_all(
                [
                    *context.others,
                    *(s.setting for steps in context.extensions.values() for s in steps),
                ],
                why,
            )
    return routes


MAX_RANGES = 1000  # ranges one pattern may stand for


def number_ranges(pattern: str, country: str = "") -> list[tuple[str, str]] | None:
    """The E.164 numbers an extension pattern matches, as contiguous ranges (first, last)
    in order: `+862161230000`, `_+8621612300XX` (one), `_+8621612310[13]X` (two); None for
    a pattern of other numbers, of any length, or of more than MAX_RANGES ranges. Without
    a `+`, the digits are `country`'s: its calling code and the rest (`_8621612300XX`),
    or its national form (`_021612300XX`)."""
    found = _digit_ranges(pattern)
    if found is None:
        return None
    ranges = [(as_e164(first, country), as_e164(last, country)) for first, last in found]
    if not all(_E164.match(first) and _E164.match(last) for first, last in ranges):
        return None
    return ranges


def is_national(pattern: str, country: str) -> bool:
    """Whether a DID pattern's numbers are written in `country`'s national form."""
    digits = pattern.removeprefix("_")
    plan = NUMBERING.get(country)
    international = _international(digits, country)
    return plan is not None and not digits.startswith("+") and international is None


def as_e164(number: str, country: str) -> str:
    """`number` (of a DID pattern) in E.164: as it is with its `+`; `country`'s calling
    code and the rest, with a `+`; else read in `country`'s national form ("" if it is
    none of these)."""
    if number.startswith("+"):
        return number
    return _international(number, country) or to_e164(number, country) or ""


def _international(number: str, country: str = "") -> str | None:
    """`number` with a `+` if it starts with `country`'s calling code (and not its trunk
    prefix, which national numbers start with)."""
    plan = NUMBERING.get(country)
    if plan is None or not number.startswith(plan.calling_code):
        return None
    # (in North America the trunk prefix is the calling code, 1: the two forms are one)
    if plan.trunk_prefix and number.startswith(plan.trunk_prefix) and plan.trunk_prefix != "1":
        return None
    return "+" + number


def _digit_ranges(pattern: str) -> list[tuple[str, str]] | None:
    """The numbers (digits, a leading `+` kept) an extension pattern matches, as ranges."""
    if not pattern.startswith("_"):
        return [(pattern, pattern)] if re.match(r"^\+?[0-9]{2,16}$", pattern) else None
    sets: list[str] = []
    at = 1
    while at < len(pattern):
        char = pattern[at]
        if char in _DIGIT_CLASS:
            sets.append(_DIGIT_CLASS[char])
        elif char == "[":
            end = pattern.find("]", at)
            chars = _class(pattern[at + 1 : end]) if end > at else ""
            if not chars:
                return None
            sets.append(chars)
            at = end
        elif char.isdigit() or (char == "+" and at == 1):
            sets.append(char)
        else:  # '.', '!', a letter: not a set of numbers of one length
            return None
        at += 1
    return _split(sets)


def _split(sets: list[str]) -> list[tuple[str, str]] | None:
    """The ranges of the numbers whose digits are one of each of `sets`, in order."""
    varying = [i for i, chars in enumerate(sets) if len(chars) > 1]
    if not varying:
        number = "".join(sets)
        return [(number, number)]
    head = varying[0]
    if all(sets[i] == _DIGIT_CLASS["X"] for i in range(head + 1, len(sets))):
        runs: list[tuple[str, str]] = []
        for digit in sets[head]:
            if runs and int(runs[-1][1]) + 1 == int(digit):
                runs[-1] = (runs[-1][0], digit)
            else:
                runs.append((digit, digit))
        prefix, tail = "".join(sets[:head]), len(sets) - head - 1
        return [(f"{prefix}{a}{'0' * tail}", f"{prefix}{b}{'9' * tail}") for a, b in runs]
    found: list[tuple[str, str]] = []
    for digit in sets[head]:
        part = _split([*sets[:head], digit, *sets[head + 1 :]])
        if part is None or len(found) + len(part) > MAX_RANGES:
            return None
        found += part
    return found


def _class(inner: str) -> str:
    """The digits of a pattern's `[...]`, sorted ("" if it holds anything but digits)."""
    chars: set[str] = set()
    at = 0
    while at < len(inner):
        if at + 2 < len(inner) and inner[at + 1] == "-":
            low, high = inner[at], inner[at + 2]
            if not (low.isdigit() and high.isdigit()):
                return ""
            chars |= {str(d) for d in range(int(low), int(high) + 1)}
            at += 3
        elif inner[at].isdigit():
            chars.add(inner[at])
            at += 1
        else:
            return ""
    return "".join(sorted(chars))


def _landing(
    dialplan: Dialplan, context_name: str, exten: str
) -> tuple[tuple[str, str, int], str, str, bool, list[Setting]]:
    """Where a call to a DID of `context_name`'s `exten` lands past the steps that are no
    IVR's node (answering, setting its language, starting a recording, Goto; and in
    ccmsctl's own dialplan its records of the call and its limit of calls): (context,
    extension, index), the language set on the way ("" for none), the class of a recording
    started ("" for none) and whether it is encrypted, and those steps."""
    at = (context_name, exten, 0)
    spoken = ""
    recorded = ""
    recording = Recording()
    passed: list[Setting] = []
    seen: set[tuple[str, str, int]] = set()
    while at not in seen:
        seen.add(at)
        context = dialplan.contexts[at[0]]
        steps = context.extensions.get(at[1], [])
        if at[2] >= len(steps):
            break
        step = steps[at[2]]
        if step.name == "mixmonitor" and _next_significant(steps, at[2] + 1) == "queue":
            break  # the recording of the group the call queues to: the walk reads it
        if (
            step.name in TRANSPARENT
            or step.name == "mixmonitor"
            or _machinery(step)
            or _language_set(step)
        ):
            spoken = _language_set(step) or spoken
            recording.read(step)
            if step.name == "mixmonitor":
                recorded = recording.started()
            at = (at[0], at[1], at[2] + 1)
        elif step.name == "goto" and (target := _resolve(dialplan, context, at[1], step.args)):
            at = target
        else:
            break
        passed.append(step.setting)
    return at, spoken, recorded, recording.sealed, passed


class Recording:
    """The class and encryption of the recording a call is about to start, as ccmsctl's own
    dialplan names them before its MixMonitor (its file under recording/CLASS/, its key
    recording-keys/CLASS.pem); a PBX that names none records into RECORDING_CLASS."""

    def __init__(self) -> None:
        self.name = ""
        self.sealed = False
        self.resumed = False  # the next MixMonitor goes on with the call's recording

    def read(self, step: Step) -> None:
        if step.name != "set" or len(step.args) != 1:
            return
        if step.args[0] == _RESUMED:  # ccmsctl's: recording again after a card was keyed
            self.resumed = True
        elif found := _RECORDING_FILE.match(step.args[0]):
            self.name = found.group(1)
        elif _RECORDING_KEY.match(step.args[0]):
            self.sealed = True

    def started(self) -> str:
        """The class of the recording a MixMonitor starts now."""
        name = self.name or RECORDING_CLASS
        self.name = ""
        return name


_RESUMED = "__CCMS_RECORDING=${CCMS_RECORDING:0:-4}-${EPOCH}.wav"
_RECORDING_FILE = re.compile(r"^__CCMS_RECORDING=/var/spool/asterisk/recording/([a-z0-9._-]+)/")
_RECORDING_KEY = re.compile(r"^__CCMS_ENCRYPT_TO=/etc/asterisk/recording-keys/[a-z0-9._-]+\.pem$")
_MACHINERY = re.compile(r"^(?:GROUP\(ccms\)=|CDR\(ccms_(?!ivr_path)[a-z_]+\)=|__CCMS_[A-Z_]+=)")


_PATH = re.compile(r"^CDR\(ccms_ivr_path\)=\$\{CDR\(ccms_ivr_path\)\} ([^ :]+)(:[a-z]+)?$")


def _node_named(step: Step) -> str | None:
    """The node ccmsctl's own dialplan names in its record of the call's path
    (`Set(CDR(ccms_ivr_path)=${CDR(ccms_ivr_path)} NODE)`; "" for `NODE:timeout` and the
    like), else None."""
    if step.name != "set" or len(step.args) != 1:
        return None
    found = _PATH.match(step.args[0])
    if found is None:
        return None
    return "" if found.group(2) else found.group(1)


def _ivr_name(dialplan: Dialplan, start: tuple[str, str, int]) -> str:
    """The IVR's name where the call lands in ccmsctl's own dialplan (context
    `ivr-IVR-NODE` whose first step records NODE), else ""."""
    steps = dialplan.contexts[start[0]].extensions.get(start[1], [])
    node = _node_named(steps[start[2]]) if start[2] < len(steps) else None
    prefix, suffix = "ivr-", f"-{node}"
    if node and start[0].startswith(prefix) and start[0].endswith(suffix):
        return start[0][len(prefix) : -len(suffix)]
    return ""


def _machinery(step: Step) -> bool:
    """A step of ccmsctl's own dialplan that keeps the call's records (CDR fields, its
    recording's path, the trunk's count of calls) or refuses calls past the PBX's channels:
    what the estate says elsewhere."""
    if step.name == "execif" and "GROUP_COUNT(trunk-calls@ccms)" in ",".join(step.args):
        return True
    return step.name == "set" and len(step.args) == 1 and bool(_MACHINERY.match(step.args[0]))


def _resolve(
    dialplan: Dialplan, context: Context, exten: str, args: tuple[str, ...]
) -> tuple[str, str, int] | None:
    parts = [*args]
    if len(parts) == 1:
        parts = [context.section.name, exten, parts[0]]
    elif len(parts) == 2:
        parts = [context.section.name, *parts]
    if len(parts) != 3:
        return None
    target = dialplan.contexts.get(parts[0])
    if target is None:
        return None
    # Goto(context,${EXTEN},1): the call's own number, which the context's first pattern takes
    extension = next(iter(target.extensions), "s") if parts[1] == "${EXTEN}" else parts[1]
    index = target.find(extension, parts[2])
    return (parts[0], extension, index) if index is not None else None


class _Walk:
    """One IVR: the nodes of the calls that enter at one place of the dialplan."""

    def __init__(
        self,
        name: str,
        dialplan: Dialplan,
        ledger: Ledger,
        routes: Routes,
        language: str,
        timezone: str,
        namer: Namer,
        trunk_endpoints: dict[str, str],
        groups: dict[str, dict[str, object]],
        phones: dict[str, Phone],
    ) -> None:
        self.name = name
        self.dialplan = dialplan
        self.ledger = ledger
        self.routes = routes
        self.timezone = timezone
        self.namer = namer
        self.trunk_endpoints = trunk_endpoints
        self.groups = groups
        self.phone_endpoints = phones
        self.phones = {phone.extension: phone for phone in phones.values()}
        self.nodes: dict[str, dict[str, object]] = {}
        self.memo: dict[Key, str] = {}
        self.node_names = Namer()
        self.contexts: set[str] = set()
        self.pending: list[Step] = []  # a schedule's closed days, before its hours
        self.named: dict[tuple[str, str], str] = {}  # nodes ccmsctl's dialplan names
        self.unnamed_hangups: set[str] = set()  # hangup nodes of a Hangup() in a context
        self.recording = Recording()
        self.asked = False  # a menu has been reached: recordings from here are a group's
        self.document: dict[str, object] = {"kind": "IVR", "name": name, "language": language}

    def build(self, start: tuple[str, str, int], recorded: str = "") -> None:
        """The IVR of the calls at `start` (recorded into class `recorded` from there)."""
        entry = self.at((*start, recorded))
        self.document["entry"] = entry
        reached = _reached(self.nodes, entry)  # a node made on the way and then not used
        self.document["nodes"] = {n: node for n, node in self.nodes.items() if n in reached}

    def at(self, key: Key) -> str:
        """The node a call at `key` reaches (made, with what follows, if new); every place
        passed on the way (steps with no node of their own) reaches the same node."""
        if key in self.memo:
            return self.memo[key]
        passed: list[Key] = []
        name = self._from(key, passed)
        for place in passed:
            self.memo.setdefault(place, name)
        return name

    def _from(self, key: Key, passed: list[Key]) -> str:
        context_name, exten, index, recorded = key
        context = self.dialplan.contexts[context_name]
        self.contexts.add(context_name)
        self.ledger.model(context.section)
        steps = context.extensions.get(exten, [])
        while index < len(steps):
            here = (context_name, exten, index, recorded)
            if here in self.memo:
                return self.memo[here]
            passed.append(here)
            step = steps[index]
            if self._passes(step, context_name, exten):
                index += 1
                continue
            if step.name == "mixmonitor" and (recorded or self.recording.resumed):
                self.ledger.model(step.setting)  # recording again: in its class
                self.recording.resumed = False
                index += 1
                continue
            if step.name == "mixmonitor":
                self.ledger.model(step.setting)
                recorded = self.recording.started()
                sealed = self.recording.sealed
                self.routes.classes[recorded] = self.routes.classes.get(recorded, False) or sealed
                # a recording started just before a queue is its group's (every call the
                # group takes); one started before the caller is asked anything, the IVR's
                if not self.asked and _next_significant(steps, index + 1) != "queue":
                    self.document["recording_class"] = recorded
                index += 1
                continue
            if step.name == "goto":
                target = _resolve(self.dialplan, context, exten, step.args)
                if target is None:
                    self.ledger.leave(step.setting, "a Goto to nowhere in this dialplan")
                    return self._hangup(key)
                self.ledger.model(step.setting)
                named = self.named.pop((context_name, exten), "")
                if named:  # the node this context named is made where the Goto leads
                    self.named.setdefault((target[0], target[1]), named)
                name = self.at((*target, recorded))
                self.memo[key] = name
                return name
            if step.name != "gotoiftime":
                self._unread_days()
            made = self._node(here, context, exten, index, recorded)
            if made is not None:
                return made
            index += 1
        return self._hangup(key)

    def _passes(self, step: Step, context_name: str, exten: str) -> bool:
        """Whether `step` makes no node and the call goes on past it (read here: an answer,
        the caller's first language, a menu's timeout, ccmsctl's own names and counts)."""
        if step.name in TRANSPARENT:
            self.ledger.model(step.setting)
            return True
        if step.name == "set" and _is_timeout(step):
            self.ledger.leave(step.setting, "ccmsctl's menus set their own timeouts")
            return True
        if step.name == "set" and _language_set(step) and not self.asked:
            self.document["language"] = _language_set(step)  # callers start in it
            self.ledger.model(step.setting)
            return True
        if (named := _node_named(step)) is not None:  # ccmsctl's own node names
            if named:
                self.named[(context_name, exten)] = named
            self.ledger.model(step.setting)
            return True
        if _machinery(step):  # ccmsctl's own records
            self.recording.read(step)
            self.ledger.model(step.setting)
            return True
        if _tries(step) is not None:  # a menu's count of asks: its retries
            self.ledger.model(step.setting)
            return True
        if _today(step) or _holiday(step):  # a schedule's closed days, read with it
            self.pending.append(step)
            return True
        return False

    def _hangup(self, key: Key) -> str:
        """A hangup node: named as ccmsctl named it, else the IVR's one "hangup"."""
        named = self.named.pop((key[0], key[1]), "")
        exact = self.node_names.exact("node", named) if named else ""
        name = self.memo[key] = exact or self.node_names.name("node", "hangup")
        if not exact:
            self.unnamed_hangups.add(name)
        self.nodes[name] = {"type": "hangup"}
        return name

    def _reserve(self, key: Key, hint: str) -> str:
        """A new node's name (never one another node has), taken before what follows it is
        made: a menu may come back to itself."""
        named = self.named.pop((key[0], key[1]), "")
        name = (
            self.node_names.exact("node", named) if named else self.node_names.fresh("node", hint)
        )
        self.memo[key] = name
        return name

    def _node(
        self, key: Key, context: Context, exten: str, index: int, recorded: str
    ) -> str | None:
        """The node of the step at `index`, or None (residue) to go on past it."""
        steps = context.extensions[exten]
        step = steps[index]
        here = (context.section.name, exten)
        # a Background the dialplan goes on from (not to WaitExten, not its last step) is
        # heard as a Playback: a key pressed while it plays is not modelled
        goes_on = index + 1 < len(steps) and steps[index + 1].name != "waitexten"
        played = step.name == "playback" or (step.name == "background" and goes_on)
        if played and self._prompt(step):
            name = self._reserve(key, f"play-{step.args[0].rsplit('/', 1)[-1]}")
            self.ledger.model(step.setting)
            node: dict[str, object] = {"type": "play", "prompt": self._prompt(step)}
            self.nodes[name] = node
            node["next"] = self.at((*here, index + 1, recorded))
            return name
        if step.name == "background" and self._prompt(step):
            return self._menu(key, context, exten, index, recorded)
        if step.name == "read" and len(step.args) > 2 and step.args[2].isdigit():
            return self._collect(key, context, exten, index, recorded)
        if step.name == "gotoiftime":
            return self._schedule(key, context, exten, index, recorded)
        if step.name == "queue" and step.args and step.args[0] in self.groups:
            return self._queue(key, context, exten, step, steps[index + 1 :], recorded)
        if step.name == "voicemail" and step.args:
            box = step.args[0].split("@", 1)[0]
            if _EXTENSION.match(box):
                name = self._reserve(key, f"voicemail-{box}")
                self.nodes[name] = {"type": "voicemail", "mailbox": box}
                self._after_end(step, steps[index + 1 :])
                return name
        if step.name == "dial":
            to = self._dialled(step)
            if to is not None:
                name = self._reserve(key, "transfer")
                self.nodes[name] = {"type": "transfer", "to": to}
                self._after_end(step, steps[index + 1 :])
                return name
        if step.name == "hangup":
            self.ledger.model(step.setting)
            return self._hangup(key)
        self.ledger.leave(step.setting, _why_not(step))
        return None

    def _after_end(self, step: Step, rest: list[Step]) -> None:
        """`step` ends the call's walk: it is modelled, and a Hangup() after it too."""
        self.ledger.model(step.setting)
        if rest and rest[0].name == "hangup":
            self.ledger.model(rest[0].setting)

    def _prompt(self, step: Step, at: int = 0) -> str:
        """The prompt argument `at` of `step`, as the estate names it ("" if it cannot)."""
        prompt = step.args[at].removeprefix(CCMSCTL_PROMPTS) if len(step.args) > at else ""
        if not _PROMPT.match(prompt) or prompt.startswith("/"):
            return ""
        self.routes.prompts.setdefault(prompt, []).append(step.setting)
        return prompt

    def _menu(self, key: Key, context: Context, exten: str, index: int, recorded: str) -> str:
        steps = context.extensions[exten]
        background = steps[index]
        self.asked = True
        here = context.section.name
        name = self._reserve(key, f"menu-{here}")
        self.ledger.model(background.setting)
        node: dict[str, object] = {"type": "menu", "prompt": self._prompt(background)}
        self.nodes[name] = node
        after = index + 1
        if after < len(steps) and steps[after].name == "waitexten":
            wait = steps[after]
            seconds = wait.args[0] if wait.args and wait.args[0].isdigit() else "10"
            node["timeout"] = f"{seconds}s"
            self.ledger.model(wait.setting)
            after += 1
        # ccmsctl's own menus count the asks (TRIES) and ask again while under retries;
        # any other menu goes where `t` and `i` say at once
        counted = [
            found
            for edge in ("t", "i")
            for step in context.extensions.get(edge, [])
            if (found := _tries(step))
        ]
        node["retries"] = int(counted[0]) if counted else 0
        digits = [d for d in context.extensions if len(d) == 1 and d in "0123456789*#"]
        chosen = {d: _language_set(context.extensions[d][0]) for d in digits}
        if digits and all(chosen.values()):  # each key sets the caller's language
            node["type"] = "language"
            node["options"] = []
            for digit in digits:
                self.ledger.model(context.extensions[digit][0].setting)
                option = {"digit": digit, "language": chosen[digit]}
                node["options"].append(option)  # type: ignore[attr-defined]
                option["next"] = self.at((here, digit, 1, recorded))
        else:
            node["options"] = [
                {"digit": digit, "next": self.at((here, digit, 0, recorded))} for digit in digits
            ]
        if "t" in context.extensions:
            node["on_timeout"] = self.at((here, "t", 0, recorded))
        else:  # Asterisk goes on after WaitExten
            node["on_timeout"] = self.at((here, exten, after, recorded))
        if "i" in context.extensions:
            node["on_invalid"] = self.at((here, "i", 0, recorded))
        if counted:
            # asked up to its retries, then hung up there: ccmsctl's menu that comes back to
            # itself (one that goes on to a hangup node goes there by name)
            for edge in ("on_timeout", "on_invalid"):
                target = node.get(edge)
                if isinstance(target, str) and target in self.unnamed_hangups:
                    node[edge] = name
        else:
            self._again(name, node)
        return name

    def _collect(
        self, key: Key, context: Context, exten: str, index: int, recorded: str
    ) -> str | None:
        """`Read(VAR,prompt,digits[,options[,attempts[,timeout]]])`: a collect node; what
        the dialplan does with VAR after it is followed as written (a step the model has
        no node for is residue)."""
        step = context.extensions[exten][index]
        prompt = self._prompt(step, 1)
        digits = int(step.args[2])
        if not prompt or not 1 <= digits <= 32:
            return None
        name = self._reserve(key, f"collect-{step.args[0].lower()}")
        self.ledger.model(step.setting)
        node: dict[str, object] = {"type": "collect", "prompt": prompt, "max_digits": digits}
        if step.args[0].startswith(CARD_VARIABLE):  # ccmsctl's own: card digits, unrecorded
            node["card"] = True
        timeout = step.args[5] if len(step.args) > 5 else ""
        if re.match(r"^[0-9]+$", timeout) and 1 <= int(timeout) <= 120:
            node["timeout"] = f"{timeout}s"
        self.nodes[name] = node
        node["next"] = self.at((context.section.name, exten, index + 1, recorded))
        return name

    def _again(self, name: str, node: dict[str, object]) -> None:
        """A menu whose silence or wrong key comes back to it asks again as often as the
        caller lets it in Asterisk; a ccmsctl menu that goes to itself asks `retries` times
        at most. So it goes to a twin of itself instead, which comes back to it: each
        entry starts its count again, and the caller is asked for as long as Asterisk
        would."""
        looping = [edge for edge in ("on_timeout", "on_invalid") if node.get(edge) == name]
        if not looping:
            return
        twin = self.node_names.fresh("node", f"{name}-again")
        self.nodes[twin] = {**node, **dict.fromkeys(looping, name)}
        for edge in looping:
            node[edge] = twin

    def _schedule(
        self, key: Key, context: Context, exten: str, index: int, recorded: str
    ) -> str | None:
        steps = context.extensions[exten]
        weekly: list[dict[str, object]] = []
        target: tuple[str, str, int] | None = None
        timezone = self.timezone
        at = index
        while at < len(steps) and steps[at].name == "gotoiftime":
            step = steps[at]
            condition, _, jump = ",".join(step.args).partition("?")
            parts = split_args(condition)
            hours = _opening(parts)
            there = _resolve(self.dialplan, context, exten, split_args(jump.split(":")[0]))
            if hours is None or there is None or (target is not None and there != target):
                break
            if len(parts) > 4:
                timezone = parts[4]
            weekly.append(hours)
            target = there
            self.ledger.model(step.setting)
            at += 1
        if target is None:
            self.ledger.leave(steps[index].setting, "a GotoIfTime ccmsctl's schedules cannot say")
            self._unread_days()
            return None
        name = self._reserve(key, f"hours-{context.section.name}")
        schedule = self.namer.name("Schedule", f"{self.name}-hours")
        document: dict[str, object] = {
            "kind": "Schedule",
            "name": schedule,
            "timezone": timezone,
            "weekly": weekly,
        }
        self.routes.schedules.append(document)
        node: dict[str, object] = {"type": "schedule", "schedule": schedule}
        self.nodes[name] = node
        holiday = self._days(document, context, exten)
        node["open"] = self.at((*target, recorded))
        node["closed"] = self.at((context.section.name, exten, at, recorded))
        if holiday is not None:
            node["holiday"] = self.at((*holiday, recorded))
        return name

    def _days(
        self, schedule: dict[str, object], context: Context, exten: str
    ) -> tuple[str, str, int] | None:
        """The closed days tested before a schedule's hours (ccmsctl's own dialplan:
        TODAY between two dates, to one place), as the schedule's holidays; where calls
        go on them."""
        pending, self.pending = self.pending, []
        days = [(step, found) for step in pending if (found := _holiday(step)) is not None]
        targets = {
            _resolve(self.dialplan, context, exten, split_args(found[2])) for _, found in days
        }
        if not days or len(targets) != 1 or None in targets:
            self.ledger.leave_all(
                [step.setting for step in pending], "a date test ccmsctl's schedules cannot say"
            )
            return None
        schedule["holidays"] = [
            {"name": f"closed {found[0]}", "date": found[0]}
            | ({"until": found[1]} if found[1] != found[0] else {})
            for _, found in days
        ]
        self.ledger.model(*(step.setting for step in pending))
        return targets.pop()

    def _unread_days(self) -> None:
        """Closed days no schedule's hours follow: residue."""
        if self.pending:
            why = "a date test no GotoIfTime follows: ccmsctl's schedules cannot say it"
            self.ledger.leave_all([step.setting for step in self.pending], why)
            self.pending = []

    def _queue(
        self, key: Key, context: Context, exten: str, step: Step, rest: list[Step], recorded: str
    ) -> str:
        group = self.groups[step.args[0]]
        name = self._reserve(key, f"queue-{group['name']}")
        self.nodes[name] = {"type": "queue", "skill_group": group["name"]}
        self.ledger.model(step.setting)
        if len(step.args) > 4 and step.args[4].isdigit():
            group["max_wait"] = f"{step.args[4]}s"
            self.routes.timed.add(str(group["name"]))
        if recorded and self.document.get("recording_class") is None:
            group["recording_class"] = recorded
        if rest:
            overflow = self._overflow(rest[0], context, exten)
            if overflow is not None and group.get("overflow", overflow) == overflow:
                group["overflow"] = overflow
                self._after_end(rest[0], rest[1:])
            elif rest[0].name == "hangup":
                self.ledger.model(rest[0].setting)
            else:
                self.ledger.leave(
                    rest[0].setting,
                    "after a queue, ccmsctl's groups overflow "
                    "to one voicemail box, number or group",
                )
        return name

    def _overflow(self, step: Step, context: Context, exten: str) -> dict[str, object] | None:
        if step.name == "goto":
            target = _resolve(self.dialplan, context, exten, step.args)
            queue = _queue_ahead(self.dialplan, target) if target else ""
            if target is None or queue not in self.groups:
                return None
            if queue not in self.routes.overflowed:  # the group's own queue, read once
                self.routes.overflowed.add(queue)
                self._detached().build(target)
            return {"skill_group": self.groups[queue]["name"]}
        if step.name == "voicemail" and step.args:
            box = step.args[0].split("@", 1)[0]
            return {"voicemail": box} if _EXTENSION.match(box) else None
        if step.name == "dial":
            to = self._dialled(step)
            return {"transfer": to} if to is not None and _E164.match(to) else None
        return None

    def _detached(self) -> _Walk:
        """A walk whose nodes no IVR has: to read a queue that only another group's
        overflow reaches (its timeout, its own overflow, its recording)."""
        return _Walk(
            self.name,
            self.dialplan,
            self.ledger,
            self.routes,
            str(self.document["language"]),
            self.timezone,
            self.namer,
            self.trunk_endpoints,
            self.groups,
            self.phone_endpoints,
        )

    def _dialled(self, step: Step) -> str | None:
        """What `Dial(...)` calls: a number through a trunk, or a phone's extension."""
        if not step.args:
            return None
        target = step.args[0]
        if not target.upper().startswith("PJSIP/"):
            return None
        rest = target[len("PJSIP/") :]
        number, at, endpoint = rest.partition("@")
        if at and endpoint in self.trunk_endpoints and _E164.match(number):
            return number
        endpoint, slash, number = rest.partition("/")
        if slash and endpoint in self.trunk_endpoints and _E164.match(number):
            return number
        if not slash and rest in self.phones:
            return rest
        return None


SOUNDS = "plays more than one sound, or one ccmsctl's prompts cannot name (a-z, 0-9, _ - /)"
WHY_NOT = {
    "playback": SOUNDS,
    "background": SOUNDS,
    "queue": "a queue queues.conf does not define",
    "voicemail": "a mailbox that is not 2 to 8 digits",
    "dial": "dials neither a number (+ and digits) through a trunk nor an agent's phone",
    "read": "reads into a variable with no prompt, or more than 32 digits",
}


def _why_not(step: Step) -> str:
    """Why `step` (of a flow the import follows) is not in the estate."""
    return WHY_NOT.get(step.name, f"{step.app}: an application ccmsctl's IVRs do not have")


# steps that neither end nor branch a call the model would see (a queue's context in
# ccmsctl's own dialplan: its records, its recording's name, a jump over the recording)
_PASSING = {"set", "gotoif", "mixmonitor", "execif", "noop", "answer", "ringing", "progress"}


def _next_significant(steps: list[Step], index: int) -> str:
    """The application of the first step from `index` that is not only passing."""
    return next((step.name for step in steps[index:] if step.name not in _PASSING), "")


def _queue_ahead(dialplan: Dialplan, at: tuple[str, str, int]) -> str:
    """The queue a call at `at` waits in next, past passing steps and Goto ("" if it does
    something else first)."""
    seen: set[tuple[str, str, int]] = set()
    while at not in seen:
        seen.add(at)
        context = dialplan.contexts[at[0]]
        steps = context.extensions.get(at[1], [])
        index = at[2]
        while index < len(steps) and steps[index].name in _PASSING:
            index += 1
        if index >= len(steps):
            return ""
        step = steps[index]
        if step.name == "queue" and step.args:
            return step.args[0]
        target = _resolve(dialplan, context, at[1], step.args) if step.name == "goto" else None
        if target is None:
            return ""
        at = target
    return ""


_TODAY = re.compile(r"^TODAY=\$\{STRFTIME\(\$\{EPOCH\},[^,]*,%Y-%m-%d\)\}$")
_BETWEEN = re.compile(
    r'^\$\["\$\{TODAY\}" >= "(\d{4}-\d{2}-\d{2})" & "\$\{TODAY\}" <= "(\d{4}-\d{2}-\d{2})"\]'
    r"\?(.+)$"
)


_TRIES_SET = re.compile(r"^TRIES=(?:0|\$\[\$\{TRIES\} \+ 1\])$")
_TRIES_TEST = re.compile(r"^\$\[\$\{TRIES\} <= ([0-9])\]\?")


def _reached(nodes: dict[str, dict[str, object]], entry: str) -> set[str]:
    """The names of the nodes a call from `entry` can reach."""
    edges = ("next", "open", "closed", "holiday", "on_timeout", "on_invalid")
    reached: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in reached or name not in nodes:
            continue
        reached.add(name)
        node = nodes[name]
        todo += [str(node[edge]) for edge in edges if edge in node]
        options = node.get("options", [])
        todo += [str(option["next"]) for option in options]  # type: ignore[attr-defined]
    return reached


def _tries(step: Step) -> str | None:
    """A step of ccmsctl's count of a menu's asks: `Set(TRIES=0)`, `Set(TRIES=$[${TRIES} +
    1])` ("" for those), `GotoIf($[${TRIES} <= N]?...)` (N); None for any other step."""
    if step.name == "set" and len(step.args) == 1 and _TRIES_SET.match(step.args[0]):
        return ""
    if step.name == "gotoif" and (found := _TRIES_TEST.match(",".join(step.args))):
        return found.group(1)
    return None


def _today(step: Step) -> bool:
    """`Set(TODAY=${STRFTIME(${EPOCH},ZONE,%Y-%m-%d)})`: the date a schedule tests."""
    return step.name == "set" and len(step.args) == 1 and bool(_TODAY.match(step.args[0]))


def _holiday(step: Step) -> tuple[str, str, str] | None:
    """`GotoIf($["${TODAY}" >= "FIRST" & "${TODAY}" <= "LAST"]?TARGET)`: (first, last,
    target), else None."""
    if step.name != "gotoif":
        return None
    found = _BETWEEN.match(",".join(step.args))
    return (found.group(1), found.group(2), found.group(3)) if found else None


def _language_set(step: Step) -> str:
    """The language `Set(CHANNEL(language)=code)` puts the caller in, as a BCP 47 tag
    ("" for another step, or a code without a tag)."""
    if step.name != "set" or not step.args:
        return ""
    name, _, value = step.args[0].partition("=")
    if name.strip().upper() != "CHANNEL(LANGUAGE)":
        return ""
    return language_tag(value) or ""


def _is_timeout(step: Step) -> bool:
    return bool(step.args) and step.args[0].upper().startswith("TIMEOUT(")


def _opening(parts: tuple[str, ...]) -> dict[str, object] | None:
    """GotoIfTime's times,days,mdays,months as opening hours (every day of the month and
    every month only); None when the model cannot say it."""
    if len(parts) < 4 or parts[2] != "*" or parts[3] != "*":
        return None
    times = _TIMES.match(parts[0])
    days = _days(parts[1])
    if times is None or days is None:
        return None
    start_h, start_m, end_h, end_m = (int(g) for g in times.groups())
    close = end_h * 60 + end_m + 1  # GotoIfTime's range takes its last minute in
    if close > 24 * 60 or close <= start_h * 60 + start_m:
        return None
    return {
        "days": days,
        "open": f"{start_h:02d}:{start_m:02d}",
        "close": f"{close // 60:02d}:{close % 60:02d}",
    }


def _days(text: str) -> list[str] | None:
    if text == "*":
        return list(_DAYS)
    found: list[str] = []
    for part in text.lower().split("&"):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            return None
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        if end < start:
            return None
        found += [day for day in _DAYS[start : end + 1] if day not in found]
    return found
