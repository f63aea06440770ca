"""The failover drill: a twin pair built for real in network namespaces, put under SIPp load
through its carrier, its active edge or whole active site killed and then restored, with
the seconds until calls succeed again measured from the callers' side.

What runs, each on its estate address in a namespace of its own (`netns.Network`):
- every edge of both sites: the compiled kamailio.cfg and keepalived.conf (VRRP moves the
  VIP between a site's edges);
- every PBX of both sites: the compiled Asterisk where one is installed (with the lab's own
  secrets), which takes each call into its IVR; else SIPp answering calls (`pbx_uas.xml`),
  enough to measure the edges, VRRP and the carrier, not a PBX's own failure;
- the carrier, which cannot run here: a Kamailio stand-in at the trunk's first peer address
  that delivers calls along the destination list compile wrote (`carriers/<trunk>.yaml`),
  as a carrier's trunk group does; and SIPp beside it placing the calls.

Recovery is measured from the callers' log (lab/drillcalls.py).
"""

from __future__ import annotations

import io
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

from ccmsctl.artifacts import Placement
from ccmsctl.compile.carriers import FOLDER as CARRIERS
from ccmsctl.compile.estate import compile_estate
from ccmsctl.compile.render import Renderer
from ccmsctl.errors import UserError
from ccmsctl.lab.drillcalls import SETUP_SECONDS, DrillResult, Kill, measure, read_calls
from ccmsctl.lab.netns import Network, Node
from ccmsctl.lab.secrets import lab_secret
from ccmsctl.model.kinds import Estate
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.site import Site
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.plan.secrets import render_secret_files
from ccmsctl.running import run
from ccmsctl.waiting import until

SCENARIOS = Path(__file__).resolve().parent / "sipp"
# the folders of a PBX's root Asterisk writes into (as its own install makes them)
ASTERISK_FOLDERS = (
    "run/asterisk",
    "var/log/asterisk/cdr-custom",
    "var/lib/asterisk",
    "var/spool/asterisk",
)
BOOT_SECONDS = 30
CARRIER_TIMEOUT_MS = 2000  # a carrier gives up on a silent destination after 2 s
_CALLER_PORT = "5070"


class DrillError(UserError):
    """The drill cannot run on this estate or this machine."""

    code = "E1403"


@dataclass(frozen=True)
class Member:
    name: str
    site: str
    address: str


@dataclass(frozen=True)
class DrillPlan:
    """What the drill builds, from the estate: the pair's edges and PBXs, its carrier, a
    number of the primary site to call, and the compiled files of every edge."""

    pair: str
    primary: str
    standby: str
    rto: float
    vips: dict[str, str]
    edges: tuple[Member, ...]
    pbxs: tuple[Member, ...]
    trunk: str
    carrier: str  # the carrier stand-in's address: the trunk's first peer
    transport: str
    number: str
    handoff: bytes  # carriers/<trunk>.yaml
    files: dict[str, dict[str, bytes]]  # host -> path -> content (edges; PBXs with Asterisk)
    asterisk: str = ""  # the Asterisk program the PBXs run; "": SIPp answers for them


