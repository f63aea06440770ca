"""Risk flags read from the models, not from compiled files (a residency rule widened
compiles to nothing, yet a reviewer must see it): retention shortened, residency widened,
trunk channels cut, a twin pair weakened, a waiver added or extended."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.model.waiver import Waiver
from ccmsctl.review.model import Risk, Side


def retention_risks(base: Side, change: Side) -> Iterator[Risk]:
    def classes(side: Side) -> dict[str, tuple[str, int, RetentionPolicy]]:
        return {
            kept.name: (policy.name, index, policy)
            for policy in side.estate.of(RetentionPolicy)
            for index, kept in enumerate(policy.classes)
        }

    before, after = classes(base), classes(change)
    for name, (policy_name, index, policy) in sorted(before.items()):
        old = policy.classes[index]
        if name not in after:
            yield Risk(
                "retention shortened",
                f"retention class {name} removed (kept {old.keep.days} days)",
                base.at("RetentionPolicy", policy_name, "classes", index, "name"),
            )
            continue
        new_policy_name, new_index, new_policy = after[name]
        new = new_policy.classes[new_index]
        at = ("RetentionPolicy", new_policy_name, "classes", new_index)
        if new.keep < old.keep:
            yield Risk(
                "retention shortened",
                f"{name}: {old.data_class} kept {new.keep.days} days, was {old.keep.days}",
                change.at(*at, "keep"),
            )
        if old.legal_hold and not new.legal_hold:
            yield Risk(
                "retention shortened",
                f"{name}: legal hold lifted: its data is purged after {new.keep.days} days",
                change.at(*at, "name"),
            )
        if old.encryption_at_rest and not new.encryption_at_rest:
            yield Risk(
                "retention shortened",
                f"{name}: no longer encrypted at rest",
                change.at(*at, "name"),
            )


def residency_risks(base: Side, change: Side) -> Iterator[Risk]:
    def rules(side: Side) -> dict[tuple[str, str], tuple[str, int, frozenset[str], str]]:
        found: dict[tuple[str, str], tuple[str, int, frozenset[str], str]] = {}
        for policy in side.estate.of(ResidencyPolicy):
            for index, rule in enumerate(policy.rules):
                found[(policy.jurisdiction, rule.data_class)] = (
                    policy.name,
                    index,
                    frozenset(rule.allowed_countries),
                    rule.cross_border,
                )
        return found

    before = rules(base)
    for key, (name, index, countries, border) in sorted(rules(change).items()):
        jurisdiction, data_class = key
        old = before.get(key)
        wider = countries - (old[2] if old else frozenset())
        where = change.at("ResidencyPolicy", name, "rules", index, "allowed_countries")
        if old is None:
            yield Risk(
                "residency widened",
                f"{jurisdiction} {data_class} data may now be kept in "
                f"{', '.join(sorted(countries))}",
                where,
            )
        elif wider:
            yield Risk(
                "residency widened",
                f"{jurisdiction} {data_class} data may now also be kept in "
                f"{', '.join(sorted(wider))} (was {', '.join(sorted(old[2]))})",
                where,
            )
        elif old[3] == "forbidden" and border == "allowed":
            yield Risk(
                "residency widened",
                f"{jurisdiction} {data_class} data may now cross the border",
                change.at("ResidencyPolicy", name, "rules", index, "cross_border"),
            )


def trunk_risks(base: Side, change: Side) -> Iterator[Risk]:
    after = change.estate.index(Trunk)
    for name, old in sorted(base.estate.index(Trunk).items()):
        new = after.get(name)
        if new is None:
            yield Risk(
                "trunk channels cut",
                f"trunk {name} removed ({old.channels} channels)",
                base.at("Trunk", name, "name"),
            )
        elif new.channels < old.channels:
            yield Risk(
                "trunk channels cut",
                f"trunk {name}: {new.channels} channels, was {old.channels}",
                change.at("Trunk", name, "channels"),
            )


def _capacity(side: Side, site: str) -> tuple[int, int]:
    """(edges, PBX channels) of `site`."""
    found = side.estate.index(Site).get(site)
    if found is None:
        return 0, 0
    return len(found.hosts_with("edge")), sum(h.channels for h in found.hosts_with("pbx"))


def twin_risks(base: Side, change: Side) -> Iterator[Risk]:
    after = change.estate.index(TwinPair)
    for name, old in sorted(base.estate.index(TwinPair).items()):
        new = after.get(name)
        if new is None:
            yield Risk(
                "twin pair weakened",
                f"twin pair {name} removed: {' and '.join(old.sites)} no longer back each other up",
                base.at("TwinPair", name, "name"),
            )
            continue
        if new.rto > old.rto:
            yield Risk(
                "twin pair weakened",
                f"{name}: recovery time objective {int(new.rto.total_seconds())} s, "
                f"was {int(old.rto.total_seconds())} s",
                change.at("TwinPair", name, "rto"),
            )
        if new.health_check.interval > old.health_check.interval:
            yield Risk(
                "twin pair weakened",
                f"{name}: health checked every {int(new.health_check.interval.total_seconds())} s, "
                f"was {int(old.health_check.interval.total_seconds())} s",
                change.at("TwinPair", name, "health_check", "interval"),
            )
        for site in new.sites:
            (edges, channels), (old_edges, old_channels) = (
                _capacity(change, site),
                _capacity(base, site),
            )
            if edges < old_edges or channels < old_channels:
                yield Risk(
                    "twin pair weakened",
                    f"{name}: site {site} has {edges} edge(s) and {channels} PBX channels, "
                    f"was {old_edges} and {old_channels}",
                    change.at("Site", site, "hosts"),
                )


def waiver_risks(base: Side, change: Side) -> Iterator[Risk]:
    before = base.estate.index(Waiver)
    for name, new in sorted(change.estate.index(Waiver).items()):
        old = before.get(name)
        if old is None:
            yield Risk(
                "waiver added",
                f"{new.code} on {new.target} waived by {new.approved_by} until "
                f"{new.expires.isoformat()}",
                change.at("Waiver", name, "code"),
            )
        elif new.expires > old.expires or (new.code, new.target) != (old.code, old.target):
            yield Risk(
                "waiver extended",
                f"{new.code} on {new.target} waived until {new.expires.isoformat()}, "
                f"was {old.expires.isoformat()}",
                change.at("Waiver", name, "expires"),
            )
