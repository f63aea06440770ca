"""The edges of a site (or of a twin pair) as `ccmsctl import asterisk --edges` reads them:
each edge's configuration folder (an /etc holding kamailio/ and keepalived/, or the
kamailio folder itself). What they say that the PBXs' files do not:

- kamailio.cfg: the edge's address (its first `listen`), a TLS listener, the SIP domain
  (`alias`), the edge's name (the user of the dispatcher's `ds_ping_from`), how often the
  PBXs are pinged and after how many failures one is out, how long a PBX may be silent.
- keepalived.conf: the site's VIP, the edge that holds it first (MASTER, the highest
  priority), keepalived's check of Kamailio (interval, timeout, fall).
- address.list: the carriers' peers by trunk (group 1, tagged with the trunk's name), the
  PBXs by name (group 2), Prometheus's scrapers (group 3).
- dispatcher.list: the PBX sets (a site's own PBXs first, then its twin's) and the
  carriers' sets (each peer's port and transport).
- db/did: which PBX set each number goes to, so whose site it is; db/trunks: the trunks.

Every line is modelled or left with why, as for the PBXs' files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from ccmsctl.importing.conf import Statement
from ccmsctl.importing.kamailio import config_lines
from ccmsctl.importing.ledger import Ledger
from ccmsctl.importing.names import folder_label

KAMAILIO_WRITTEN = "ccmsctl writes kamailio.cfg from the estate"
KEEPALIVED_WRITTEN = "ccmsctl writes keepalived.conf from the estate"
CARRIERS, PBXS, SCRAPERS = "1", "2", "3"  # address.list's groups as ccmsctl writes them
_LISTEN = re.compile(r"^listen\s*=\s*(udp|tcp|tls):([0-9.]+):([0-9]+)\s*$")
_ALIAS = re.compile(r'^alias\s*=\s*"([^"]+)"\s*$')
_MODPARAM = re.compile(r'^modparam\("dispatcher",\s*"(\w+)",\s*"?([^")]*)"?\)\s*;?$')
_PING_FROM = re.compile(r"^sip:([^@]+)@")
_SILENT = re.compile(r"^t_set_fr\(0,\s*([0-9]+)\);$")
_DESTINATION = re.compile(r"^sips?:([0-9.]+)(?::([0-9]+))?(?:;transport=(\w+))?$")
_DUID = re.compile(r"(?:^|;)duid=([^;]+)")
_DID = re.compile(r"^[0-9]+:(\+?[0-9]+):0:1:([0-9]+):0$")
_TRUNK_ROW = re.compile(r"^[0-9]+:([^:]+):0:1:([^:]+):0$")


@dataclass
class Edge:
    """One edge host as its files say it."""

    name: str = ""
    address: str = ""
    vip: str = ""
    tls: bool = False
    priority: int = 0  # keepalived's: the highest holds the VIP first
    check: dict[str, int] = field(default_factory=dict)  # keepalived's interval, timeout, fall
    trunks: set[str] = field(default_factory=set)  # whose peers it admits (address.list)


@dataclass(frozen=True)
class Destination:
    address: str
    port: int
    transport: str
    priority: int
    name: str


@dataclass
class Edges:
    """What a site's edges say, with the ledger of their lines."""

    edges: list[Edge] = field(default_factory=list)
    domain: str = ""
    pbx_names: dict[str, str] = field(default_factory=dict)  # address: host name
    # each trunk's peers: (address, port, transport), the dispatcher's order first
    dispatched: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    admitted: dict[str, list[str]] = field(default_factory=dict)  # address.list's, by trunk
    scrapers: list[str] = field(default_factory=list)
    sets: dict[int, list[Destination]] = field(default_factory=dict)
    dids: dict[str, int] = field(default_factory=dict)  # number: PBX set
    did_rows: dict[str, list[Statement]] = field(default_factory=dict)
    ping_interval: int = 0
    probing_threshold: int = 0
    silent_ms: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    # what only a twin pair has a field for (its VIPs, its health check)
    pair_lines: list[Statement] = field(default_factory=list)
    # lines that speak of a trunk (by name) or a PBX (by address): modelled if it is imported
    claims: list[tuple[str, str, Statement]] = field(default_factory=list)

    def owners(self, number: str) -> tuple[str, ...]:
        """The PBXs (addresses) a number's calls go to first."""
        destinations = self.sets.get(self.dids.get(number, -1), [])
        top = max((d.priority for d in destinations), default=0)
        return tuple(sorted(d.address for d in destinations if d.priority == top))

    def pbx_sites(self) -> list[tuple[str, ...]]:
        """The PBXs of each site (by address), as the PBX sets say: a set's first
        destinations are its site's PBXs in the site's order, the next ones its twin's."""
        found: list[tuple[str, ...]] = []
        for number in sorted(self.sets):
            destinations = [d for d in self.sets[number] if d.address in self.pbx_names]
            levels = sorted({d.priority for d in destinations}, reverse=True)[:2]
            for level in levels:
                members = tuple(d.address for d in destinations if d.priority == level)
                if not any(set(members) & set(known) for known in found):
                    found.append(members)
        return found

    def peers(self, trunk: str) -> list[tuple[str, int, str]]:
        """The trunk's peers, in the dispatcher's order, then those only admitted."""
        found = list(self.dispatched.get(trunk, []))
        known = {address for address, _, _ in found}
        transport = found[0][2] if found else "udp"
        admitted = sorted(self.admitted.get(trunk, []), key=IPv4Address)
        return found + [(address, 5060, transport) for address in admitted if address not in known]


