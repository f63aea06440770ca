"""`import asterisk` on configurations no one wrote: random lines of Asterisk's syntax
(sections, templates, settings, dialplan steps of many applications, includes, comments)
over the hand-maintained PBX's files. The import ends in an estate or a located error (never
a traceback); every line read is modelled or listed; what it writes the model takes; and
no secret of the input reaches the estate or the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ccmsctl.errors import UserError
from ccmsctl.importing.asterisk import SiteFacts, import_asterisk
from ccmsctl.importing.conf import read_config
from ccmsctl.importing.write import estate_texts, report_markdown
from ccmsctl.model.kinds import KINDS
from tests.brownfield import PUDONG, SOUNDS

pytestmark = pytest.mark.no_cover

SECRET = "s3cr3t-Value"
APPS = [
    "Answer()",
    "Hangup()",
    "Playback(custom/welcome)",
    "Playback(custom/closed&custom/x)",
    "Background(custom/welcome)",
    "WaitExten(3)",
    "WaitExten()",
    "Goto(ivr-main,s,1)",
    "Goto(1,1)",
    "Goto(s,open)",
    "Goto(nowhere,s,1)",
    "Queue(sales,,,,60)",
    "Queue(nope)",
    "VoiceMail(9001@default,u)",
    "VoiceMail(x@default)",
    "Dial(PJSIP/ct/+862161239999)",
    "Dial(PJSIP/1001)",
    "Dial(${TRUNK}/${OPERATOR})",
    "MixMonitor(${UNIQUEID}.wav)",
    "GotoIfTime(08:00-17:59,mon-sat,*,*?open)",
    "GotoIfTime(*,*,1-5,jan?open)",
    "GotoIf($[${X} = 1]?s,1)",
    "Set(TIMEOUT(digit)=2)",
    "Read(X,custom/welcome,4)",
    "Gosub(sub,s,1)",
    "NoOp(hello)",
    "Wait(1)",
    f"Dial(IAX2/u:{SECRET}@host/123)",
    "Ringing",
]
PATTERNS = [
    "s",
    "t",
    "i",
    "1",
    "2",
    "9",
    "_+8621612345XX",
    "+862161234567",
    "_X.",
    "_9NXX",
    "hint",
    "_+86216123[3-5]X",
]
LINES = st.one_of(
    st.sampled_from(
        [
            "[from-ct]",
            "[ivr-main]",
            "[ivr-new]",
            "[sub]",
            "[globals]",
            "[tpl](!)",
            "[x](tpl)",
            "[x](+)",
            "[general]",
            "[ivr-main](+)",
        ]
    ),
    st.builds(
        lambda p, n, a: f"exten => {p},{n},{a}",
        st.sampled_from(PATTERNS),
        st.sampled_from(["1", "n", "n(open)", "2", "hint", "s", "n+1"]),
        st.sampled_from(APPS),
    ),
    st.builds(lambda a: f" same => n,{a}", st.sampled_from(APPS)),
    st.sampled_from(
        [
            f"password = {SECRET}",
            "include => sub",
            "switch => DUNDi/e164",
            "; a comment",
            ";-- open",
            "--;",
            "#include missing.conf",
            "#include we**ird[a-.conf",
            "#tryinclude nothing.conf",
            "#exec /bin/true",
            "no equals sign",
            "X = 1",
            "type = endpoint",
            "member => PJSIP/1001,12",
            "\\;x = y",
            "allow += ulaw",
            "MAILBOX",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
)
FILES = ["extensions.conf", "pjsip.conf", "pjsip_phones.conf", "queues.conf", "voicemail.conf"]
FACTS = SiteFacts(
    "sh-1", "CN", "cn", "Asia/Shanghai", "zh-CN", "e", sounds=SOUNDS, edge="10.10.1.11"
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file=st.sampled_from(FILES), where=st.floats(0, 1), lines=st.lists(LINES, max_size=12))
def test_any_configuration_imports_or_is_refused_at_its_line(
    tmp_path_factory: pytest.TempPathFactory, file: str, where: float, lines: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("pbx")
    shutil.copytree(PUDONG, folder, dirs_exist_ok=True)
    text = (folder / file).read_text().splitlines()
    at = int(len(text) * where)
    # a mailbox's PIN is a secret in voicemail.conf (and what it includes) only
    pin = SECRET if file == "voicemail.conf" else "4321"
    lines = [f"1003 => {pin},Name" if line == "MAILBOX" else line for line in lines]
    (folder / file).write_text("\n".join([*text[:at], *lines, *text[at:]]) + "\n")
    try:
        imported = import_asterisk([folder], FACTS)
    except UserError as error:
        event("refused at its line")
        assert error.span is not None or "cannot" in str(error)
        return
    event("imported")
    ledger = imported.ledger
    read, modelled = ledger.counts()
    statements = (
        {
            s.span
            for name in FILES
            if (folder / name).is_file()
            for s in read_config(folder, name).statements
        }
        if _all_read(folder)
        else None
    )
    assert modelled + len(ledger.residue()) == read
    if statements is not None:
        assert read == len(statements)
    texts = estate_texts(imported.documents)
    report = report_markdown(str(folder), ledger, texts)
    for found in imported.documents.values():
        for document in found:
            KINDS[str(document["kind"])].model_validate(document)
    assert not any(SECRET in text for text in [*texts.values(), report])


def _all_read(folder: Path) -> bool:
    """Whether each file can be read on its own (an #include of a missing file cannot)."""
    try:
        for name in FILES:
            if (folder / name).is_file():
                read_config(folder, name)
    except UserError:
        return False
    return True
