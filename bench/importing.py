"""Benchmark `ccmsctl import asterisk` on a large hand-maintained-style PBX: wall time.

    python bench/importing.py [--runs 3] [--dids 4000] [--phones 400]

Writes a PBX's configuration folder to bench/out/pbx (deterministic): a carrier trunk that
registers, `--phones` phones from templates in an #include'd file, 40 queues with the phones
as members at penalties, `--dids` DIDs (half single numbers, half in blocks of 10) entering
20 IVRs (a schedule, a menu of three keys, queues, a transfer, voicemail), and the
prompts' recordings; then runs the real command in a child process per run (start-up
included). Target: under 2 s for 4,000 DIDs and 400 endpoints.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "pbx"
IVRS = 20
QUEUES = 40


def generate(folder: Path, dids: int, phones: int) -> None:
    """The PBX's configuration folder and its sounds (folder/sounds)."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "sounds" / "zh" / "custom").mkdir(parents=True)
    pjsip = [
        "[transport-udp]\ntype = transport\nprotocol = udp\nbind = 10.10.2.21:5060\n",
        "[ct-reg]\ntype = registration\noutbound_auth = ct-auth\n"
        "server_uri = sip:203.0.113.10:5060\nclient_uri = sip:862161230000@203.0.113.10:5060\n",
        "[ct-auth]\ntype = auth\nauth_type = userpass\nusername = 862161230000\npassword = x1\n",
        "[ct]\ntype = endpoint\ntransport = transport-udp\ncontext = from-ct\ndisallow = all\n"
        "allow = alaw\ndirect_media = no\noutbound_auth = ct-auth\naors = ct\n",
        "[ct]\ntype = aor\ncontact = sip:203.0.113.10:5060\n",
        "[ct-identify]\ntype = identify\nendpoint = ct\nmatch = 203.0.113.10\n",
        "#include pjsip_phones.conf\n",
    ]
    (folder / "pjsip.conf").write_text("\n".join(pjsip))
    lines = [
        "[phone](!)\ntype = endpoint\ntransport = transport-udp\ncontext = internal\n"
        "disallow = all\nallow = alaw\nallow = g722\ndirect_media = no\nlanguage = zh\n",
        "[phone-auth](!)\ntype = auth\nauth_type = userpass\n",
        "[phone-aor](!)\ntype = aor\nmax_contacts = 1\n",
    ]
    for n in range(phones):
        ext = 2000 + n
        lines.append(
            f'[{ext}](phone)\nauth = {ext}\naors = {ext}\ncallerid = "Agent {n}" <{ext}>\n'
            f"[{ext}](phone-auth)\nusername = {ext}\npassword = p{n}\n[{ext}](phone-aor)\n"
        )
    (folder / "pjsip_phones.conf").write_text("\n".join(lines))
    queues = ["[general]\npersistentmembers = no\nshared_lastcall = yes\n"]
    for q in range(QUEUES):
        members = "".join(
            f"member => PJSIP/{2000 + n},{(n + q) % 10},Agent {n}\n"
            for n in range(phones)
            if n % QUEUES in (q, (q + 1) % QUEUES)
        )
        queues.append(f"[q{q}]\nstrategy = leastrecent\nservicelevel = 20\n{members}")
    (folder / "queues.conf").write_text("\n".join(queues))
    (folder / "voicemail.conf").write_text("[default]\n9001 => 0000,After hours\n")
    dialplan = ["[general]\nstatic = yes\nwriteprotect = yes\n", "[from-ct]"]
    singles = dids // 2
    for n in range(singles):
        dialplan.append(f"exten => +8621{60000000 + n},1,Goto(ivr-{n % IVRS},s,1)")
    for block in range((dids - singles) // 10):
        dialplan.append(f"exten => _+8621{7000000 + block}X,1,Goto(ivr-{block % IVRS},s,1)")
    for i in range(IVRS):
        dialplan.append(
            f"\n[ivr-{i}]\nexten => s,1,Answer()\n"
            " same => n,GotoIfTime(09:00-18:00,mon-fri,*,*?open)\n"
            " same => n,Playback(custom/closed)\n same => n,Hangup()\n"
            " same => n(open),Background(custom/welcome)\n same => n,WaitExten(5)\n"
            f"exten => 1,1,Queue(q{i % QUEUES},,,,180)\n same => n,VoiceMail(9001@default,u)\n"
            f"exten => 2,1,Queue(q{(i + 1) % QUEUES},,,,120)\n"
            "exten => 0,1,Dial(PJSIP/ct/+862161239999)\n"
            "exten => t,1,Goto(1,1)\nexten => i,1,Goto(s,open)"
        )
    (folder / "extensions.conf").write_text("\n".join(dialplan) + "\n")
    for name in ("welcome", "closed"):
        with wave.open(str(folder / "sounds" / "zh" / "custom" / f"{name}.wav"), "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(8000)
            audio.writeframes(struct.pack("<h", 0) * 800)


def run_once(folder: Path, scratch: Path) -> float:
    out = scratch / f"estate-{time.time_ns()}"
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ccmsctl",
            "import",
            "asterisk",
            str(folder),
            "--out",
            str(out),
            "--site",
            "sh-1",
            "--country",
            "CN",
            "--timezone",
            "Asia/Shanghai",
            "--language",
            "zh-CN",
            "--sounds",
            str(folder / "sounds"),
            "--edge",
            "10.10.1.11",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(done.stdout + done.stderr)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dids", type=int, default=4000)
    parser.add_argument("--phones", type=int, default=400)
    args = parser.parse_args()
    generate(OUT, args.dids, args.phones)
    with tempfile.TemporaryDirectory(prefix="ccmsctl-bench-import-") as scratch:
        times = [run_once(OUT, Path(scratch)) for _ in range(args.runs)]
    print(
        f"import of {args.dids} DIDs, {args.phones} phones: median "
        f"{statistics.median(times):.2f} s over {args.runs} runs (min {min(times):.2f} s, "
        f"max {max(times):.2f} s); target < 2 s"
    )


if __name__ == "__main__":
    main()
