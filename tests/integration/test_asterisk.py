"""The Asterisk the tests run (built by bootstrap --dev from the vendored sources where none
is installed) is Asterisk 22 with every module the compiled PBX configs call for: the
dialplan's applications and functions, PJSIP, SRTP toward carriers, the CDR backend."""

from __future__ import annotations

import re
import subprocess

from ccmsctl.compile.estate import compile_estate
from ccmsctl.load.estate import load_estate
from tests.conftest import EXAMPLE
from tests.integration.realworld import asterisk

# What provides each application and function the generated dialplan uses (None: the core)
PROVIDERS = {
    "Background": None,
    "Dial": "app_dial",
    "Goto": None,
    "GotoIf": None,
    "GotoIfTime": None,
    "Hangup": None,
    "MixMonitor": "app_mixmonitor",
    "Playback": "app_playback",
    "Queue": "app_queue",
    "Set": None,
    "VoiceMail": "app_voicemail",
    "WaitExten": None,
    "CHANNEL": "func_channel",
    "LEN": "func_strings",
    "STRFTIME": "func_strings",
}
# What each generated file needs loaded
FILES = {
    "etc/asterisk/pjsip.conf": ("chan_pjsip", "res_pjsip", "res_rtp_asterisk"),
    "etc/asterisk/cdr_custom.conf": ("cdr_custom",),
    "etc/asterisk/queues.conf": ("app_queue",),
}


def needed_modules() -> set[str]:
    """Every module the example's compiled PBX files call for."""
    artifacts = compile_estate(load_estate(EXAMPLE).estate)
    needed: set[str] = set()
    for host, path, content in artifacts.files():
        if host not in artifacts.host_vars or "pbx" not in artifacts.host_vars[host].roles:
            continue
        text = content.decode()
        needed.update(FILES.get(path, ()))
        if path == "etc/asterisk/pjsip.conf" and re.search(r"media_encryption\s*=\s*sdes", text):
            needed.add("res_srtp")
        if path == "etc/asterisk/extensions.conf":
            for name in set(re.findall(r"\b([A-Z][A-Za-z]*)\(", text)):
                assert name in PROVIDERS, f"the dialplan calls {name}: say what provides it"
                if PROVIDERS[name]:
                    needed.add(PROVIDERS[name])
    return needed


def test_asterisk_22_has_every_module_the_pbx_configs_use() -> None:
    program, modules = asterisk()
    version = subprocess.run(
        [str(program), "-V"], capture_output=True, text=True, timeout=30, check=False
    )
    assert version.stdout.startswith("Asterisk 22."), version.stdout + version.stderr
    needed = needed_modules()
    assert {"app_queue", "chan_pjsip", "cdr_custom", "res_srtp"} <= needed
    missing = sorted(m for m in needed if not (modules / f"{m}.so").is_file())
    assert not missing, f"{program} lacks {', '.join(missing)} (in {modules})"
