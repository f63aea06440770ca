"""The health gate: is Kamailio running on a host and answering SIP OPTIONS?

Sends OPTIONS over UDP and waits, bounded, for any final response: a 403 to a stranger is
an answer too, and proves the proxy is up and routing.
"""

from __future__ import annotations

import socket
import time


def sip_status(
    source: str, target: str, method: str, uri: str, *, wait: float = 3, user: str = "ccmsctl"
) -> int | None:
    """Send one request from `user` at `source` (any free port) to target:5060, with no
    credentials; the final status code, or None if none arrives within `wait` seconds."""
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(0.2)
        port = sock.getsockname()[1]
        message = (
            f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {source}:{port};branch=z9hG4bK{method.lower()}{port}\r\n"
            f"From: <sip:{user}@{source}>;tag={port}\r\nTo: <{uri}>\r\n"
            f"Call-ID: {method.lower()}-{port}@{source}\r\nCSeq: 1 {method}\r\n"
            f"Contact: <sip:{user}@{source}:{port}>\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            sock.sendto(message, (target, 5060))
            try:
                while time.monotonic() < deadline:
                    reply = sock.recv(65535).decode(errors="replace")
                    parts = reply.split(" ", 2)
                    if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) >= 200:
                        return int(parts[1])
            except TimeoutError:
                continue
    return None


def answers_options(address: str, *, wait: float = 10) -> bool:
    """True when a SIP proxy at address:5060 answers OPTIONS within `wait` seconds."""
    source = "127.0.0.1" if address.startswith("127.") else "0.0.0.0"  # noqa: S104
    return sip_status(source, address, "OPTIONS", f"sip:{address}", wait=wait) is not None
