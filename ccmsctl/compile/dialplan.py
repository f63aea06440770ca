"""The Asterisk dialplan as data: DID entry contexts, one context per IVR node, one per queue.

Every decision (patterns for DID ranges, retry handling, schedule checks, overflow) is made
here; the template prints contexts line by line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from ccmsctl.model.ivr import (
    IVR,
    Collect,
    Hangup,
    LanguageSelect,
    Menu,
    Node,
    Play,
    Queue,
    ScheduleBranch,
    Transfer,
    Voicemail,
)
from ccmsctl.model.names import (
    EDGES_CONTEXT,
    INTERNAL_CONTEXT,
    entry_context,
    node_context,
    queue_context,
    trunk_context,
)
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.skillgroup import SkillGroup

RECORDINGS = "/var/spool/asterisk/recording"
ENCRYPTED = ".p7m"  # a file encrypted at rest: CMS (PKCS#7) enveloped data, DER
RECORDING_KEYS = "/etc/asterisk/recording-keys"  # the certificates recordings are encrypted to
PROMPTS = "/var/lib/asterisk/ccmsctl-prompts"  # the estate's IVR recordings
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Step:
    """One priority of an extension. `where`: the place in the estate that decided it (not
    printed; the simulator names it beside what the step does)."""

    app: str
    label: str = ""
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Extension:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Context:
    name: str
    comment: str
    extensions: tuple[Extension, ...]


def asterisk_language(tag: str) -> str:
    """BCP 47 `zh-CN` -> Asterisk's sound folder name `zh_CN`."""
    return tag.replace("-", "_")


def prompt_file(prompt: str, language: str) -> str:
    """Where a prompt's recording in `language` is installed (relative to the root), as
    Asterisk looks for an absolute sound file in the caller's language: the language's
    folder before the file's name (lotus/welcome -> lotus/zh_CN/welcome.wav)."""
    folder, _, name = prompt.rpartition("/")
    parts = [PROMPTS[1:], *([folder] if folder else []), asterisk_language(language), name]
    return "/".join(parts) + ".wav"


def _goto(context: str) -> str:
    return f"Goto({context},s,1)"


def _at(where: Where, steps: tuple[Step, ...] | list[Step]) -> tuple[Step, ...]:
    """The steps, each decided by `where` in the estate (a step that names its own keeps it)."""
    return tuple(step if step.where else replace(step, where=where) for step in steps)


def _seconds(duration: timedelta) -> int:
    return int(duration.total_seconds())


def range_patterns(first: int, last: int) -> list[str]:
    """The fewest Asterisk extension patterns covering the numbers first..last."""
    patterns = []
    while first <= last:
        width = 0
        while first % 10 ** (width + 1) == 0 and first + 10 ** (width + 1) - 1 <= last:
            width += 1
        digits = str(first)
        patterns.append(
            f"_+{digits[: len(digits) - width]}{'X' * width}" if width else f"+{digits}"
        )
        first += 10**width
    return patterns


# Every call from a trunk counts against the PBX's channels (CCMS_CHANNELS, its host's):
# one too many is refused unanswered with cause 34, which PJSIP answers 503.
CHANNEL_LIMIT = (
    Step("Set(GROUP(ccms)=trunk-calls)"),
    Step(
        "ExecIf($[${CCMS_CHANNELS} > 0 & ${GROUP_COUNT(trunk-calls@ccms)} > ${CCMS_CHANNELS}]"
        "?Hangup(34))"
    ),
)


