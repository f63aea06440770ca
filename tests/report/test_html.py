"""The HTML report opened in a real headless Chromium (Debian's `chromium`): every section
and the data-flow picture are there, no console error, and it prints to PDF pages. The
page is one self-contained file: nothing is fetched."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from ccmsctl.cli.main import app
from tests.conftest import EXAMPLE
from tests.integration.realworld import require

SECTIONS = ("controls", "data-flow", "retention", "encryption", "exposure", "waivers")


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on `page`, with a fresh profile and no network chatter; its log
    (console messages among it) on stderr."""
    command = [require("chromium"), "--headless", "--no-sandbox", "--disable-gpu"]
    command += ["--no-first-run", "--disable-background-networking", "--disable-sync"]
    command += ["--disable-component-update", "--disable-quic", f"--user-data-dir={profile}"]
    command += ["--enable-logging=stderr", "--v=0", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(EXAMPLE), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_the_report_renders_its_sections_and_picture_without_errors(
    page: Path, tmp_path: Path
) -> None:
    shown = chromium(page, tmp_path / "profile", "--dump-dom")
    dom = shown.stdout
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom
    picture = dom[dom.index('<svg id="data-flow-map"') : dom.index("</svg>")]
    # two jurisdictions (CN, HK) and five places: sh-1, sh-2, hk-1 and the two burst pools
    assert picture.count("<rect") == 7
    assert picture.count('stroke-dasharray="6 4"') == 1  # the one cross-border link: HK -> SG
    assert "cross-border: standard-contract" in picture
    assert console_errors(shown.stderr) == []


def test_the_console_check_sees_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text('<p>x</p><script>console.error("broken");</script>', encoding="utf-8")
    shown = chromium(broken, tmp_path / "profile", "--dump-dom")
    assert any('"broken"' in line for line in console_errors(shown.stderr))


def test_the_report_prints_to_a4_with_a_cover_contents_and_page_numbers(
    page: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    pages = PdfReader(pdf).pages
    count = len(pages)
    assert count >= 5
    for number, sheet in enumerate(pages, start=1):
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        assert f"page {number} of {count}" in sheet.extract_text()
    cover, contents = pages[0].extract_text(), pages[1].extract_text()
    assert "Compliance report" in cover and "Scope" in cover and "Contents" not in cover
    assert "Contents" in contents and "CC-RET-1" in contents and "Waivers" in contents


def test_the_report_is_one_self_contained_file(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)=["'](?!#)""", html)  # no link but to its anchors
    assert "<script" not in html and "@import" not in html
