"""Controls on who can reach the voice path and how it is protected on the wire: SIP/TLS and
SRTP toward carriers where the policy asks, and each edge admitting only its carriers and
the estate's PBXs; and the exposure section (ports and who may use them, per host)."""

from __future__ import annotations

from collections.abc import Iterator

from ccmsctl.compile.views import site_trunks
from ccmsctl.model.routing import card_ivrs
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.report.control import Control
from ccmsctl.report.inputs import Inputs
from ccmsctl.report.model import Evidence, Result, Row, Section, Status
from ccmsctl.validate.residency import in_transit_required

KAMAILIO = "etc/kamailio/kamailio.cfg"
DISPATCHER = "etc/kamailio/dispatcher.list"
ADDRESSES = "etc/kamailio/address.list"
PJSIP = "etc/asterisk/pjsip.conf"
KEEPALIVED = "etc/keepalived/keepalived.conf"


def _in_transit(inputs: Inputs) -> Iterator[Result]:
    for trunk in inputs.estate.of(Trunk):
        tls, srtp = in_transit_required(inputs.estate, trunk)
        cards = card_ivrs(inputs.estate, trunk.name)
        subject = f"Trunk/{trunk.name}"
        if cards and (trunk.transport != "tls" or not trunk.srtp):
            continue  # W0708 says so: card digits cross it in the clear
        if cards:
            tls = srtp = True  # card digits cross it (PCI DSS 4.2)
        if not tls and not srtp:
            yield Result(
                subject,
                Status.NOT_APPLICABLE,
                f"no policy of its sites asks for encryption in transit, and no card entry is "
                f"reached over it ({trunk.transport}" + (", SRTP)" if trunk.srtp else ", RTP)"),
                (inputs.model("Trunk", trunk.name, "name"),),
            )
            continue
        if (tls and trunk.transport != "tls") or (srtp and not trunk.srtp):
            continue  # E0706 says so
        evidence: list[Evidence | None] = []
        missing: list[str] = []
        if tls:
            evidence.append(inputs.model("Trunk", trunk.name, "transport"))
            for host in inputs.hosts("edge", trunk.sites):
                found = [inputs.artifact(host, KAMAILIO, "listen=tls:")]
                found += [
                    inputs.artifact(host, DISPATCHER, f"{peer.address}:") for peer in trunk.peers
                ]
                routes = found[1:]
                if found[0] is None or any(
                    e is None or "transport=tls" not in e.text for e in routes
                ):
                    missing.append(host)
                evidence += found
        if srtp:
            evidence.append(inputs.model("Trunk", trunk.name, "srtp"))
            for host in inputs.hosts("pbx", trunk.sites):
                line = inputs.artifact(
                    host, PJSIP, "media_encryption = sdes", within=f"[trunk-{trunk.name}]"
                )
                missing += [host] if line is None else []
                evidence.append(line)
        asked = " and ".join(a for a, on in (("SIP/TLS", tls), ("SRTP", srtp)) if on)
        yield Result(
            subject,
            Status.FAILED if missing else Status.PASSED,
            f"{asked} not enforced on {', '.join(sorted(set(missing)))}"
            if missing
            else f"{asked} toward {trunk.carrier}, on every edge and PBX of its sites",
            tuple(e for e in evidence if e is not None),
        )


def _carrier_acl(inputs: Inputs) -> Iterator[Result]:
    for site in inputs.estate.of(Site):
        peers = {str(p.address): t.name for t in site_trunks(inputs.estate, site) for p in t.peers}
        for host in inputs.hosts("edge", {site.name}):
            listed = _group(inputs, host, "1")
            evidence = [
                inputs.artifact(
                    host, KAMAILIO, 'allow_source_address("1") && !allow_source_address("2")) {'
                )
            ]
            evidence += [
                inputs.artifact(host, ADDRESSES, f"1 {address} ") for address in sorted(listed)
            ]
            unknown = sorted(set(listed) - set(peers))
            absent = sorted(set(peers) - set(listed))
            problems = [f"admits {a}, no carrier peer of the site" for a in unknown]
            problems += [f"refuses {a}, a peer of trunk {peers[a]}" for a in absent]
            if evidence[0] is None:
                problems.append("does not check the carrier ACL")
            yield Result(
                f"Site/{site.name}: {host}",
                Status.FAILED if problems else Status.PASSED,
                "; ".join(problems)
                or f"SIP only from its carriers' {len(listed)} peer(s) and the estate's PBXs; "
                "others get 403",
                tuple(e for e in evidence if e is not None),
            )