def read_edges(folders: list[Path]) -> Edges:
    """The edges in `folders`; each a folder holding kamailio/ (and keepalived/), or
    kamailio.cfg itself."""
    found = Edges()
    for folder in folders:
        kamailio = folder / "kamailio" if (folder / "kamailio").is_dir() else folder
        keepalived = folder / "keepalived" / "keepalived.conf"
        shown = f"{folder_label(folder)}/" if len(folders) > 1 else ""
        edge = Edge()
        for path in _files(kamailio):
            relative = path.relative_to(kamailio).as_posix()
            prefix = "kamailio/" if kamailio != folder else ""
            lines = config_lines(path, f"{shown}{prefix}{relative}")
            found.ledger.add_statements(lines)
            reader = _READERS.get(relative)
            if reader is None:
                why = f"{relative} is not imported: ccmsctl writes an edge's files from the estate"
                found.ledger.leave_all(lines, why)
                continue
            for statement in lines:
                reader(statement, edge, found)
        if keepalived.is_file():
            lines = config_lines(keepalived, f"{shown}keepalived/keepalived.conf")
            found.ledger.add_statements(lines)
            _keepalived(lines, edge, found)
        if not edge.name:
            edge.name = folder_label(folder)
        found.edges.append(edge)
    return found


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _config(statement: Statement, edge: Edge, found: Edges) -> None:
    """A line of kamailio.cfg: the few that say something of the estate are modelled."""
    text, ledger = statement.text, found.ledger
    if listen := _LISTEN.match(text):
        protocol, address, port = listen.groups()
        if protocol == "tls":
            edge.tls = True
        elif not edge.address and port == "5060":
            edge.address = address
        ledger.model(statement)
    elif alias := _ALIAS.match(text):
        found.domain = found.domain or alias.group(1)
        ledger.model(statement)
    elif (param := _MODPARAM.match(text)) and _dispatcher(param.groups(), edge, found):
        ledger.model(statement)
        if param.group(1) != "ds_ping_from":
            found.pair_lines.append(statement)
    elif silent := _SILENT.match(text):
        found.silent_ms = int(silent.group(1))
        ledger.model(statement)
        found.pair_lines.append(statement)
    else:
        ledger.leave(statement, KAMAILIO_WRITTEN)


def _dispatcher(param: tuple[str | None, ...], edge: Edge, found: Edges) -> bool:
    name, value = param[0] or "", param[1] or ""
    if name == "ds_ping_from" and (user := _PING_FROM.match(value)):
        edge.name = user.group(1)
        return True
    if name in ("ds_ping_interval", "ds_probing_threshold") and value.isdigit():
        if name == "ds_ping_interval":
            found.ping_interval = int(value)
        else:
            found.probing_threshold = int(value)
        return True
    return False


def _address(statement: Statement, edge: Edge, found: Edges) -> None:
    fields = statement.text.split()
    if len(fields) != 5 or not _ipv4(fields[1]) or not fields[3].isdigit():
        found.ledger.leave(statement, "not an address.list line: group address netmask port tag")
        return
    group, address, mask, _, tag = fields
    if group == CARRIERS and mask == "32":
        admitted = found.admitted.setdefault(tag, [])
        if address not in admitted:
            admitted.append(address)
        edge.trunks.add(tag)
        found.claims.append(("trunk", tag, statement))
    elif group == PBXS and mask == "32":
        found.pbx_names.setdefault(address, tag)
        found.claims.append(("pbx", address, statement))
    elif group == SCRAPERS and mask.isdigit() and _network(f"{address}/{mask}"):
        network = str(IPv4Network(f"{address}/{mask}", strict=False))
        if network not in found.scrapers:
            found.scrapers.append(network)
    else:
        found.ledger.leave(
            statement, "a group ccmsctl does not write (1 carriers, 2 PBXs, 3 scrapers)"
        )
        return
    found.ledger.model(statement)


