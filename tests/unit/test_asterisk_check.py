"""The PBX's part of the health gate, read without an Asterisk: the installed files taken
apart as Asterisk reads them (templates, inheritance, additions), and what it reports."""

from __future__ import annotations

from tests.asterisk_check import check_plugin

PJSIP = """; comment
[transport-udp]
type = transport
[phone](!)
type = endpoint
context = internal ; a comment after a value
[1001](phone)
callerid = "A" <1001>
[1001-auth]
type = auth
[trunk-x]
type=endpoint
[trunk-x](+)
allow = alaw
"""


def test_sections_leave_templates_out_and_inherit_from_them() -> None:
    plugin = check_plugin()
    found = plugin.sections(PJSIP)
    assert set(found) == {"transport-udp", "1001", "1001-auth", "trunk-x"}
    assert found["1001"]["type"] == ["endpoint"]
    assert found["1001"]["context"] == ["internal"]
    assert found["trunk-x"]["allow"] == ["alaw"]


def test_expected_reads_modules_endpoints_and_queues() -> None:
    plugin = check_plugin()
    want = plugin.expected(
        {
            "modules.conf": "[modules]\nload = app_dial.so\nrequire => res_srtp.so\n",
            "pjsip.conf": PJSIP,
            "queues.conf": "[general]\npersistentmembers = no\n[sales]\nstrategy = ringall\n",
        }
    )
    assert want.modules == ("app_dial.so", "res_srtp.so")
    assert want.endpoints == {"1001", "trunk-x"}
    assert want.queues == {"sales"}


def test_problems_name_what_differs_and_what_asterisk_said() -> None:
    plugin = check_plugin()
    want = plugin.Expected(("app_dial.so", "res_srtp.so"), frozenset({"1001"}), frozenset({"q"}))
    answers = {
        "core waitfullybooted": "Asterisk has fully booted.",
        "module show": "app_dial.so   Dialing Application   0   Running   core\n1 modules loaded",
        "pjsip list endpoints": "",
        "queue show": "q has 0 calls (max unlimited) in 'ringall' strategy",
    }
    have = plugin.running(answers)
    found = plugin.problems(want, have, {"res_srtp.so": "Unable to load module res_srtp.so"})
    assert found == [
        "modules.conf loads what Asterisk does not run: res_srtp.so",
        "res_srtp.so: Unable to load module res_srtp.so",
        "endpoints of pjsip.conf Asterisk did not take: 1001",
    ]
    down = plugin.running({"core waitfullybooted": "Unable to connect to remote asterisk"})
    assert plugin.problems(want, down, {})[0].startswith("Asterisk does not answer its CLI")
    listed = plugin.running(
        {**answers, "pjsip list endpoints": " Endpoint:  1001/1001   Unavailable   0 of inf"}
    )
    assert plugin.problems(want, listed, {}) == [
        "modules.conf loads what Asterisk does not run: res_srtp.so"
    ]


def test_a_cli_command_that_fails_is_named_with_what_it_said() -> None:
    plugin = check_plugin()
    mark = plugin.MARK
    output = (
        f"\n{mark}core waitfullybooted\nAsterisk has fully booted.\n"
        f"\n{mark}module show\nNo such command 'module show'\n{mark}failed 1\n"
        f"\n{mark}pjsip list endpoints\n\n{mark}queue show\n"
    )
    have = plugin.running(plugin.parts(output))
    assert have.booted
    assert have.problems == ("`module show` failed (exit 1): No such command 'module show'",)
