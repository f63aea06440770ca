"""The card-entry control (PCI DSS): on every PBX that answers an IVR with a card-collecting
node, a recording running is stopped before the caller keys in the card and the digits go
into no call record."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import node_context
from ccmsctl.model.routing import card_nodes, ivrs_answered
from ccmsctl.model.site import Site
from ccmsctl.report.control import Control
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import Result, Status
from ccmsctl.report.retention import EXTENSIONS


def card_entry(estate: Estate) -> Iterator[tuple[IVR, str]]:
    """(IVR, node) for every node of the estate where callers key in card data."""
    for ivr in sorted(estate.of(IVR), key=lambda i: i.name):
        for name in card_nodes(ivr):
            yield ivr, name


def _answering(inputs: Inputs, ivr: str) -> list[str]:
    sites = {s.name for s in inputs.estate.of(Site) if ivr in ivrs_answered(inputs.estate, s.name)}
    return list(inputs.hosts("pbx", sites))


def _paused(inputs: Inputs) -> Iterator[Result]:
    for ivr, name in card_entry(inputs.estate):
        context = f"[{node_context(ivr.name, name)}]"
        evidence = [inputs.model("IVR", ivr.name, "nodes", name, "card")]
        unsafe = []
        for host in _answering(inputs, ivr.name):
            stop = inputs.artifact(host, EXTENSIONS, "StopMixMonitor()", within=context)
            read = inputs.artifact(host, EXTENSIONS, "Read(CCMS_CARD_", within=context)
            lines = inputs.lines(host, EXTENSIONS)
            kept = any("CDR(" in line and "CCMS_CARD_" in line for line in lines)
            ordered = stop and read and stop.span.line < read.span.line
            if not ordered or kept:
                unsafe.append(host)
            evidence += [e for e in (stop, read) if e]
        yield Result(
            f"IVR/{ivr.name}: {name}",
            Status.FAILED if unsafe else Status.PASSED,
            f"card digits may be recorded or kept on {', '.join(unsafe)}"
            if unsafe
            else "a recording running stops before the card is keyed in and resumes after; "
            "the digits are in no call record",
            tuple(evidence),
        )


CONTROLS = (
    Control(
        "CC-PCI-1",
        "Card entry is never recorded",
        "On IVR nodes that collect card numbers, call recording is paused while the caller "
        "keys them in, and the digits are kept in no call record.",
        ("PCI DSS v4.0.1 3.3.1", "PCI DSS v4.0.1 3.5.1"),
        "Card numbers in call recordings: the whole recording estate in PCI scope, fines.",
        (),
        _paused,
        severity="critical",
        remediation=(
            "Mark the card-number collect node card: true, so the recording pauses while the "
            "caller keys the card."
        ),
    ),
)
