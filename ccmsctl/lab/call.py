"""Calls through the lab, as a carrier places them: SIPp from a trunk's peer address to an
edge, keys pressed as RFC 4733 telephone events, and what the call did. With Asterisk on the
PBXs, the call's record (the CDR row the PBX wrote) says which PBX took it, the IVR nodes it
went through, the queue it waited in and the recording made; with SIPp stand-ins, which
stand-in answered."""

from __future__ import annotations

import base64
import csv
import io
import os
import re
import secrets
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ccmsctl.compile.dialplan import recording_class_of
from ccmsctl.compile.pbx.layout import CDR_FOLDER, cdr_names
from ccmsctl.lab.clock import held_at
from ccmsctl.lab.dtmf import EVENTS, key_presses
from ccmsctl.lab.lab import SCENARIOS, Lab, LabError
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbering import to_national
from ccmsctl.model.routing import NumberIndex
from ccmsctl.model.trunk import Trunk
from ccmsctl.running import Ran, run
from ccmsctl.simulate.call import Simulation
from ccmsctl.simulate.route import NoRouteError, Router
from ccmsctl.waiting import first, until

CDR_NAMES = cdr_names()
CALLER = re.compile(r"^(\+?[0-9]{3,15}|[a-z][a-z0-9-]{0,31})$")


RECORD_WAIT = 10  # seconds a call's record and recording may take to appear
SETTLE = 1.5  # seconds after the answer before the first key


@dataclass(frozen=True)
class CallResult:
    did: str
    trunk: str
    source: str
    edge: str
    answered: bool
    pbx: str | None
    detail: str
    record: dict[str, str] = field(default_factory=dict)  # the CDR row (Asterisk PBXs)
    recording: Path | None = None  # the recording the PBX wrote, in the lab's folder
    stay: float = 0.0  # seconds the carrier meant to stay after the answer (keys and hold)

    def caller_left(self) -> bool:
        """Whether the carrier hung up (it stayed as long as it meant to) rather than the
        PBX (the call ended sooner)."""
        billed = self.record.get("billsec", "")
        return billed.isdigit() and int(billed) + 1 >= int(self.stay)

    @property
    def ivr_path(self) -> tuple[str, ...]:
        """The IVR nodes the call entered, in order (`node:invalid`, `node:timeout` for a
        wrong key or silence)."""
        return tuple(self.record.get("ccms_ivr_path", "").split())


