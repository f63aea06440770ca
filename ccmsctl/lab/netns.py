"""Machines in network namespaces: each node one namespace with one interface (`eth0`) on
the estate's own address, all of them on one bridge in a namespace of its own, so nothing
leaves this machine and addresses can move between nodes as they do between real hosts
(VRRP). Every route is on the link: sites' subnets meet on the one bridge.

Needs root and `ip` (iproute2). A `Network` removes every namespace and stops every process
it started when it is closed, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from ccmsctl.errors import UserError
from ccmsctl.running import CommandError, run

_TIMEOUT = 30


class NetnsError(UserError):
    """A namespace, link or address could not be made."""

    code = "E1402"


def ip(*args: str) -> str:
    try:
        done = run(["ip", *args], timeout=_TIMEOUT, installed_by="iproute2")
    except CommandError as error:
        raise NetnsError(str(error)) from None
    if not done.ok:
        raise NetnsError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@dataclass
class Node:
    """One machine: its namespace, address, folder and the processes started in it."""

    name: str
    namespace: str
    address: str
    root: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    up: bool = True  # its cable is plugged in

    def start(self, what: str, *command: str) -> None:
        """Run `command` in the node's namespace as `what`, its output in `root/what.log`."""
        self.stop(what)
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / f"{what}.log").open("ab") as log:
            self.processes[what] = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *command],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def running(self, what: str) -> bool:
        process = self.processes.get(what)
        return process is not None and process.poll() is None

    def stop(self, what: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(what, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=10)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self, sig: int = signal.SIGTERM) -> None:
        for what in list(self.processes):
            self.stop(what, sig)

    def link(self, up: bool) -> None:
        """Plug the node's cable in or pull it out."""
        ip("-n", self.namespace, "link", "set", "eth0", "up" if up else "down")
        self.up = up
        if up:  # taking the link down took its routes with it
            ip("-n", self.namespace, "route", "replace", "default", "dev", "eth0")

    def holds(self, address: str) -> bool:
        """Whether the node answers on `address`: it is configured and the cable is in (a
        killed keepalived leaves its VIP configured on a dead machine)."""
        if not self.up:
            return False
        shown = ip("-n", self.namespace, "-4", "-o", "addr", "show", "dev", "eth0")
        return f" {address}/" in shown


class Network:
    """Nodes on one bridge; `tag` (at most 8 characters) prefixes every namespace and link."""

    def __init__(self, tag: str, folder: Path) -> None:
        if len(tag) > 8:
            raise ValueError(f"tag {tag!r} is longer than 8 characters")
        self.tag = tag
        self.folder = folder
        self.nodes: dict[str, Node] = {}
        self._namespaces: list[str] = []
        self._switch = f"{tag}-sw"

    def __enter__(self) -> Network:
        if os.geteuid() != 0:
            raise NetnsError("network namespaces need root")
        try:
            self._add_namespace(self._switch)
            ip("-n", self._switch, "link", "add", "br0", "type", "bridge")
            ip("-n", self._switch, "link", "set", "br0", "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _add_namespace(self, namespace: str) -> None:
        ip("netns", "add", namespace)
        self._namespaces.append(namespace)

    def add(self, name: str, address: str) -> Node:
        """A node called `name` on `address` (/24), plugged into the bridge."""
        index = len(self.nodes)
        namespace = f"{self.tag}-n{index}"
        port = f"{self.tag}v{index}"
        self._add_namespace(namespace)
        ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        ip("link", "set", port, "netns", self._switch)
        ip("-n", self._switch, "link", "set", port, "master", "br0")
        ip("-n", self._switch, "link", "set", port, "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", namespace, "link", "set", "eth0", "up")
        ip("-n", namespace, "route", "add", "default", "dev", "eth0")
        node = Node(name, namespace, address, self.folder / name)
        node.root.mkdir(parents=True, exist_ok=True)
        self.nodes[name] = node
        return node

    def close(self) -> None:
        for node in self.nodes.values():
            node.stop_all()
        for namespace in reversed(self._namespaces):
            run(["ip", "netns", "del", namespace], timeout=_TIMEOUT)
        self._namespaces.clear()