def did_contexts(
    trunk: str,
    ranges: list[NumberRange],
    ivrs: dict[str, IVR],
    recording: Mapping[str, list[Step]] | None = None,
) -> list[Context]:
    """Calls from a trunk: each DID pattern goes to the entry of its IVR
    (`did-<trunk>-<ivr>`, one line per pattern however many DIDs), which sets the IVR's
    language and starts the call's record (CDR): the trunk, the DID and the SIP Call-ID (the
    carrier's, kept by the edge); and, for an IVR that records from its entry, the
    recording (`recording`: the steps that start it, by IVR). A call past the channel limit
    is refused unanswered; any other is answered at once."""
    extensions = []
    entries = []
    for ivr_name in sorted({numbers.ivr for numbers in ranges}):
        ivr = ivrs[ivr_name]
        steps = (
            *CHANNEL_LIMIT,
            # answered before anything else: a queue reached with no prompt first would
            # leave the carrier ringing until the group's wait ran out
            Step("Answer()"),
            Step(f"Set(CDR(ccms_trunk)={trunk})", where=("Trunk", trunk, ())),
            Step("Set(CDR(ccms_did)=${EXTEN})"),
            Step("Set(CDR(ccms_call_id)=${CHANNEL(pjsip,call-id)})"),
            Step(
                f"Set(CHANNEL(language)={asterisk_language(ivr.language)})",
                where=("IVR", ivr.name, ("language",)),
            ),
            *_at(("IVR", ivr.name, ("recording_class",)), (recording or {}).get(ivr.name, [])),
            Step(_goto(node_context(ivr.name, ivr.entry)), where=("IVR", ivr.name, ("entry",))),
        )
        entries.append(
            Context(
                entry_context(trunk, ivr.name),
                f"calls from trunk {trunk} into IVR {ivr.name}",
                (Extension("_+X.", steps),),
            )
        )
    for numbers in sorted(ranges, key=lambda r: r.name):
        where: Where = ("NumberRange", numbers.name, ("ivr",))
        enter = (Step(f"Goto({entry_context(trunk, numbers.ivr)},${{EXTEN}},1)", where=where),)
        for first, last in numbers.spans():
            extensions += [Extension(p, enter) for p in range_patterns(first, last)]
    delivered = Context(
        trunk_context(trunk), f"calls delivered by trunk {trunk}", tuple(extensions)
    )
    return [delivered, *entries]


def ivr_contexts(
    ivr: IVR, schedules: Mapping[str, Schedule], transfer_endpoint: str, *, root: str = ""
) -> list[Context]:
    """One context per node of `ivr`, in node-name order; prompts play from their folder
    under `root`. Entering a node adds its name to the call's record (CDR(ccms_ivr_path)),
    a timeout or a wrong key `node:timeout` or `node:invalid`: the path each caller took."""
    contexts = []
    for name, node in sorted(ivr.nodes.items()):
        prompts = f"{root}{PROMPTS}"
        extensions = _node_extensions(ivr, name, node, schedules, transfer_endpoint, prompts)
        visit = Step(f"Set(CDR(ccms_ivr_path)=${{CDR(ccms_ivr_path)}} {name})")
        extensions = tuple(
            Extension(e.name, _at(("IVR", ivr.name, ("nodes", name)), e.steps)) for e in extensions
        )
        contexts.append(
            Context(
                node_context(ivr.name, name),
                f"IVR {ivr.name}, {node.type} node {name}",
                tuple(
                    Extension(e.name, _at(("IVR", ivr.name, ("nodes", name)), (visit, *e.steps)))
                    if e.name == "s"
                    else e
                    for e in extensions
                ),
            )
        )
    return contexts


def _node_extensions(
    ivr: IVR,
    name: str,
    node: Node,
    schedules: Mapping[str, Schedule],
    transfer_endpoint: str,
    prompts: str,
) -> tuple[Extension, ...]:
    here = ("IVR", ivr.name, ("nodes", name))
    match node:
        case Menu() | LanguageSelect():
            return _prompting(ivr, name, node, prompts)
        case Play():
            steps = (
                Step(f"Playback({prompts}/{node.prompt})", where=_field(here, "prompt")),
                Step(_goto(node_context(ivr.name, node.next)), where=_field(here, "next")),
            )
            return (Extension("s", steps),)
        case ScheduleBranch():
            return (Extension("s", _schedule_steps(ivr, name, node, schedules[node.schedule])),)
        case Queue():
            step = Step(_goto(queue_context(node.skill_group)), where=_field(here, "skill_group"))
            return (Extension("s", (step,)),)
        case Transfer():
            dial = Step(_dial(node.to, transfer_endpoint), where=_field(here, "to"))
            return (Extension("s", (dial, Step("Hangup()"))),)
        case Voicemail():
            leave = Step(f"VoiceMail({node.mailbox}@default,u)", where=_field(here, "mailbox"))
            return (Extension("s", (leave, Step("Hangup()"))),)
        case Hangup():
            return (Extension("s", (Step("Hangup()"),)),)
        case Collect():
            return (Extension("s", _at(here, _collect_steps(ivr, name, node, prompts))),)
    raise AssertionError(f"unhandled node type {node.type}")  # pragma: no cover


