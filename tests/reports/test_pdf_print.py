"""Printed reports as a reader gets them: every register column on the page, a running header
and footer, a tagged PDF, and complainants' names in any script drawn with real glyphs.

Reads the PDFs with poppler-utils (pdftotext, pdffonts, pdfinfo), as a person checking the file
would; skipped with the reason when poppler-utils or the fonts are not installed (.ci/run
installs both)."""

from __future__ import annotations

import html
import logging
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from compliance_checks.findings import Status
from report_templates.html import render_html
from report_templates.input import ReportInput, Snapshot
from report_templates.render import build_view, render_report
from tests.reports.builders import AS_OF, CHECKS, RENDER, at, dataset, finding, record

pytest.importorskip("weasyprint", reason="WeasyPrint (and Pango) not installed")
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) not installed")

# A Chinese, an Arabic, a Hebrew and an emoji-bearing complainant name.
NAMES = ("山田 太郎", "محمد عبد الله", "דוד כהן", "Sam 🙂 Lee")
_HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>')


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _page_text(pdf: Path, page: int) -> str:
    return _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")


def _squeeze(text: str) -> str:
    """Wrapped cells split words over lines; compare without any white space."""
    return re.sub(r"\s+", "", text)


def _uncovered(chars: set[str]) -> list[str]:
    """Characters no installed font covers, by fontconfig (what Pango falls back through)."""
    if not shutil.which("fc-list"):
        return sorted(chars)
    return sorted(c for c in chars if not _run("fc-list", f":charset={ord(c):x}", "family").strip())


@needs_poppler
def test_register_pdf_page_one_has_every_column(tmp_path: Path, data: ReportInput) -> None:
    view = build_view("register", data)
    headers = [html.unescape(h) for h in _HEADER.findall(render_html(view, RENDER).split("<tbody>")[0])]
    assert len(headers) == 16 and "Findings" in headers
    out = render_report("register", data, "pdf", tmp_path / "register.pdf", render=RENDER)
    page_one = _squeeze(_page_text(out, 1))
    missing = [h for h in headers if _squeeze(h) not in page_one]
    assert not missing, f"columns not printed on page 1: {missing}"


def _many_rows(rows: int = 60) -> ReportInput:
    records = [
        record(f"CS-{i}", at("2026-10-01") + timedelta(hours=5 * i), ack_h=2, decided_d=3, closed_d=4)
        for i in range(rows)
    ]
    return dataset(current=Snapshot(AS_OF, tuple(records), {}))


@needs_poppler
def test_every_printed_page_has_running_header_footer_and_repeated_column_headers(tmp_path: Path) -> None:
    out = render_report("register", _many_rows(), "pdf", tmp_path / "register.pdf", render=RENDER)
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(out))).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    for page in range(1, pages + 1):
        text = _page_text(out, page)
        assert "Complaint register" in text
        assert "Complaints received 2026-10-01 to 2026-10-31" in " ".join(text.split())
        assert f"Page {page} of {pages}" in text
        assert "Acknowledged" in _squeeze(text) and "Rootcause" in _squeeze(text)


@needs_poppler
def test_audit_pdf_carries_its_content_hash_on_every_page_and_is_tagged(
    tmp_path: Path, data: ReportInput
) -> None:
    out = render_report("audit", data, "pdf", tmp_path / "audit.pdf", render=RENDER)
    info = _run("pdfinfo", str(out))
    assert re.search(r"Tagged:\s+yes", info)  # PDF/UA-1: structure tree for screen readers
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages > 1
    digest = build_view("audit", data).content_hash  # type: ignore[attr-defined]
    for page in range(1, pages + 1):
        assert f"sha256:{digest}" in _squeeze(_page_text(out, page))


@needs_poppler
def test_names_in_cjk_arabic_hebrew_and_emoji_print_with_real_glyphs(tmp_path: Path) -> None:
    chars = {c for name in NAMES for c in name if not c.isspace()}
    uncovered = _uncovered(chars)
    if uncovered:
        pytest.skip(
            "no installed font covers "
            + ", ".join(f"U+{ord(c):04X}" for c in uncovered)
            + ": install fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji (.ci/run does)"
        )
    from report_templates.writers.pdf import write_pdf

    records = [
        record(f"CS-{i}", at("2026-10-02") + timedelta(hours=i), name=name, ack_h=2)
        for i, name in enumerate(NAMES)
    ]
    data = dataset(current=Snapshot(AS_OF, tuple(records), {}))
    out = tmp_path / "register.pdf"
    boxes = write_pdf(render_html(build_view("register", data), RENDER), out)
    assert boxes == frozenset()  # WeasyPrint drew no .notdef box
    fonts = _run("pdffonts", str(out))
    assert "CJK" in fonts and "Emoji" in fonts  # the CJK and emoji glyphs come from embedded fonts
    text = _page_text(out, 1)
    for name in NAMES:
        assert name.split()[-1] in text


