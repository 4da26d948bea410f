"""PDF comes from the same HTML through WeasyPrint."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.reports.render import build_view, render_report
from report_templates.html import render_html
from report_templates.input import ReportInput
from tests.reports.builders import RENDER

weasyprint = pytest.importorskip("weasyprint", reason="WeasyPrint (and Pango) not installed")


@pytest.mark.parametrize("kind", ["audit", "kpi", "review"])
def test_pdf_renders(tmp_path: Path, data: ReportInput, kind: str) -> None:
    out = render_report(kind, data, "pdf", tmp_path / f"{kind}.pdf", render=RENDER)
    body = out.read_bytes()
    assert body.startswith(b"%PDF")
    # The page count of the same HTML, laid out by WeasyPrint (the PDF's streams are compressed).
    pages = len(weasyprint.HTML(string=render_html(build_view(kind, data), RENDER)).render().pages)
    if kind == "audit":
        assert pages > 1  # scope, coverage, exceptions, waivers and the sample timelines
    else:
        assert pages >= 1