def _field(where: Where, *path: str | int) -> Where:
    """The place `path` below `where`."""
    kind, name, base = where
    return (kind, name, (*base, *path))


def _collect_steps(ivr: IVR, name: str, node: Collect, prompts: str) -> tuple[Step, ...]:
    """Read the caller's digits into a variable: `CCMS_<NODE>`, inherited by the agent's leg
    (a screen pop); card digits into CCMS_CARD_<NODE>, on this channel only. A recording running is
    stopped before card digits are keyed and goes on after, into a new part named in the
    call's record (encrypted like the first, when its class asks), so no key press of a
    card number is ever recorded."""
    wait = _seconds(node.timeout)
    onward = Step(_goto(node_context(ivr.name, node.next)), "next" if node.card else "")
    variable = re.sub(r"[^A-Za-z0-9]", "_", name).upper()
    read = f"{prompts}/{node.prompt},{node.max_digits},,1,{wait}"
    if not node.card:
        return (Step(f"Read(__CCMS_{variable},{read})"), onward)
    part = "${CCMS_RECORDING:0:-4}-${EPOCH}.wav"
    listed = "${CDR(ccms_recording)}"
    return (
        Step(f"Set(CCMS_PAUSED=${{LEN({_RECORDING})}})"),
        Step("ExecIf($[${CCMS_PAUSED} > 0]?StopMixMonitor())"),
        Step(f"Read(CCMS_CARD_{variable},{read})"),
        Step("GotoIf($[${CCMS_PAUSED} = 0]?next)"),
        Step(f"Set(__CCMS_RECORDING={part})"),
        Step("GotoIf($[${LEN(${CCMS_ENCRYPT_TO})} > 0]?sealed)"),
        Step(f"Set(CDR(ccms_recording)={listed} {_RECORDING})"),
        Step(f"MixMonitor({_RECORDING})"),
        Step("Goto(next)"),
        Step(f"Set(CDR(ccms_recording)={listed} {_RECORDING}{ENCRYPTED})", "sealed"),
        Step(f"MixMonitor({_RECORDING},,{encrypt_command(_RECORDING, '${CCMS_ENCRYPT_TO}')})"),
        onward,
    )


def _dial(to: str, transfer_endpoint: str) -> str:
    if to.startswith("+"):
        return f"Dial(PJSIP/{to}@{transfer_endpoint},60)"
    return f"Dial(PJSIP/{to},30)"


def _prompting(
    ivr: IVR, name: str, node: Menu | LanguageSelect, prompts: str
) -> tuple[Extension, ...]:
    here = ("IVR", ivr.name, ("nodes", name))
    wait = _seconds(node.timeout) if node.timeout else 5
    start = Extension(
        "s",
        (
            Step("Set(TRIES=0)"),
            Step(f"Background({prompts}/{node.prompt})", "prompt", _field(here, "prompt")),
            Step(f"WaitExten({wait})", where=_field(here, "timeout")),
        ),
    )
    options = []
    for index, option in sorted(enumerate(node.options), key=lambda o: o[1].digit):
        chosen = _field(here, "options", index)
        steps = [Step(_goto(node_context(ivr.name, option.next)), where=chosen)]
        if isinstance(node, LanguageSelect):
            language = node.options[index].language
            steps.insert(
                0, Step(f"Set(CHANNEL(language)={asterisk_language(language)})", where=chosen)
            )
        options.append(Extension(option.digit, tuple(steps)))
    handlers = []
    for exten, target, what in (
        ("t", node.on_timeout, "timeout"),
        ("i", node.on_invalid, "invalid"),
    ):
        # After the retries, go on; a handler that points back here would never end: hang up.
        final = _goto(node_context(ivr.name, target)) if target and target != name else "Hangup()"
        handler = _field(here, f"on_{what}")
        handlers.append(
            Extension(
                exten,
                (
                    Step(f"Set(CDR(ccms_ivr_path)=${{CDR(ccms_ivr_path)}} {name}:{what})"),
                    Step("Set(TRIES=$[${TRIES} + 1])", where=_field(here, "retries")),
                    Step(
                        f"GotoIf($[${{TRIES}} <= {node.retries}]?s,prompt)",
                        where=_field(here, "retries"),
                    ),
                    Step(final, where=handler),
                ),
            )
        )
    return (start, *options, *handlers)