def test_writer_names_the_characters_it_had_to_draw_as_boxes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from report_templates.writers.pdf import write_pdf

    private = "\U0010fffd"  # a private-use code point: no installed font has a glyph for it
    page = f'<html lang="en"><head><title>t</title></head><body><p>A{private}B</p></body></html>'
    with caplog.at_level(logging.WARNING, logger="report_templates.writers.pdf"):
        boxes = write_pdf(page, tmp_path / "boxes.pdf")
    assert boxes == frozenset({private})
    assert "U+10FFFD" in caplog.text and "print as boxes" in caplog.text
    assert logging.getLogger("weasyprint").filters == []  # the writer leaves WeasyPrint's logger as it was


def _pages(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))  # type: ignore[union-attr]


def _ids_in_order(pdf: Path) -> list[str]:
    """Complaint ids in the order they first appear, reading the page as laid out (row by row)."""
    return list(dict.fromkeys(re.findall(r"\bCS-\d+\b", _run("pdftotext", "-layout", str(pdf), "-"))))


def _headers(page: str, before: str = "<tbody") -> list[str]:
    return [html.unescape(h) for h in _HEADER.findall(page.split(before)[0])]


@needs_poppler
def test_register_laid_out_in_parts_prints_as_the_one_piece_does(tmp_path: Path) -> None:
    """A long table is laid out a few rows at a time (WeasyPrint's cost of one table over many
    pages grows faster than its pages): the parts print the same rows in the same order, every
    column header on every page, one running header and footer, and one page count."""
    from report_templates.writers.pdf import write_pdf

    page = render_html(build_view("register", _many_rows(60)), RENDER)
    headers = _headers(page)
    whole, parts = tmp_path / "whole.pdf", tmp_path / "parts.pdf"
    write_pdf(page, whole, rows_per_part=1000)
    write_pdf(page, parts, rows_per_part=7)
    assert _ids_in_order(parts) == _ids_in_order(whole) == [f"CS-{i}" for i in range(60)]
    pages = _pages(parts)
    assert pages > _pages(whole)  # each part starts a page: it was laid out in parts
    assert re.search(r"Tagged:\s+yes", _run("pdfinfo", str(parts)))
    for number in range(1, pages + 1):
        text = _page_text(parts, number)
        assert "Complaint register" in text
        assert "Complaints received 2026-10-01 to 2026-10-31" in " ".join(text.split())
        assert f"Page {number} of {pages}" in text
        missing = [h for h in headers if _squeeze(h) not in _squeeze(text)]
        assert not missing, f"columns not printed on page {number}: {missing}"
        assert text.count(f"Page {number} of") == 1  # the part's own count is not printed too
    assert "In ISO 10002 scope" in _page_text(parts, 1)
    assert "In ISO 10002 scope" not in _page_text(parts, 2)
    assert "Generated" in _page_text(parts, pages) and "Generated" not in _page_text(parts, 1)


@needs_poppler
def test_audit_laid_out_in_parts_keeps_its_hash_on_every_page_and_its_exceptions_in_order(
    tmp_path: Path,
) -> None:
    from report_templates.writers.pdf import write_pdf

    records = [record(f"CS-{i}", at("2026-10-01") + timedelta(hours=5 * i)) for i in range(40)]
    findings = {
        r.id: (finding(r.id, CHECKS[0], Status.FAIL, due=r.received_at + timedelta(days=2)),) for r in records
    }
    data = dataset(current=Snapshot(AS_OF, tuple(records), findings))
    view = build_view("audit", data)
    page = render_html(view, RENDER)
    whole, parts = tmp_path / "whole.pdf", tmp_path / "parts.pdf"
    write_pdf(page, whole, rows_per_part=1000)
    write_pdf(page, parts, rows_per_part=6)
    assert _ids_in_order(parts) == _ids_in_order(whole)
    pages = _pages(parts)
    assert pages > _pages(whole)
    assert re.search(r"Tagged:\s+yes", _run("pdfinfo", str(parts)))
    digest = view.content_hash  # type: ignore[attr-defined]
    exception_headers = _headers(page.split("data-tool")[1], "</thead>")
    later = [n for n in range(2, pages + 1) if "Remediation" in _page_text(parts, n)]
    assert later, "no later page carries the exceptions' header row"
    for number in range(1, pages + 1):
        text = _page_text(parts, number)
        assert f"sha256:{digest}" in _squeeze(text)
        assert "compliance audit report" in text and f"Page {number} of {pages}" in text
    for number in later:
        assert all(_squeeze(h) in _squeeze(_page_text(parts, number)) for h in exception_headers)
