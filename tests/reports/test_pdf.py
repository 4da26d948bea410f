"""PDF comes from the same HTML through WeasyPrint."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from compliance_checks.findings import Status
from report_templates.html import render_html
from report_templates.input import ReportInput, Snapshot
from report_templates.render import build_view, render_report
from report_templates.views.review import ReviewView
from tests.reports.builders import AS_OF, CHECKS, RENDER, at, dataset, finding, record

weasyprint = pytest.importorskip("weasyprint", reason="WeasyPrint (and Pango) not installed")
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) not installed")


def pdf_text(path: Path, *pages: str) -> str:
    assert PDFTOTEXT is not None
    run = subprocess.run([PDFTOTEXT, *pages, str(path), "-"], capture_output=True, text=True, check=True)
    return run.stdout


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


def busy_month(complaints: int = 800) -> ReportInput:
    """A realistic month for the review pack: hundreds of complaints, a dozen recurring root
    causes (all systemic), many open complaints with flagged findings."""
    rnd = random.Random(4)
    causes = [
        f"{word}_{kind}"
        for word in ("billing", "staff", "system", "supplier")
        for kind in ("error", "delay", "gap")
    ]
    records, findings = [], {}
    for i in range(complaints):
        ident = f"CS-{1000 + i}"
        received = at("2026-10-01") + timedelta(minutes=rnd.randrange(30 * 24 * 60))
        closed = rnd.random() < 0.7
        records.append(
            record(
                ident,
                received,
                ack_h=rnd.choice((2, 20, 60)),
                decided_d=rnd.randrange(1, 25) if closed else None,
                closed_d=25 if closed else None,
                root_cause=rnd.choice(causes) if closed else None,
                channel=rnd.choice(("email", "web", "phone")),
                category=rnd.choice(("payments", "fees", "service")),
                assignee=f"agent{rnd.randrange(30)}",
            )
        )
        findings[ident] = tuple(
            finding(
                ident, check, rnd.choice((Status.PASS, Status.PASS, Status.FAIL, Status.AT_RISK)), received
            )
            for check in CHECKS
        )
    return dataset(current=Snapshot(AS_OF, tuple(records), findings))


@needs_pdftotext
def test_review_pack_summary_is_one_printed_page_and_appendix_lists_every_action(tmp_path: Path) -> None:
    data = busy_month()
    view = build_view("review", data)
    assert isinstance(view, ReviewView)
    assert len(view.systemic) == 12 and view.open_actions_total > view.open_actions_shown == 12
    # Every open action is in the view (none dropped), most urgent first.
    assert len(view.open_actions) == view.open_actions_total
    html = render_html(view, RENDER)
    pages = weasyprint.HTML(string=html).render().pages
    out = render_report("review", data, "pdf", tmp_path / "review.pdf", render=RENDER)
    first = pdf_text(out, "-f", "1", "-l", "1")
    assert "Open actions" in first and "Appendix A" in first  # the caption points at it
    assert "Appendix A: the other" not in first  # the appendix starts on a page of its own
    shown = [a.ticket for a in view.open_actions[: view.open_actions_shown]]
    assert [t for t in shown if t not in first] == []  # the summary's actions all on its page
    assert len(pages) > 1
    everything = pdf_text(out)
    missing = [a.ticket for a in view.open_actions if a.ticket not in everything]
    assert missing == []
    assert "and 7 more" in html  # systemic issues beyond the top five are counted, not listed