def _schedule_steps(
    ivr: IVR, name: str, node: ScheduleBranch, schedule: Schedule
) -> tuple[Step, ...]:
    """Holidays first (in date order), then each weekly rule, else closed. Each step names the
    schedule's rule that decides it."""
    zone, rules = schedule.timezone, ("Schedule", schedule.name, ())
    steps = [
        Step(
            f"Set(TODAY=${{STRFTIME(${{EPOCH}},{zone},%Y-%m-%d)}})", where=_field(rules, "timezone")
        )
    ]
    holiday = node_context(ivr.name, node.holiday or node.closed)
    for index, day in sorted(enumerate(schedule.holidays), key=lambda h: h[1].date):
        until = day.until or day.date
        steps.append(
            Step(
                f'GotoIf($["${{TODAY}}" >= "{day.date.isoformat()}" & '
                f'"${{TODAY}}" <= "{until.isoformat()}"]?{holiday},s,1)',
                where=_field(rules, "holidays", index),
            )
        )
    opening = node_context(ivr.name, node.open)
    steps.extend(
        Step(
            f"GotoIfTime({hours.open}-{_last_minute(hours.close)},{weekday_range(hours.days)},"
            f"*,*,{zone}?{opening},s,1)",
            where=_field(rules, "weekly", index),
        )
        for index, hours in enumerate(schedule.weekly)
    )
    steps.append(
        Step(
            _goto(node_context(ivr.name, node.closed)),
            where=("IVR", ivr.name, ("nodes", name, "closed")),
        )
    )
    return tuple(steps)


def _last_minute(close: str) -> str:
    """Asterisk time ranges include their last minute: 20:00 closes at 19:59."""
    hour, minute = (int(part) for part in close.split(":"))
    total = hour * 60 + minute - 1
    return f"{total // 60:02d}:{total % 60:02d}"


def weekday_range(days: tuple[str, ...]) -> str:
    """Days as GotoIfTime takes them, and as people write them: `mon-fri`, `sat`, `mon&wed`."""
    indexes = sorted({_DAYS.index(day) for day in days})
    if indexes == list(range(indexes[0], indexes[-1] + 1)) and len(indexes) > 1:
        return f"{_DAYS[indexes[0]]}-{_DAYS[indexes[-1]]}"
    return "&".join(_DAYS[i] for i in indexes)


def encrypt_command(source: str, certificate: str) -> str:
    """The shell command that encrypts `source` to `certificate` (CMS, AES-256) into
    `source`.p7m and removes the plain file once that succeeded. The encrypted file gets its
    name last: once `source`.p7m is there, it is whole and the plain file is gone."""
    part = f"{source}{ENCRYPTED}.part"
    return (
        f"/usr/bin/openssl cms -encrypt -binary -aes256 -outform DER -in {source} "
        f"-out {part} {certificate} && rm -f {source} && mv {part} {source}{ENCRYPTED}"
    )


_RECORDING = "${CCMS_RECORDING}"


def recording_class_of(path: str) -> str:
    """The retention class a recording at `path` is kept by: the folder below RECORDINGS
    (under any install root); "" for a path that is not a recording's."""
    _, found, rest = path.partition(f"{RECORDINGS}/")
    return rest.split("/", 1)[0] if found and "/" in rest else ""