def _destination(statement: Statement, edge: Edge, found: Edges) -> None:
    fields = statement.text.split()
    target = _DESTINATION.match(fields[1]) if len(fields) >= 4 else None
    if target is None or not fields[0].isdigit() or not fields[3].isdigit():
        found.ledger.leave(statement, "not a dispatcher.list line: setid sip:address:port ...")
        return
    address, port, transport = target.group(1), int(target.group(2) or 5060), target.group(3)
    duid = _DUID.search(fields[4]) if len(fields) > 4 else None
    name = duid.group(1) if duid else ""
    destination = Destination(address, port, transport or "udp", int(fields[3]), name)
    destinations = found.sets.setdefault(int(fields[0]), [])
    if destination not in destinations:
        destinations.append(destination)
    trunk, _, index = name.rpartition("-")  # a carrier's peer is TRUNK-N
    if address in found.pbx_names:
        found.claims.append(("pbx", address, statement))
    elif trunk and index.isdigit():
        peers = found.dispatched.setdefault(trunk, [])
        if (address, port, destination.transport) not in peers:
            peers.append((address, port, destination.transport))
        found.claims.append(("trunk", trunk, statement))
    else:
        why = "a destination neither a PBX (address.list's group 2) nor a carrier's peer (TRUNK-N)"
        found.ledger.leave(statement, why)
        return
    found.ledger.model(statement)


def _did(statement: Statement, edge: Edge, found: Edges) -> None:
    row = _DID.match(statement.text)
    if row is None:
        if statement.text.startswith("id(int,auto)"):
            found.ledger.model(statement)
        else:
            found.ledger.leave(statement, "not a row of the DID table: id:number:0:1:set:0")
        return
    found.dids.setdefault(row.group(1), int(row.group(2)))
    found.did_rows.setdefault(row.group(1), []).append(statement)  # modelled by the numbers


def _trunk_row(statement: Statement, edge: Edge, found: Edges) -> None:
    """A row of the table of trunks whose calls the edge counts."""
    row = _TRUNK_ROW.match(statement.text)
    if row is not None:
        found.claims.append(("trunk", row.group(1), statement))
    if row is not None or statement.text.startswith("id(int,auto)"):
        found.ledger.model(statement)
    else:
        found.ledger.leave(statement, "not a row of the trunks table: id:name:0:1:name:0")


_READERS = {
    "kamailio.cfg": _config,
    "address.list": _address,
    "dispatcher.list": _destination,
    "db/did": _did,
    "db/trunks": _trunk_row,
}


def _keepalived(lines: list[Statement], edge: Edge, found: Edges) -> None:
    """keepalived.conf: blocks by name; the VIP, the priority, the check."""
    ledger = found.ledger
    blocks: list[str] = []
    for statement in lines:
        words = statement.text.split()
        if words[-1] == "{":
            blocks.append(words[0])
            ledger.model(statement)
            continue
        if words == ["}"]:
            if blocks:
                blocks.pop()
            ledger.model(statement)
            continue
        block = blocks[-1] if blocks else ""
        if _vrrp(block, words, edge):
            ledger.model(statement)
            if block in ("vrrp_script", "virtual_ipaddress"):
                found.pair_lines.append(statement)
        else:
            ledger.leave(statement, KEEPALIVED_WRITTEN)


def _vrrp(block: str, words: list[str], edge: Edge) -> bool:
    """Whether a keepalived line says something the import takes (and take it)."""
    key, value = words[0], words[1] if len(words) > 1 else ""
    if block == "global_defs" and key == "router_id":
        edge.name = edge.name or value
    elif block == "vrrp_script" and key in ("interval", "timeout", "fall") and value.isdigit():
        edge.check[key] = int(value)
    elif block == "vrrp_instance" and key == "priority" and value.isdigit():
        edge.priority = int(value)
    elif block == "virtual_ipaddress" and _ipv4(key.removesuffix("/32")):
        edge.vip = key.removesuffix("/32")
    elif block == "unicast_peer" and _ipv4(key):
        pass  # the site's other edges: the site's hosts say them
    elif block == "vrrp_instance" and key == "unicast_src_ip" and _ipv4(value):
        edge.address = edge.address or value
    else:
        return False
    return True


def _ipv4(text: str) -> bool:
    try:
        IPv4Address(text)
    except ValueError:
        return False
    return True


def _network(text: str) -> bool:
    try:
        IPv4Network(text, strict=False)
    except ValueError:
        return False
    return True