def lab_call(
    lab: Lab,
    estate: Estate,
    did: str,
    *,
    digits: tuple[str, ...] = (),
    hold: float = 2.0,
    timeout: float = 60,
    caller: str = "carrier",
    gap: float = 2.0,
    at: datetime | None = None,
) -> CallResult:
    """Place one call to `did` as its carrier would: from the trunk's first peer to an edge of
    the owning site, with SIPp, pressing `digits` (RFC 4733) `gap` seconds apart once the call
    is answered, then staying `hold` seconds before hanging up (unless the PBX hangs up
    first); report where the call went. `caller`: who the call is from (the From user: a
    caller's number, as a carrier presents it). Each of `digits` is one prompt's answer: a
    key, or keys pressed one after the other (a card number). `at`: the instant the lab's
    Asterisk lives at for the call (libfaketime; None: real time)."""
    if not CALLER.match(caller):
        raise LabError(f"{caller!r} is no caller: a number (+ and digits) or a word")
    if digits and not lab.asterisk:
        raise LabError("the lab's PBXs are SIPp stand-ins (Asterisk is not installed): no IVR")
    unknown = [key for answer in digits for key in answer if key not in EVENTS]
    if unknown or any(not answer for answer in digits):
        raise LabError(f"{(unknown or [''])[0]!r} is not a key of a phone (0-9, * or #)")
    pressed = tuple(key for answer in digits for key in answer)
    moved = lab.estate(estate)
    owner = NumberIndex.of(moved).answering(did)
    if owner is None:
        raise LabError(f"{did} is in no NumberRange of the estate")
    try:
        entry = Router(moved).entry(owner)
    except NoRouteError as error:
        raise LabError(str(error)) from None
    trunk, edge = entry.trunk, entry.edge  # where its carrier sends it
    source = str(trunk.peers[0].address)
    if digits and trunk.srtp:
        raise LabError(
            f"trunk {trunk.name} asks for SRTP, and the lab's carrier (SIPp) sends keys as plain"
            " RTP only: call without --digits"
        )
    call_id = f"ccmsctl-call-{os.getpid()}-{time.time_ns()}"
    scenario = SCENARIOS / "carrier_uac.xml"
    if lab.asterisk:
        calls = lab.folder / "calls"
        calls.mkdir(exist_ok=True)
        presses = []
        for n, recording in enumerate(key_presses(pressed)):
            presses.append(calls / f"{call_id}-{n}.pcap")
            presses[-1].write_bytes(recording)
        scenario = calls / f"{call_id}.xml"
        scenario.write_text(
            ivr_scenario(presses, hold, srtp=trunk.srtp, caller=caller, gap=gap), encoding="utf-8"
        )
    pbxs = {target.name for target in entry.set.targets} & {h.name for h in lab.hosts}
    with held_at(lab, at, pbxs) if lab.asterisk else nullcontext():
        done = carrier_call(
            source,
            str(edge.address),
            as_written(did, trunk),
            timeout=timeout,
            scenario=scenario,
            extra=("-cid_str", f"{call_id}-%u-%p@%s"),
        )
    answered = done.ok
    detail = "" if answered else "\n".join((done.stdout + done.stderr).splitlines()[-8:])
    stay = SETTLE + len(pressed if lab.asterisk else ()) * gap + hold
    result = CallResult(did, trunk.name, source, edge.name, answered, None, detail, stay=stay)
    if lab.asterisk:
        return _with_record(lab, result, call_id) if answered else result
    return _with_stand_in(lab, result, call_id) if answered else result


def as_written(did: str, trunk: Trunk) -> str:
    """`did` as the trunk's carrier writes it: E.164, or its country's national form."""
    country = trunk.national_numbers
    return (to_national(did, country) or did) if country else did


def _with_record(lab: Lab, result: CallResult, call_id: str) -> CallResult:
    """The call's CDR row, found on the PBX that wrote it (bounded wait: a PBX writes it as
    the call ends, and its recording once the recording is closed, and encrypted if its
    class asks); one limit for both waits."""
    started = time.monotonic()
    found = first(lambda: _record_of(lab, call_id), RECORD_WAIT, 0.2)
    if found is None:
        return replace(result, detail="no PBX wrote a record of the call")
    host, row = found
    parts = row["ccms_recording"].split()
    recording = Path(parts[-1]) if parts else None
    if recording is not None:
        until(recording.is_file, RECORD_WAIT - (time.monotonic() - started), 0.2)
    return replace(result, pbx=host, record=row, recording=recording)


def _record_of(lab: Lab, call_id: str) -> tuple[str, dict[str, str]] | None:
    """The PBX that wrote the call's CDR row, and the row."""
    for host in lab.hosts:
        if "pbx" in host.roles:
            for row in _cdr_rows(host.root / CDR_FOLDER.lstrip("/")):
                if row.get("ccms_call_id", "").startswith(call_id):
                    return host.name, row
    return None