def plan_drill(estate: Estate, pair_name: str, folder: Path, asterisk: str = "") -> DrillPlan:
    """The drill of twin pair `pair_name`, its edges' files compiled to run under `folder`,
    and its PBXs' too where they run `asterisk` (the program; "": SIPp stand-ins)."""
    pair = estate.index(TwinPair).get(pair_name)
    if pair is None:
        known = ", ".join(sorted(estate.index(TwinPair))) or "none"
        raise DrillError(f"no twin pair {pair_name!r} in the estate (twin pairs: {known})")
    sites = estate.index(Site)
    primary, standby = pair.primary_site(), pair.standby_site()
    members = {
        role: tuple(
            Member(host.name, name, str(host.address))
            for name in (primary, standby)
            for host in sorted(sites[name].hosts_with(role), key=lambda h: h.name)
        )
        for role in ("edge", "pbx")
        if all(name in sites for name in (primary, standby))
    }
    if not members or not all(any(m.site == s for m in members["edge"]) for s in pair.sites):
        raise DrillError(f"twin pair {pair_name}: each site needs an edge for the drill")
    vips = {site: str(vip) for site in pair.sites if (vip := estate.vip_of(site))}
    trunk = next(
        (
            t
            for t in sorted(estate.of(Trunk), key=lambda t: t.name)
            if set(pair.sites) <= set(t.sites) and t.transport in ("udp", "tcp")
        ),
        None,
    )
    if trunk is None:
        raise DrillError(
            f"twin pair {pair_name}: the drill calls through a UDP or TCP trunk serving "
            f"both {primary} and {standby}; there is none"
        )
    number = next(
        (
            f"+{first}"
            for numbers in sorted(estate.of(NumberRange), key=lambda n: n.name)
            if numbers.trunk == trunk.name and numbers.site == primary
            for first, _ in numbers.spans()[:1]
        ),
        None,
    )
    if number is None:
        raise DrillError(f"trunk {trunk.name} carries no number of {primary} to call")
    hosts = [*members["edge"], *(members["pbx"] if asterisk else ())]
    roots = {m.name: str(folder / m.name) for m in hosts}
    artifacts = compile_estate(estate, placement=Placement(roots=roots))
    (folder / ".secrets").mkdir(parents=True, exist_ok=True, mode=0o700)
    secret_files = render_secret_files(  # the PBXs' passwords: the lab's own
        {m.name: artifacts.secrets.get(m.name, {}) for m in hosts},
        lambda secret: lab_secret(folder / ".secrets", secret),
    )
    files = {m.name: {**artifacts.hosts[m.name], **secret_files[m.name]} for m in hosts}
    return DrillPlan(
        pair=pair.name,
        primary=primary,
        standby=standby,
        rto=pair.rto.total_seconds(),
        vips=vips,
        edges=members["edge"],
        pbxs=members["pbx"],
        trunk=trunk.name,
        carrier=str(trunk.peers[0].address),
        transport=trunk.transport,
        number=number,
        handoff=artifacts.estate[f"{CARRIERS}/{trunk.name}.yaml"],
        files=files,
        asterisk=asterisk,
    )


# --- the callers' log ---------------------------------------------------------------------


def _kamailio(config: Path, run: Path) -> list[str]:
    """Kamailio in the foreground on `config`, its pid file and control socket in `run`."""
    pid = str(run / "kamailio.pid")
    return ["kamailio", "-DD", "-E", "-f", str(config), "-P", pid, "-Y", str(run), "-w", str(run)]


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    plan: DrillPlan
    network: Network
    nodes: dict[str, Node] = field(default_factory=dict)

    def edge(self, member: Member) -> None:
        node = self.nodes[member.name]
        run = node.root / "run"
        (run / "kamailio").mkdir(parents=True, exist_ok=True)
        node.start(
            "kamailio", *_kamailio(node.root / "etc/kamailio/kamailio.cfg", run / "kamailio")
        )
        if (node.root / "etc/keepalived/keepalived.conf").is_file():
            node.start(
                "keepalived",
                "keepalived",
                "-n",
                "-l",
                "-D",
                "-P",
                "-f",
                str(node.root / "etc/keepalived/keepalived.conf"),
                "-p",
                str(run / "keepalived.pid"),
                "-r",
                str(run / "vrrp.pid"),
            )

    def pbx(self, member: Member) -> None:
        node = self.nodes[member.name]
        if self.plan.asterisk:
            for made in ASTERISK_FOLDERS:
                (node.root / made).mkdir(parents=True, exist_ok=True)
            config = str(node.root / "etc/asterisk/asterisk.conf")
            node.start("asterisk", self.plan.asterisk, "-C", config, "-f")
            return
        node.start(
            "sipp",
            "sipp",
            "-sf",
            str(SCENARIOS / "pbx_uas.xml"),
            "-i",
            member.address,
            "-p",
            "5060",
            "-nostdin",
            "-trace_err",
            "-error_file",
            str(node.root / "sipp-errors.log"),
        )

    def booted(self, member: Member) -> None:
        """Wait, bounded, until the PBX's Asterisk has fully booted."""
        root = self.nodes[member.name].root
        control = root / "run/asterisk/asterisk.ctl"
        config = str(root / "etc/asterisk/asterisk.conf")
        command = [self.plan.asterisk, "-C", config, "-rx", "core waitfullybooted"]

        def up() -> bool:
            if not control.is_socket():
                return False
            done = run(command, timeout=BOOT_SECONDS)
            return done.ok and "fully booted" in done.stdout

        if until(up, BOOT_SECONDS, 0.2) is None:
            raise DrillError(
                f"Asterisk on {member.name} did not boot within {BOOT_SECONDS} s: see "
                f"{root / 'asterisk.log'}"
            )

    def carrier(self) -> None:
        node = self.nodes["carrier"]
        handoff = YAML(typ="safe").load(io.BytesIO(self.plan.handoff))
        destinations = handoff["destinations"]
        priorities = {int(d["priority"]) for d in destinations}
        lines = [
            f"1 {d['uri']} 0 {100 - int(d['priority'])} weight={int(d['weight'])}"
            for d in destinations
        ]
        (node.root / "dispatcher.list").write_text("\n".join(lines) + "\n")
        config = Renderer().render(
            "lab/carrier.cfg.j2",
            {
                "address": self.plan.carrier,
                "folder": str(node.root),
                "trunk": self.plan.trunk,
                "algorithm": "8" if len(priorities) > 1 else "9",
                "timeout_ms": CARRIER_TIMEOUT_MS,
            },
        )
        (node.root / "carrier.cfg").write_bytes(config)
        node.start("kamailio", *_kamailio(node.root / "carrier.cfg", node.root))

    def callers(self, load: float, hold: float) -> Path:
        node = self.nodes["carrier"]
        log = node.root / "calls.log"
        log.unlink(missing_ok=True)
        node.start(
            "callers",
            "sipp",
            "-sf",
            str(SCENARIOS / "drill_uac.xml"),
            "-i",
            self.plan.carrier,
            "-p",
            _CALLER_PORT,
            "-s",
            self.plan.number,
            f"{self.plan.carrier}:5060",
            "-r",
            f"{load:g}",
            "-d",
            str(int(hold * 1000)),
            "-nostdin",
            "-trace_logs",
            "-log_file",
            str(log),
            "-recv_timeout",
            str(int(SETUP_SECONDS * 1000)),
        )
        return log


