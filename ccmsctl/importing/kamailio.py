"""`ccmsctl import kamailio DIR... --into ESTATE`: what a running Kamailio's lists say of an
estate. address.list (`group address netmask port tag`): an address tagged with a trunk's
name is a peer of that trunk (added to it where the estate lacks it); an address of a host
or a Prometheus scraper of the estate is known. dispatcher.list (`setid destination flags
priority attributes`): a destination is a PBX of the estate or a trunk's peer.

Every line is modelled or listed with why; the rest of the folder (kamailio.cfg, ...) is
listed line by line as not imported: ccmsctl writes an edge's configuration from the
estate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from ccmsctl.errors import Span
from ccmsctl.importing.conf import Statement
from ccmsctl.importing.ledger import Ledger
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk

LISTS = ("address.list", "dispatcher.list")
_DESTINATION = re.compile(r"^sips?:([0-9.]+)(?::([0-9]+))?(?:;.*)?$")


@dataclass
class KamailioLists:
    """The peers to add to each trunk (address, port), and the ledger of the lines."""

    peers: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)


def import_kamailio(folders: list[Path], estate: Estate) -> KamailioLists:
    found = KamailioLists()
    known = _Known(estate)
    for folder in folders:
        prefix = f"{folder.name}/" if len(folders) > 1 else ""
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            lines = config_lines(path, prefix + path.name)
            found.ledger.add_statements(lines)
            if path.name == "address.list":
                for statement in lines:
                    _address(statement, known, found)
            elif path.name == "dispatcher.list":
                for statement in lines:
                    _destination(statement, known, found)
            else:
                why = f"{path.name} is not imported: ccmsctl writes an edge's files from the estate"
                found.ledger.leave_all(lines, why)
    return found


class _Known:
    """What the estate already has, by address."""

    def __init__(self, estate: Estate) -> None:
        self.trunks = estate.index(Trunk)
        self.peers = {
            (str(peer.address), peer.port): trunk.name
            for trunk in self.trunks.values()
            for peer in trunk.peers
        }
        self.hosts = {
            str(host.address): host.name for site in estate.of(Site) for host in site.hosts
        }
        self.scrapers = [net for alerting in estate.of(Alerting) for net in alerting.scrapers]


def config_lines(path: Path, shown: str) -> list[Statement]:
    """The lines of `path` that say something (not blank, not a `#` or `//` comment): a
    Kamailio or keepalived file, or one of Kamailio's lists."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "//")):
            column = len(line) - len(line.lstrip()) + 1
            found.append(Statement(Span(shown, number, column), stripped))
    return found


def _address(statement: Statement, known: _Known, found: KamailioLists) -> None:
    fields = statement.text.split()
    ledger = found.ledger
    if len(fields) < 2 or not _ipv4(fields[1]):
        ledger.leave(statement, "not an address.list line: group address netmask port tag")
        return
    address, mask = fields[1], fields[2] if len(fields) > 2 else "32"
    port = int(fields[3]) if len(fields) > 3 and fields[3].isdigit() else 0
    tag = fields[4] if len(fields) > 4 else ""
    if _known_address(address, mask, port or 5060, known):
        ledger.model(statement)
    elif tag in known.trunks and mask == "32":
        peers = found.peers.setdefault(tag, [])
        if (address, port or 5060) not in peers:
            peers.append((address, port or 5060))
        ledger.model(statement)
    else:
        why = "an address no trunk (by its tag), host or Prometheus scraper of the estate has"
        ledger.leave(statement, why)


def _destination(statement: Statement, known: _Known, found: KamailioLists) -> None:
    fields = statement.text.split()
    target = _DESTINATION.match(fields[1]) if len(fields) > 1 else None
    if target is None:
        found.ledger.leave(statement, "not a dispatcher.list line: setid sip:address:port ...")
        return
    address, port = target.group(1), int(target.group(2) or 5060)
    added = any((address, port) in peers for peers in found.peers.values())
    if (address in known.hosts and port == 5060) or (address, port) in known.peers or added:
        found.ledger.model(statement)
    else:
        why = "a destination no PBX or carrier peer of the estate (nor address.list) has"
        found.ledger.leave(statement, why)


def _known_address(address: str, mask: str, port: int, known: _Known) -> bool:
    """Whether the estate has `address`: a host's, a trunk's peer's, a scraper network."""
    if mask == "32" and (address in known.hosts or (address, port) in known.peers):
        return True
    return mask.isdigit() and _scraper(f"{address}/{mask}", known)


def _scraper(network: str, known: _Known) -> bool:
    try:
        wanted = IPv4Network(network, strict=False)
    except ValueError:
        return False
    return wanted in known.scrapers


def _ipv4(text: str) -> bool:
    try:
        IPv4Address(text)
    except ValueError:
        return False
    return True
