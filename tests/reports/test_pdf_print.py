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
from report_templates.writers.pdf_parts import split_volumes
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
    boxes = write_pdf(render_html(build_view("register", data), RENDER), out).missing
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
        boxes = write_pdf(page, tmp_path / "boxes.pdf").missing
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


def _check_volume_pages(pdf: Path, volume: int, volumes: int, rows: str) -> int:
    """Every page of a volume: tagged, its own "Page x of y", and "Volume k of n" with its rows
    next to the title and period in the running header."""
    assert re.search(r"Tagged:\s+yes", _run("pdfinfo", str(pdf)))
    pages = _pages(pdf)
    for number in range(1, pages + 1):
        text = " ".join(_page_text(pdf, number).split())
        assert "Complaint register" in text or "compliance audit report" in text
        assert f"Page {number} of {pages}" in text and text.count(f"Page {number} of") == 1
        label = f"Volume {volume} of {volumes} \u00b7 {rows}"
        assert _squeeze(label) in _squeeze(text), f"volume {volume}, page {number}"
    return pages


@needs_poppler
def test_a_long_register_is_written_as_volumes_each_a_complete_tagged_pdf(tmp_path: Path) -> None:
    """More rows than a volume holds: volume 1 at the path asked for, the others beside it; every
    row once, in order; each volume its own page count, the header row and the running header with
    "Volume k of n" on each page; the summary in the first, the closing sections in the last."""
    from report_templates.writers.pdf import write_pdf

    page = render_html(build_view("register", _many_rows(60)), RENDER)
    headers = _headers(page)
    out = tmp_path / "register.pdf"
    written = write_pdf(page, out, rows_per_volume=25).paths
    assert written == (out, tmp_path / "register.vol2-of-3.pdf", tmp_path / "register.vol3-of-3.pdf")
    assert sorted(tmp_path.iterdir()) == sorted(written)  # no temporary file left
    assert [i for pdf in written for i in _ids_in_order(pdf)] == [f"CS-{i}" for i in range(60)]
    ranges = ("complaints 1\u201325 of 60", "complaints 26\u201350 of 60", "complaints 51\u201360 of 60")
    for volume, (pdf, rows) in enumerate(zip(written, ranges, strict=True), start=1):
        pages = _check_volume_pages(pdf, volume, 3, rows)
        for number in range(1, pages + 1):
            text = _page_text(pdf, number)
            assert "Complaints received 2026-10-01 to 2026-10-31" in " ".join(text.split())
            missing = [h for h in headers if _squeeze(h) not in _squeeze(text)]
            assert not missing, f"columns not printed on volume {volume} page {number}: {missing}"
    first, middle, last = (_run("pdftotext", str(pdf), "-") for pdf in written)
    assert "In ISO 10002 scope" in first and "In ISO 10002 scope" not in middle + last
    listing = " ".join(first.split())
    assert all(pdf.name in listing for pdf in written)  # volume 1 lists every volume's file
    assert "Printed as 3 PDF files (volumes) of at most 25 table rows each" in listing
    assert "Generated" in last and "Generated" not in first + middle
    assert "in volume 1, register.pdf" in " ".join(middle.split())


@needs_poppler
def test_a_register_that_fits_one_volume_is_one_file_as_before(tmp_path: Path) -> None:
    from report_templates.writers.pdf import write_pdf

    page = render_html(build_view("register", _many_rows(60)), RENDER)
    out = tmp_path / "register.pdf"
    assert write_pdf(page, out, rows_per_volume=60).paths == (out,)
    assert list(tmp_path.iterdir()) == [out]
    text = _run("pdftotext", str(out), "-")
    assert "Volume" not in text and f"Page 1 of {_pages(out)}" in text
    assert _ids_in_order(out) == [f"CS-{i}" for i in range(60)]


@needs_poppler
def test_audit_volumes_keep_the_hash_on_every_page_and_the_exceptions_in_order(tmp_path: Path) -> None:
    from report_templates.writers.pdf import write_pdf

    records = [record(f"CS-{i}", at("2026-10-01") + timedelta(hours=5 * i)) for i in range(40)]
    findings = {
        r.id: (finding(r.id, CHECKS[0], Status.FAIL, due=r.received_at + timedelta(days=2)),) for r in records
    }
    data = dataset(current=Snapshot(AS_OF, tuple(records), findings))
    view = build_view("audit", data)
    page = render_html(view, RENDER)
    (tmp_path / "whole").mkdir()
    whole = write_pdf(page, tmp_path / "whole" / "audit.pdf", rows_per_volume=1000).paths
    volumes = write_pdf(page, tmp_path / "audit.pdf", rows_per_volume=15).paths
    assert len(whole) == 1 and len(volumes) == 3
    # The sample (closing sections) names complaints again: compare first appearances.
    assert list(dict.fromkeys(i for pdf in volumes for i in _ids_in_order(pdf))) == _ids_in_order(whole[0])
    digest = view.content_hash  # type: ignore[attr-defined]
    exception_headers = _headers(page.split("data-tool")[1], "</thead>")
    # A volume holds 15 rows of the table, the team/owner group rows included.
    cut = split_volumes(page, 15)
    assert [(v.first, v.last) for v in cut] == [(1, 14), (15, 29), (30, 40)]
    ranges = [f"findings {v.first}\u2013{v.last} of 40" for v in cut]
    for volume, (pdf, rows) in enumerate(zip(volumes, ranges, strict=True), start=1):
        pages = _check_volume_pages(pdf, volume, 3, rows)
        for number in range(1, pages + 1):
            assert f"sha256:{digest}" in _squeeze(_page_text(pdf, number))
    # The middle volume is all table; the last starts with the table, its closing sections follow.
    table_pages = [(volumes[1], n) for n in range(1, _pages(volumes[1]) + 1)] + [(volumes[2], 1)]
    for pdf, number in table_pages:
        assert all(_squeeze(h) in _squeeze(_page_text(pdf, number)) for h in exception_headers)


def test_a_volume_failing_leaves_no_volume_and_the_earlier_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All volumes or none: written under temporary names, renamed only when every one is."""
    from report_templates.writers import pdf

    page = render_html(build_view("register", _many_rows(60)), RENDER)
    out = tmp_path / "register.pdf"
    out.write_bytes(b"earlier report")
    calls: list[Path] = []
    real = pdf._write

    def fail_third(text: str, target: Path, fonts: object) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError("disk full")
        real(text, target, fonts)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "_write", fail_third)
    with pytest.raises(OSError, match="disk full"):
        pdf.write_pdf(page, out, rows_per_volume=25)
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"earlier report"
