"""The report as one self-contained, print-friendly HTML file: styles inline, the data-flow
map as inline SVG, no script, nothing fetched. Its own Jinja environment escapes every value
(the compile environment prints config files, and must not)."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ccmsctl import tooling
from ccmsctl.report.markdown import ICON, collected_rows, counted, scope, shared
from ccmsctl.report.model import Report
from ccmsctl.report.picture import data_flow_picture


def to_html(report: Report) -> str:
    environment = Environment(
        loader=FileSystemLoader(tooling.templates() / "report"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report,
        picture=data_flow_picture(report.flows),
        icon=ICON,
        counted=counted,
        shared=shared,
        scope=scope(report),
        collected=collected_rows(report),
    )