@contextmanager
def build_world(plan: DrillPlan, folder: Path) -> Iterator[World]:
    """The pair's edges, PBXs and carrier running in namespaces under `folder`."""
    tag = f"cd{os.getpid() % 100000}"
    with Network(tag, folder) as network:
        world = World(plan, network)
        for member in (*plan.edges, *plan.pbxs):
            world.nodes[member.name] = network.add(member.name, member.address)
        world.nodes["carrier"] = network.add("carrier", plan.carrier)
        for edge, files in plan.files.items():
            root = world.nodes[edge].root
            for path, content in files.items():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_bytes(content)
        for member in plan.pbxs:
            world.pbx(member)
        for member in plan.edges:
            world.edge(member)
        world.carrier()
        time.sleep(1.5)
        for member in plan.pbxs if plan.asterisk else ():
            world.booted(member)
        for node in world.nodes.values():
            for what in list(node.processes):
                if not node.running(what):
                    raise DrillError(
                        f"{what} on {node.name} stopped as it started: see {node.root / what}.log"
                    )
        yield world


def _vip_holder(world: World, site: str) -> Node | None:
    vip = world.plan.vips.get(site)
    edges = [world.nodes[m.name] for m in world.plan.edges if m.site == site]
    if vip is None:
        return edges[0] if edges else None
    return next((node for node in edges if node.holds(vip)), None)


