"""The names compile gives what it generates from the estate never meet: no two objects of
the estate get one PJSIP section, dialplan context, queue or alert, and none gets a name
ccmsctl keeps for its own (model/names.py: the names and the reserved ones)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ccmsctl.errors import Finding, Severity, SourceMap
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.ivr import IVR
from ccmsctl.model.kinds import Estate
from ccmsctl.model.names import (
    BUILT_IN_ALERT_PREFIX,
    DIALPLAN_OWN,
    PJSIP_OWN,
    QUEUES_OWN,
    alert_name,
    entry_context,
    node_context,
    queue_context,
    trunk_auth,
    trunk_context,
    trunk_endpoint,
    trunk_identify,
    trunk_registration,
)
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.routing import Where  # (kind, name, path): who gets the name
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.validate.check import Check

Named = tuple[str, Where, str]  # (generated name, who, what it is)


def _pjsip(estate: Estate) -> Iterator[Named]:
    for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
        where: Where = ("Trunk", trunk.name, ("name",))
        yield trunk_endpoint(trunk.name), where, f"the endpoint of Trunk '{trunk.name}'"
        yield trunk_identify(trunk.name), where, f"the identify of Trunk '{trunk.name}'"
        yield trunk_auth(trunk.name), where, f"the auth of Trunk '{trunk.name}'"
        yield trunk_registration(trunk.name), where, f"the registration of Trunk '{trunk.name}'"
    # agents' phones are their extensions, digits only: they never meet a trunk's section or
    # ccmsctl's own, and two agents with one extension are E0203


def _dialplan(estate: Estate) -> Iterator[Named]:
    for trunk in sorted(estate.of(Trunk), key=lambda t: t.name):
        where: Where = ("Trunk", trunk.name, ("name",))
        yield trunk_context(trunk.name), where, f"the calls of Trunk '{trunk.name}'"
    entries = sorted({(r.trunk, r.ivr, r.name) for r in estate.of(NumberRange)})
    seen: set[tuple[str, str]] = set()
    for trunk_name, ivr_name, numbers in entries:
        if (trunk_name, ivr_name) in seen:
            continue
        seen.add((trunk_name, ivr_name))
        where = ("NumberRange", numbers, ("ivr",))
        what = f"the entry of IVR '{ivr_name}' from Trunk '{trunk_name}'"
        yield entry_context(trunk_name, ivr_name), where, what
    for ivr in sorted(estate.of(IVR), key=lambda i: i.name):
        for node in sorted(ivr.nodes):
            where = ("IVR", ivr.name, ("nodes", node))
            yield node_context(ivr.name, node), where, f"node '{node}' of IVR '{ivr.name}'"
    for group in sorted(estate.of(SkillGroup), key=lambda g: g.name):
        where = ("SkillGroup", group.name, ("name",))
        yield queue_context(group.name), where, f"the queue of SkillGroup '{group.name}'"


def _queues(estate: Estate) -> Iterator[Named]:
    for group in sorted(estate.of(SkillGroup), key=lambda g: g.name):
        where: Where = ("SkillGroup", group.name, ("name",))
        yield group.name, where, f"the queue of SkillGroup '{group.name}'"


def _alerts(estate: Estate) -> Iterator[Named]:
    for alerting in sorted(estate.of(Alerting), key=lambda a: a.name):
        for index, threshold in enumerate(alerting.thresholds):
            where: Where = ("Alerting", alerting.name, ("thresholds", index, "name"))
            what = f"threshold '{threshold.name}' of Alerting '{alerting.name}'"
            yield alert_name(threshold.name), where, what


NAMESPACES: tuple[tuple[str, str, Callable[[Estate], Iterator[Named]], frozenset[str]], ...] = (
    ("PJSIP section", "pjsip.conf", _pjsip, PJSIP_OWN),
    ("dialplan context", "extensions.conf", _dialplan, DIALPLAN_OWN),
    ("queue", "queues.conf", _queues, QUEUES_OWN),
    ("alert", "the Prometheus rules", _alerts, frozenset()),
)


def _collisions(estate: Estate, sources: SourceMap, check: Check) -> Iterator[Finding]:
    for kind, file, names, own in NAMESPACES:
        first: dict[str, tuple[Where, str]] = {}
        reported: set[Where] = set()
        for name, where, what in names(estate):
            clash = ""
            if name in own or (kind == "alert" and name.startswith(BUILT_IN_ALERT_PREFIX)):
                clash = f"ccmsctl's own {kind} of that name in {file}"
            elif name in first and first[name] != (where, what):
                clash = f"{first[name][1]}, which gets the same name"
            first.setdefault(name, (where, what))
            if clash and where not in reported:
                reported.add(where)
                yield check.finding(
                    sources,
                    where,
                    f"{what} would be the {kind} '{name}', as is {clash}: one would shadow "
                    "the other",
                    "rename one of them",
                )


CHECKS = (
    Check(
        "E0205",
        Severity.ERROR,
        "Two generated objects, or one and ccmsctl's own, would get the same name.",
        _collisions,
    ),
)