def _group(inputs: Inputs, host: str, group: str) -> list[str]:
    lines = inputs.lines(host, ADDRESSES)
    return [line.split()[1] for line in lines if line.startswith(f"{group} ")]


def exposure(inputs: Inputs) -> Section:
    """Per host: the ports it listens on, and who may use them."""
    rows: list[Row] = []
    for host in sorted(inputs.artifacts.host_vars):
        facts = inputs.artifacts.host_vars[host]
        files = inputs.artifacts.hosts.get(host, {})
        listens: list[Evidence] = []
        admits: list[str] = []
        if "edge" in facts.roles:
            for proto in ("udp", "tcp", "tls"):
                line = inputs.artifact(host, KAMAILIO, f"listen={proto}:")
                if line:
                    listens.append(line)
            admits.append(
                f"SIP from {len(_group(inputs, host, '1'))} carrier peer(s) and "
                f"{len(_group(inputs, host, '2'))} PBX(s) (address.list); others 403"
            )
            if KEEPALIVED in files:
                admits.append("VRRP (IP protocol 112) with its site's other edges")
        if "pbx" in facts.roles:
            for transport in ("udp", "tcp"):
                line = inputs.artifact(host, PJSIP, "bind =", within=f"[transport-{transport}]")
                if line:
                    listens.append(line)
            edges = inputs.artifact(host, PJSIP, "match =", within="[edges-identify]")
            if edges:
                listens.append(edges)
            admits.append(
                "calls from the estate's edges (by address); agents' phones with "
                "their digest password"
            )
        shown = ", ".join(
            e.text.replace("listen=", "").replace("bind = ", "")
            for e in listens
            if "match" not in e.text
        )
        rows.append(
            Row(
                (host, facts.site, ", ".join(facts.roles), shown, "; ".join(admits)), tuple(listens)
            )
        )
    return Section(
        "exposure",
        "Exposed ports and access control per host",
        "What each host listens on, and whom it admits, from its generated configuration.",
        ("host", "site", "roles", "listens", "admits"),
        tuple(rows),
    )


CONTROLS = (
    Control(
        "CC-ENC-1",
        "Encryption in transit toward carriers",
        "Trunks into a site whose jurisdiction's policy asks for it, and trunks whose calls "
        "reach card entry, carry signalling over SIP/TLS and media as SRTP, on every edge and "
        "PBX of the site.",
        ("PIPL Art. 51", "GDPR Art. 32", "China MLPS 2.0", "PDPO DPP4", "PCI DSS v4.0.1 4.2.1"),
        "Calls and caller data readable on the carrier's network.",
        ("E0706", "W0708"),
        _in_transit,
        severity="high",
        remediation=(
            "Set transport: tls and srtp: true on the trunk (with the site's TLS identity), or "
            "waive with the carrier's written assurance."
        ),
    ),
    Control(
        "CC-ACC-1",
        "Edges admit only their carriers and the estate's PBXs",
        "Each edge's carrier ACL lists exactly the peers of the trunks into its site (group 1) "
        "and the estate's PBXs (group 2), and refuses every other source.",
        ("China MLPS 2.0", "GDPR Art. 32", "PCI DSS v4.0.1 1.3", "PDPO DPP4"),
        "Toll fraud and call injection from any address on the internet.",
        (),
        _carrier_acl,
        severity="critical",
        remediation=(
            "Apply the estate so each edge admits exactly its site's carrier peers; find who "
            "edited the edge's address list."
        ),
    ),
)