def run_drill(
    plan: DrillPlan,
    folder: Path,
    *,
    kill: Kill = "edge",
    load: float = 10.0,
    hold: float = 8.0,
    settle: float = 8.0,
) -> DrillResult:
    """Build the pair, load it, kill, restore, and measure both ways. `settle`: seconds of
    calls after each recovery before the next step (bounded by the pair's RTO)."""
    if kill == "pbx" and not plan.asterisk:
        raise DrillError("a PBX failure is drilled with Asterisk, which is not installed")
    site_of = {m.address: m.site for m in plan.pbxs}
    limit = max(30.0, plan.rto + 10)
    with build_world(plan, folder) as world:
        if plan.vips and until(lambda: _vip_holder(world, plan.primary) is not None, 30) is None:
            raise DrillError(f"no edge of {plan.primary} took its VIP within 30 s")
        log = world.callers(load, hold)

        def answered_since(start: float, site: str | None = None) -> bool:
            return any(
                c.answered is not None
                and c.sent >= start
                and (site is None or site_of.get(c.pbx) == site)
                for c in read_calls(log).values()
            )

        begin = time.time()
        if until(lambda: answered_since(begin, plan.primary), 30, 0.25) is None:
            raise DrillError(
                f"calls to {plan.number} were not answered by {plan.primary} before the "
                f"drill (logs under {folder})"
            )
        time.sleep(min(settle, hold + 1))  # calls in progress when the kill comes
        victims = _victims(world, kill, log)
        killed_at = time.time()
        for node in victims:
            node.stop_all(signal.SIGKILL)
            node.link(False)
        counted = _counted_by_taker(world, kill, log, killed_at, limit)
        until(lambda: answered_since(killed_at), limit, 0.25)
        time.sleep(settle)
        taker = (
            _answering(world, log, killed_at)
            if kill == "pbx"
            else _vip_holder(world, plan.primary if kill == "edge" else plan.standby)
        )
        restored_at = time.time()
        for node in victims:
            node.link(True)
            member = next(m for m in (*plan.edges, *plan.pbxs) if m.name == node.name)
            (world.edge if member in plan.edges else world.pbx)(member)
        until(lambda: answered_since(restored_at, plan.primary), limit, 0.25)
        time.sleep(settle)
        ended_at = time.time()
        callers = world.nodes["carrier"]
        process = callers.processes.get("callers")
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGUSR1)  # no new calls; let those up end
            until(lambda: process.poll() is not None, hold + 15)
        callers.stop("callers")
        calls = list(read_calls(log).values())
    dead_pbxs = frozenset(m.address for m in plan.pbxs if m.name in {n.name for n in victims})
    return DrillResult(
        pair=plan.pair,
        kill=kill,
        killed=tuple(node.name for node in victims),
        took_over=taker.name if taker else "",
        load=load,
        hold=hold,
        rto=plan.rto,
        failover=measure("failover", calls, killed_at, restored_at, site_of, hold, dead=dead_pbxs),
        failback=measure("failback", calls, restored_at, ended_at, site_of, hold, plan.primary),
        calls=len(calls),
        asterisk=bool(plan.asterisk),
        counted=counted,
    )


def _counted_by_taker(
    world: World, kill: Kill, log: Path, killed_at: float, limit: float
) -> tuple[int, int] | None:
    """Once the primary's other edge holds the VIP (an edge killed): the calls it counts up
    on the trunk (its dialogs, shared by the dead edge over DMQ), and the calls up then by
    the callers' log; None when no edge took the VIP over or it could not be asked."""
    if kill != "edge" or not world.plan.vips:
        return None
    until(lambda: _vip_holder(world, world.plan.primary) is not None, limit, 0.1)
    taker = _vip_holder(world, world.plan.primary)
    if taker is None:
        return None
    at = time.time()
    control = taker.root / "run/kamailio/kamailio_ctl"
    command = ["kamcmd", "-s", f"unix:{control}", "dlg.profile_get_size", "trunk"]
    done = run([*command, world.plan.trunk], timeout=10, installed_by="kamailio")
    numbers = [word for word in done.stdout.replace(":", " ").split() if word.isdigit()]
    if not done.ok or not numbers:
        return None
    up = sum(
        1
        for c in read_calls(log).values()
        if c.answered is not None and c.answered < killed_at and (c.ended is None or c.ended > at)
    )
    return int(numbers[-1]), up


def _answering(world: World, log: Path, since: float) -> Node | None:
    """The PBX that answered the most calls placed since `since`."""
    by_address = {m.address: m.name for m in world.plan.pbxs}
    answered = Counter(c.pbx for c in read_calls(log).values() if c.answered and c.sent >= since)
    top = next((a for a, _ in answered.most_common() if a in by_address), None)
    return world.nodes[by_address[top]] if top else None


def _victims(world: World, kill: Kill, log: Path) -> list[Node]:
    primary = world.plan.primary
    if kill == "pbx":
        latest = max(
            (c for c in read_calls(log).values() if c.answered),
            key=lambda c: c.answered or 0,
            default=None,
        )
        members = {m.address: m.name for m in world.plan.pbxs if m.site == primary}
        if latest is None or latest.pbx not in members:
            raise DrillError(f"no PBX of {primary} answers calls: nothing to kill")
        return [world.nodes[members[latest.pbx]]]
    if kill == "edge":
        holder = _vip_holder(world, primary)
        if holder is None:
            raise DrillError(f"no edge of {primary} holds its VIP: nothing to kill")
        return [holder]
    return [world.nodes[m.name] for m in (*world.plan.edges, *world.plan.pbxs) if m.site == primary]
