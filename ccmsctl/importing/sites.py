"""What the edges' files make of an imported site: its edge hosts and its PBXs' names, the
carriers' real peers (the PBXs reach them through the edges), the SIP domain, Prometheus's
scrapers, and for a twin pair the twin site with its PBXs and edges, the pair with its
VIPs and health check, and which site's numbers are which."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from ccmsctl.errors import UserError
from ccmsctl.importing.edges import Edge, Edges
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.pjsip import Pjsip

Documents = dict[str, list[dict[str, object]]]
TWIN_MODE, RTO = "active-standby", "60s"
RECEIVER = "ops"


class ImportOptionsError(UserError):
    """An option of the import (a site's name, its country or time zone) the model refuses,
    or one the files read ask for."""

    code = "E1903"


def trunk_peers(pjsip: Pjsip, edges: Edges) -> set[str]:
    """Each trunk the edges carry gets its peers and transport from them (the PBX's files
    name the edges there); the addresses the PBX's trunks reached are returned."""
    reached: set[str] = set()
    for _, document in pjsip.trunks.values():
        peers = document.get("peers")
        assert isinstance(peers, list)
        reached |= {str(peer["address"]) for peer in peers}
        found = edges.peers(str(document["name"]))
        if not found:
            continue
        document["peers"] = [
            {"address": address} | ({"port": port} if port != 5060 else {})
            for address, port, _ in found
        ]
        document.pop("transport", None)
        if found[0][2] != "udp":
            document["transport"] = found[0][2]
    return reached


def apply_edges(
    documents: Documents,
    ledger: Ledger,
    contacts: dict[str, set[str]],
    edges: Edges,
    *,
    site: str,
    twin: str,
    wanted: Callable[[str], dict[str, str]],
    stored: dict[str, set[str]],
) -> None:
    """Rewrite the imported `documents` of `site` by what its `edges` say (`contacts`: the
    addresses each PBX's trunks reach; `wanted`: a reference to a secret to add; `stored`:
    the PBXs that keep each retention class)."""
    ledger.absorb(edges.ledger)
    site_file = f"sites/{site}.yaml"
    site_doc = next(d for d in documents[site_file] if d["kind"] == "Site")
    pbxs = [h for h in site_doc.get("hosts", []) if "pbx" in h["roles"]]  # type: ignore[attr-defined]
    channels = {str(h["address"]): h.get("channels") for h in pbxs}
    groups = edges.pbx_sites() or [tuple(channels)]
    first = str(pbxs[0]["address"]) if pbxs else ""
    mine = next((g for g in groups if first in g), groups[0])
    others = [g for g in groups if g != mine]
    if others and not twin:
        shown = ", ".join(others[0])
        raise ImportOptionsError(
            f"the edges send calls to a twin site's PBXs ({shown}): give its name (--twin NAME) "
            "and its PBXs' and edges' folders with the site's"
        )
    if twin and not others:
        raise ImportOptionsError(f"--twin {twin}: the edges name no PBXs of another site")
    sites = {site: mine, **({twin: others[0]} if twin else {})}
    placed = _place_edges(edges.edges, sites, contacts)
    documents[site_file] = [d for d in documents[site_file] if d["kind"] != "Site"]
    for name, members in sites.items():
        hosts: list[dict[str, object]] = [
            {"name": edge.name, "roles": ["edge"], "address": edge.address} for edge in placed[name]
        ]
        for address in members:
            pbx: dict[str, object] = {
                "name": edges.pbx_names.get(address, f"{name}-pbx-{len(hosts) + 1}"),
                "roles": ["pbx"],
                "address": address,
            }
            if channels.get(address) or channels.get(first):
                pbx["channels"] = channels.get(address) or channels.get(first)
            hosts.append(pbx)
            if address not in channels:
                why = "the edges send calls to it; its folder was not read: import it too"
                ledger.assume(f"Site/{name}", "hosts", f"{pbx['name']} runs as {first}", why)
        document = {k: v for k, v in site_doc.items() if k not in ("hosts", "tls")}
        document |= {"name": name, "hosts": hosts}
        if any(edge.tls for edge in placed[name]):
            document["tls"] = {
                "certificate": wanted(f"tls-certificate-{name}"),
                "private_key": wanted(f"tls-private-key-{name}"),
            }
            why = "its edges take TLS: add the PEM certificate and key they present"
            ledger.assume(f"Site/{name}", "tls", "certificate and private key", why)
        documents.setdefault(f"sites/{name}.yaml", []).insert(0, document)
    ledger.assumed[:] = [
        a
        for a in ledger.assumed
        if not (a.subject == f"Site/{site}" and a.field in ("hosts", "tls"))
    ]
    if twin:
        documents[site_file].append(_pair(edges, placed, site, twin, ledger))
        _reach(documents, placed, sites, stored)
    else:
        ledger.unmodel(*edges.pair_lines)
        why = "a VIP and a health check are a twin pair's (TwinPair): import the twin with it"
        ledger.leave_all(edges.pair_lines, why)
    _estate(documents, edges, ledger)
    _numbers(documents, edges, sites, ledger)
    _claims(documents, edges, sites, ledger)


def _claims(
    documents: Documents, edges: Edges, sites: dict[str, tuple[str, ...]], ledger: Ledger
) -> None:
    """A line of the edges' lists that speaks of a trunk or a PBX the PBXs' files do not
    have is residue."""
    known = {
        "trunk": {str(t["name"]) for t in documents.get("carriers/trunks.yaml", [])},
        "pbx": {address for members in sites.values() for address in members},
    }
    for kind, key, statement in edges.claims:
        if key not in known[kind]:
            ledger.unmodel(statement)
            what = "a trunk" if kind == "trunk" else "a PBX"
            ledger.leave(statement, f"{what} none of the PBXs' files has")


def _place_edges(
    edges: list[Edge], sites: dict[str, tuple[str, ...]], contacts: dict[str, set[str]]
) -> dict[str, list[Edge]]:
    """Each edge's site: the one whose PBXs' trunks reach it (its VIP or its address); the
    site's edges in keepalived's order (the one holding the VIP first)."""
    placed: dict[str, list[Edge]] = {name: [] for name in sites}
    first = next(iter(sites))
    for edge in edges:
        owner = next(
            (
                name
                for name, members in sites.items()
                if any({edge.vip, edge.address} & contacts.get(pbx, set()) for pbx in members)
            ),
            first,
        )
        placed[owner].append(edge)
    for found in placed.values():
        found.sort(key=lambda edge: -edge.priority)
    return placed


def _pair(
    edges: Edges, placed: dict[str, list[Edge]], site: str, twin: str, ledger: Ledger
) -> dict[str, object]:
    """The twin pair of `site` and `twin`: VIPs and the health check from the edges."""
    name = f"{site}-{twin}"
    vips = [
        {"site": owner, "address": found[0].vip}
        for owner, found in placed.items()
        if found and found[0].vip
    ]
    check = next((edge.check for edge in edges.edges if edge.check), {})
    health: dict[str, object] = {}
    interval = check.get("interval") or edges.ping_interval
    timeout = check.get("timeout") or edges.silent_ms // 1000
    failures = check.get("fall") or edges.probing_threshold
    if interval:
        health["interval"] = f"{interval}s"
    if timeout:
        health["timeout"] = f"{timeout}s"
    if failures:
        health["failures"] = failures
    pair: dict[str, object] = {
        "kind": "TwinPair",
        "name": name,
        "sites": [site, twin],
        "mode": TWIN_MODE,
        "primary": site,
        "vips": vips,
    }
    if health:
        pair["health_check"] = health
    pair["rto"] = RTO
    subject = f"TwinPair/{name}"
    why = "not in the edges' files"
    ledger.assume(subject, "name", name, "the pair's name is in no file: its sites'")
    ledger.assume(subject, "mode", TWIN_MODE, why)
    ledger.assume(subject, "primary", site, why)
    ledger.assume(subject, "rto", RTO, why)
    return pair


def _reach(
    documents: Documents,
    placed: dict[str, list[Edge]],
    sites: dict[str, tuple[str, ...]],
    stored: dict[str, set[str]],
) -> None:
    """The trunks reach the sites whose edges admit their peers; a retention class is
    stored at the sites whose PBXs keep it."""
    for trunk in documents.get("carriers/trunks.yaml", []):
        reached = [
            name for name, found in placed.items() if any(trunk["name"] in e.trunks for e in found)
        ]
        if reached:
            trunk["sites"] = reached
    for policy in documents.get("compliance.yaml", []):
        for kept in policy.get("classes", []):  # type: ignore[attr-defined]
            pbxs = stored.get(kept["name"], set())
            kept["store"] = [name for name, members in sites.items() if pbxs & set(members)]


def _estate(documents: Documents, edges: Edges, ledger: Ledger) -> None:
    """The SIP domain (the edges' alias) and the scrapers (address.list's group 3)."""
    estate = next(d for d in documents["estate.yaml"] if d["kind"] == "Estate")
    if edges.domain:
        estate["sip_domain"] = edges.domain
        ledger.assumed[:] = [a for a in ledger.assumed if a.field != "sip_domain"]
    if edges.scrapers:
        name = f"{estate['name']}-alerting"
        documents.setdefault("monitoring/alerting.yaml", []).append(
            {"kind": "Alerting", "name": name, "receiver": RECEIVER, "scrapers": edges.scrapers}
        )
        why = "Alertmanager's receiver is in no file an edge or a PBX has"
        ledger.assume(f"Alerting/{name}", "receiver", RECEIVER, why)


def _numbers(
    documents: Documents, edges: Edges, sites: dict[str, tuple[str, ...]], ledger: Ledger
) -> None:
    """Each range is the site's whose PBXs its calls go to first (db/did); the DID table's
    rows of the imported numbers are modelled, the others left."""
    spans: list[tuple[int, int]] = []
    for document in documents.get("carriers/numbers.yaml", []):
        numbers = [str(document["first"])] if document.get("first") else document["numbers"]
        assert isinstance(numbers, list)
        owners = tuple(sorted(edges.owners(numbers[0].lstrip("+"))))
        for name, members in sites.items():
            if tuple(sorted(members)) == owners:
                document["site"] = name
        first = document.get("first")
        if first:
            spans.append((int(str(first)[1:]), int(str(document["last"])[1:])))
        else:
            spans += [(int(n[1:]), int(n[1:])) for n in numbers]
    spans.sort()
    starts = [start for start, _ in spans]
    for number, rows in edges.did_rows.items():
        index = bisect_right(starts, int(number)) - 1
        if index >= 0 and spans[index][0] <= int(number) <= spans[index][1]:
            ledger.model(*rows)
        else:
            ledger.leave_all(rows, "a number no trunk context of the PBXs answers")
