"""Serve one fake device until SIGTERM: the lab's switches and routers.

    python -m ccmsctl.lab.fakedevice --address A --port P --platform X --hostname H \\
        --username U --password-file F --state RUNNING_CONFIG [--host-key FILE]
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from ccmsctl.lab.fakedevice.dialects import DIALECTS
from ccmsctl.lab.fakedevice.server import FakeDevice


def main(argv: list[str] | None = None) -> None:
    """Serve one fake device until SIGTERM: the lab's switches and routers."""
    parser = argparse.ArgumentParser(prog="python -m ccmsctl.lab.fakedevice")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--platform", required=True, choices=sorted(DIALECTS))
    parser.add_argument("--hostname", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--host-key", type=Path, help="The SSH host key, kept across restarts.")
    args = parser.parse_args(argv)
    # a client that connects and leaves (the lab's readiness probe) is not worth a traceback
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    device = FakeDevice(
        args.address,
        args.port,
        args.hostname,
        args.username,
        args.password_file.read_text(encoding="utf-8").strip(),
        args.state,
        platform=args.platform,
        host_key=args.host_key,
    ).start()
    print(f"{args.hostname}: {args.platform} on {args.address}:{args.port}", flush=True)
    while not stop.wait(1):
        pass
    device.stop()


if __name__ == "__main__":
    main()