def recording_steps(recording_class: str, *, root: str, encrypt_to: str | None) -> list[Step]:
    """Start recording the call into the class's folder under `root` (the call's record
    names the file); with `encrypt_to`, the recording is encrypted to that certificate when
    it ends and the plain file removed. The channel keeps where it records and how, so a
    pause (card entry) can resume the same way."""
    folder = f"{root}{RECORDINGS}/{recording_class}"
    path = f"{folder}/${{STRFTIME(${{EPOCH}},,%Y/%m/%d)}}/${{UNIQUEID}}.wav"
    steps = [Step(f"Set(__CCMS_RECORDING={path})")]
    if encrypt_to is not None:
        steps += [
            Step(f"Set(__CCMS_ENCRYPT_TO={encrypt_to})"),
            Step(f"Set(CDR(ccms_recording)={_RECORDING}{ENCRYPTED})"),
            Step(f"MixMonitor({_RECORDING},,{encrypt_command(_RECORDING, encrypt_to)})"),
        ]
    else:
        steps += [
            Step(f"Set(CDR(ccms_recording)={_RECORDING})"),
            Step(f"MixMonitor({_RECORDING})"),
        ]
    return steps


def queue_context_for(
    group: SkillGroup,
    recording_class: str | None,
    transfer_endpoint: str,
    *,
    root: str = "",
    encrypt_to: str | None = None,
) -> Context:
    """Record by the retention class of the PBX's site (unless the call is recorded already:
    its IVR records from the entry, or an earlier queue did), queue until max wait, then
    overflow. The call's record (CDR) names the skill group and the recording."""
    group_at: Where = ("SkillGroup", group.name, ())
    steps: list[Step] = [Step(f"Set(CDR(ccms_skill_group)={group.name})")]
    if recording_class:
        steps.append(Step(f"GotoIf($[${{LEN({_RECORDING})}} > 0]?queue)"))
        steps += _at(
            _field(group_at, "recording_class"),
            recording_steps(recording_class, root=root, encrypt_to=encrypt_to),
        )
    steps.append(
        Step(
            f"Queue({group.name},t,,,{_seconds(group.max_wait)})",
            "queue",
            _field(group_at, "max_wait"),
        )
    )
    overflow, then = group.overflow, _field(group_at, "overflow")
    if overflow and overflow.skill_group:
        steps.append(Step(_goto(queue_context(overflow.skill_group)), where=then))
    elif overflow and overflow.transfer:
        steps += [Step(_dial(overflow.transfer, transfer_endpoint), where=then), Step("Hangup()")]
    elif overflow and overflow.voicemail:
        leave = Step(f"VoiceMail({overflow.voicemail}@default,u)", where=then)
        steps += [leave, Step("Hangup()")]
    else:
        steps.append(Step("Hangup()"))
    comment = f"skill group {group.name}: queue, then overflow after {_seconds(group.max_wait)} s"
    return Context(queue_context(group.name), comment, (Extension("s", _at(group_at, steps)),))


def edges_context() -> Context:
    """Calls from an edge that no trunk's header identified: refused (the edges tag every
    call they forward)."""
    refuse = (Step("Hangup(21)"),)
    return Context(
        EDGES_CONTEXT,
        "calls from an edge without a trunk: refused",
        (Extension("_X.", refuse), Extension("_+X.", refuse)),
    )


def internal_context(extensions: list[str], transfer_endpoint: str) -> Context:
    """Agents' phones: dial each other by extension, and E.164 numbers out through a trunk."""
    dial = [
        Extension(ext, (Step(f"Dial(PJSIP/{ext},30)"), Step("Hangup()")))
        for ext in sorted(extensions)
    ]
    out = Extension(
        "_+X.", (Step(f"Dial(PJSIP/${{EXTEN}}@{transfer_endpoint},60)"), Step("Hangup()"))
    )
    return Context(
        INTERNAL_CONTEXT, "agents' phones: each other, and out through a trunk", (*dial, out)
    )