def _cdr_rows(folder: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted(folder.glob("*.csv")):
        text = _read(path)
        rows += [dict(zip(CDR_NAMES, row, strict=False)) for row in csv.reader(io.StringIO(text))]
    return rows


def _with_stand_in(lab: Lab, result: CallResult, call_id: str) -> CallResult:
    """Which SIPp stand-in answered (they write their traces a little later)."""
    answered = first(
        lambda: next(
            (
                host.name
                for host in lab.hosts
                if "pbx" in host.roles and call_id in _read(host.root / "run" / "sipp.msg")
            ),
            None,
        ),
        3,
    )
    return result if answered is None else replace(result, pbx=answered)


def ivr_scenario(
    presses: list[Path],
    hold: float,
    *,
    srtp: bool = False,
    settle: float = SETTLE,
    gap: float = 2.0,
    caller: str = "carrier",
) -> str:
    """A SIPp scenario: the carrier's INVITE (PCMA and telephone events; with `srtp`, offered
    as SDES-SRTP with a key of its own), `settle` seconds after the answer, then each key
    press (a pcap of RFC 4733 events) `gap` seconds apart, then `hold` seconds on the line;
    whoever hangs up first (the PBX may, between key presses), the call ends cleanly."""
    crypto = ""
    if srtp:
        key = base64.b64encode(secrets.token_bytes(30)).decode()
        crypto = f"      a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key}\n"
    keys = "".join(
        f'  <nop><action><exec play_pcap_audio="{press}"/></action></nop>\n'
        f'  <recv request="BYE" timeout="{int(gap * 1000)}" ontimeout="key{n}"'
        ' next="pbx_hangs_up"/>\n'
        f'  <label id="key{n}"/>\n'
        for n, press in enumerate(presses)
    )
    return (
        (SCENARIOS / "carrier_ivr.xml")
        .read_text(encoding="utf-8")
        .replace("<!-- KEYS -->\n", keys)
        .replace("<!-- CRYPTO -->\n", crypto)
        .replace("RTP/PROFILE", "RTP/SAVP" if srtp else "RTP/AVP")
        .replace("SETTLE_MS", str(int(settle * 1000)))
        .replace("HOLD_MS", str(int(hold * 1000)))
        .replace("sip:carrier@", f"sip:{caller}@")
    )


def carrier_call(
    source: str,
    edge: str,
    did: str,
    *,
    timeout: float = 30,
    scenario: Path = SCENARIOS / "carrier_uac.xml",
    extra: tuple[str, ...] = (),
) -> Ran:
    """One SIPp call as a carrier at `source` to `did` through the edge at `edge`:5060;
    exit status 0 means it was answered and hung up cleanly."""
    return run(
        [
            "sipp",
            "-sf",
            str(scenario),
            "-i",
            source,
            "-p",
            "5060",
            "-s",
            did,
            f"{edge}:5060",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            str(int(timeout)),
            "-timeout_error",
            *extra,
        ],
        timeout=timeout + 30,
        installed_by="sip-tester",
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def prediction_differences(predicted: Simulation, result: CallResult) -> list[str]:
    """Where the real call went otherwise than the simulator said: the PBX that answered,
    the IVR nodes in order, the queue it waited in, the class of its recording. A call the
    carrier hung up before its end is compared as far as it went: its nodes must begin the
    predicted ones, and the queue and recording count only where it reached them."""
    nodes = tuple(hop.facts["node"] for hop in predicted.hops if hop.kind == "node")
    queue = predicted.outcome.target if predicted.outcome.kind == "queue" else ""
    recorded = next((hop.facts["class"] for hop in predicted.hops if hop.kind == "record"), "")
    pbx = next((hop.facts["pbx"] for hop in predicted.hops if hop.kind == "pbx"), "")
    real_nodes = tuple(node for node in result.ivr_path if ":" not in node)
    real_queue = result.record.get("ccms_skill_group", "")
    real_recording = recording_class_of(str(result.recording)) if result.recording else ""
    if result.caller_left() and real_nodes == nodes[: len(real_nodes)]:
        nodes = real_nodes  # the caller left at the last node it reached
        queue = queue if real_queue else ""
        recorded = recorded if real_recording else ""
    pairs = [
        ("PBX", pbx, result.pbx or ""),
        ("IVR path", " > ".join(nodes), " > ".join(real_nodes)),
        ("queue", queue, real_queue),
        ("recording class", recorded, real_recording),
    ]
    return [
        f"{what}: predicted {a or '(none)'}, was {b or '(none)'}" for what, a, b in pairs if a != b
    ]
