"""keepalived's VRRP, for real: the two edges of the example's site sh-1, each in a network
namespace of its own on the estate's own addresses (10.10.1.11 and .12, a bridge between
them in a third namespace: nothing leaves this machine), each running the compiled
kamailio.cfg and keepalived.conf. The VIP (10.10.1.10) sits on the master, moves to the
backup when the master's Kamailio or keepalived dies, and comes back when it recovers.

Needs root (namespaces, addresses): without it the tests are skipped, and fail where CI
requires the real components.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE
from tests.integration.realworld import require

EDGES = {"sh1-edge-1": "10.10.1.11", "sh1-edge-2": "10.10.1.12"}
VIP = "10.10.1.10"


@dataclass
class Edge:
    name: str
    namespace: str
    root: Path
    processes: dict[str, subprocess.Popen[bytes]]

    def run(self, what: str, *command: str) -> None:
        """Start `command` in the edge's namespace as `what` (kamailio, keepalived)."""
        with (self.root / f"{what}.log").open("ab") as log:
            self.processes[what] = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kamailio(self) -> None:
        run = self.root / "run" / "kamailio"
        run.mkdir(parents=True, exist_ok=True)
        config = str(self.root / "etc/kamailio/kamailio.cfg")
        pid = str(run / "kamailio.pid")
        self.run(
            "kamailio",
            require("kamailio"),
            "-DD",
            "-E",
            "-f",
            config,
            "-P",
            pid,
            "-Y",
            str(run),
            "-w",
            str(self.root),
        )

    def keepalived(self) -> None:
        run = self.root / "run"
        run.mkdir(parents=True, exist_ok=True)
        config = str(self.root / "etc/keepalived/keepalived.conf")
        self.run(
            "keepalived",
            require("keepalived"),
            "-n",
            "-l",
            "-D",
            "-P",
            "-f",
            config,
            "-p",
            str(run / "keepalived.pid"),
            "-r",
            str(run / "vrrp.pid"),
        )

    def stop(self, what: str, signal: int = 15) -> None:
        process = self.processes.pop(what, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)

    def holds_vip(self) -> bool:
        shown = subprocess.run(
            ["ip", "-n", self.namespace, "-4", "-o", "addr", "show", "dev", "eth0"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        return f" {VIP}/32 " in shown


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _until(condition: object, limit: float) -> float | None:
    """Seconds until `condition()` holds, polled every 0.2 s; None past `limit`."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if condition():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.2)
    return None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Edge]]:
    if os.geteuid() != 0:
        message = "VRRP in network namespaces needs root"
        if os.environ.get("CCMSCTL_REAL_COMPONENTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    require("ip")
    tag = f"ccms{os.getpid() % 100000}"
    switch = f"{tag}-sw"
    roots = {name: str(tmp_path / name) for name in EDGES}
    artifacts = compile_estate(load_estate(EXAMPLE).estate, roots=roots)
    edges: dict[str, Edge] = {}
    made: list[str] = []
    try:
        _ip("netns", "add", switch)
        made.append(switch)
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        for n, (name, address) in enumerate(EDGES.items()):
            namespace = f"{tag}-e{n}"
            _ip("netns", "add", namespace)
            made.append(namespace)
            port = f"{tag}v{n}"
            _ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            _ip("link", "set", port, "netns", switch)
            _ip("-n", switch, "link", "set", port, "master", "br0")
            _ip("-n", switch, "link", "set", port, "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", namespace, "link", "set", "eth0", "up")
            root = Path(roots[name])
            for path, content in artifacts.hosts[name].items():
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_bytes(content)
            edges[name] = Edge(name, namespace, root, {})
            edges[name].kamailio()
            edges[name].keepalived()
        yield edges
    finally:
        for edge in edges.values():
            for what in list(edge.processes):
                edge.stop(what)
        for namespace in reversed(made):
            ns = ["ip", "netns", "del", namespace]
            subprocess.run(ns, check=False, capture_output=True, timeout=30)


def test_the_vip_follows_a_healthy_kamailio(site: dict[str, Edge]) -> None:
    master, backup = site["sh1-edge-1"], site["sh1-edge-2"]
    assert _until(master.holds_vip, 20) is not None, "the master never took the VIP"
    assert not backup.holds_vip()
    master.stop("kamailio")  # the track script fails 3 times, 2 s apart
    moved = _until(lambda: backup.holds_vip() and not master.holds_vip(), 20)
    assert moved is not None and moved < 12, moved
    master.kamailio()  # healthy again: the higher priority takes the VIP back
    back = _until(lambda: master.holds_vip() and not backup.holds_vip(), 30)
    assert back is not None, "the VIP did not come back to the recovered master"


def test_the_vip_moves_when_the_master_dies(site: dict[str, Edge]) -> None:
    master, backup = site["sh1-edge-1"], site["sh1-edge-2"]
    assert _until(master.holds_vip, 20) is not None
    # the host goes down: its processes killed outright, its link gone, no goodbye
    master.stop("keepalived", signal=9)
    master.stop("kamailio", signal=9)
    _ip("-n", master.namespace, "link", "set", "eth0", "down")
    moved = _until(backup.holds_vip, 20)
    assert moved is not None and moved < 6, moved  # three missed adverts, 1 s apart
