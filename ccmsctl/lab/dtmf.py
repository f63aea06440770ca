"""Key presses as a carrier sends them: RFC 4733 telephone events in RTP, written as a pcap
file that SIPp replays into the call (`play_pcap_audio`). SIPp sends the RTP as recorded, so
each press gets its own timestamp: a receiver takes two events with one timestamp for one
key press."""

from __future__ import annotations

import struct

EVENTS = {**{str(n): n for n in range(10)}, "*": 10, "#": 11}
PAYLOAD_TYPE = 101  # what the lab's carrier offers for telephone-event/8000
_PACKET_MS = 20
_TONE_SAMPLES = 800  # 100 ms at 8 kHz


def key_presses(keys: str | tuple[str, ...], *, ssrc: int = 0x43434D53) -> list[bytes]:
    """One pcap file per key of `keys`, the n-th press at RTP timestamp n * 8000 (a second
    apart, as the scenario presses them)."""
    return [_press(key, 1000 + 16 * n, 8000 * (n + 1), ssrc) for n, key in enumerate(keys)]


def _press(key: str, sequence: int, timestamp: int, ssrc: int) -> bytes:
    """A 100 ms press of `key`: updates every 20 ms, then the end sent three times."""
    event = EVENTS[key]
    durations = list(range(160, _TONE_SAMPLES + 1, 160))
    payloads = [struct.pack("!BBH", event, 10, d) for d in durations]
    payloads += [struct.pack("!BBH", event, 0x80 | 10, _TONE_SAMPLES)] * 3
    records = []
    for n, payload in enumerate(payloads):
        marker = 0x80 if n == 0 else 0
        rtp = (
            struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, sequence + n, timestamp, ssrc)
            + payload
        )
        records.append(_record(n * _PACKET_MS, _udp(rtp)))
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet frames
    return header + b"".join(records)


def _udp(payload: bytes) -> bytes:
    """Ethernet, IPv4 and UDP headers around `payload` (SIPp reads only the payload and
    sends it from its own media socket)."""
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), bytes(4))
    return bytes(12) + b"\x08\x00" + ip + udp


def _record(milliseconds: int, frame: bytes) -> bytes:
    seconds, rest = divmod(milliseconds, 1000)
    return struct.pack("<IIII", seconds, rest * 1000, len(frame), len(frame)) + frame
