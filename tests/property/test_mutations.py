"""Mutated example estates never crash ccmsctl: every run ends in located findings or a pass.

Hypothesis edits the example's YAML (wrong types, deleted keys and lines, broken references,
garbage bytes, bad indentation) and runs `ccmsctl validate` in-process on the result.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE

# Hypothesis runs this hundreds of times: the other tests measure coverage, not this one
# (under coverage it takes twice as long).
pytestmark = pytest.mark.no_cover

FILES = sorted(path.relative_to(EXAMPLE) for path in EXAMPLE.rglob("*.yaml"))
FINDING = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (error|warning)\[[EW]\d{4}\]: \S")
VALUE = re.compile(rb"^(\s*-?\s*[A-Za-z_]+:\s*)(\S.*)$")

scalars = st.one_of(
    st.sampled_from(
        [
            b"yes",
            b"~",
            b"",
            b"[",
            b"{",
            b"}",
            b"0086",
            b"+8621",
            b"-1",
            b"1e999",
            b"sh-9",
            b"!!binary x",
            b"*nope",
            b"&a x",
            b"'",
            b'"',
            b"|",
            b">",
            b"?",
            b"{secret: plain}",
            b"[1, [2, {3: 4}]]",
            b"2026-13-45",
            b"99999999999999999",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(lambda n: str(n).encode()),
    st.text(max_size=12).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@st.composite
def mutation(draw: st.DrawFn) -> tuple[Path, bytes]:
    file = draw(st.sampled_from(FILES))
    lines = (EXAMPLE / file).read_bytes().split(b"\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["value", "delete", "duplicate", "indent", "bytes"]))
        if action == "value" and (match := VALUE.match(lines[index])):
            lines[index] = match.group(1) + draw(scalars)
        elif action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "indent":
            indent = draw(st.integers(min_value=0, max_value=5))
            lines[index] = b" " * indent + lines[index].lstrip()
        else:
            lines[index] += draw(st.binary(min_size=1, max_size=6))
        if not lines:
            lines = [b""]
    return file, b"\n".join(lines)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation())
def test_mutated_estate_gives_findings_never_a_traceback(change: tuple[Path, bytes]) -> None:
    file, content = change
    with tempfile.TemporaryDirectory() as workdir:
        estate = Path(workdir) / "estate"
        shutil.copytree(EXAMPLE, estate)
        (estate / file).write_bytes(content)
        result = CliRunner().invoke(app, ["validate", str(estate)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    assert "bug in ccmsctl" not in result.output
    for line in result.output.splitlines():
        if line.startswith(f"{estate}/"):
            found = FINDING.match(line)
            assert found, line
            assert int(found["line"]) >= 1 and int(found["col"]) >= 1
    if result.exit_code == 1:
        assert any(FINDING.match(line) for line in result.output.splitlines())
