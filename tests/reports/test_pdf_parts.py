"""The cut of a page's long table into parts laid out one at a time (``writers/pdf_parts.py``):
markup in the shape ``_base.html.j2`` and the register/audit templates write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report_templates.html import render_html
from report_templates.render import build_view
from report_templates.writers.pdf_parts import split_page, split_volumes, volume_path
from tests.reports.builders import RENDER
from tests.reports.test_pdf_print import _many_rows

_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>t</title><style>@page {}</style></head><body>'
    '<header>\n  <h1>Audit "report" {x}</h1>\n'
    '  <p class="lead">Complaints received\n   2026-10-01</p>\n</header>'
    '<main><dl><dd class="hash running-hash">sha256:abc</dd></dl>'
    '<table data-tool><caption>Findings</caption><thead><tr><th scope="col">A</th></tr></thead>'
    '<tbody data-k="T1"><tr class="grp"><th>T1</th></tr><tr><td>1</td></tr><tr><td>2</td></tr></tbody>'
    '<tbody data-k="T2"><tr class="grp"><th>T2</th></tr><tr><td>3</td></tr></tbody>'
    "</table></main><footer>Generated</footer></body></html>"
)


def _rows(parts: list[str]) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", row)
        for part in parts
        for row in re.findall(r"<tr\b.*?</tr>", part.split("</thead>", 1)[1], re.DOTALL)
    ]


def test_rows_are_cut_into_parts_in_order_and_a_cut_body_is_reopened() -> None:
    parts = split_page(_PAGE, 2)
    assert len(parts) == 3
    assert _rows(parts) == ["T1", "1", "2", "T2", "3"]
    assert parts[1].split("</thead>", 1)[1].startswith('<tbody data-k="T1"><tr><td>2</td></tr></tbody>')
    assert "<header>" in parts[0] and "<header>" not in parts[1] + parts[2]
    assert "<footer>" in parts[2] and "<footer>" not in parts[0] + parts[1]
    assert all('<th scope="col">A</th>' in part for part in parts)  # the header row in every part
    assert [part.count("<caption>") for part in parts] == [1, 0, 0]
    assert all("<title>t</title>" in part and "@page {}" in part for part in parts)


def test_later_parts_carry_the_running_strings_as_css_strings_report_text_cannot_end() -> None:
    later = split_page(_PAGE, 2)[1]
    rule = re.search(r"<style>body \{ string-set: (.*); \}</style></head>", later)
    assert rule is not None
    assert rule.group(1) == (
        'report-title "Audit \\000022report\\000022 \\00007bx\\00007d", '
        'report-period "Complaints received 2026-10-01", report-hash "sha256:abc"'
    )


def test_a_page_without_a_long_table_or_with_a_short_one_stays_whole() -> None:
    assert split_page(_PAGE, 5) == [_PAGE]
    plain = "<html><head></head><body><table><tr><td>1</td></tr></table></body></html>"
    assert split_page(plain, 1) == [plain]
    with pytest.raises(ValueError, match="at least 1"):
        split_page(_PAGE, 0)


def test_the_register_page_keeps_every_row_once() -> None:
    page = render_html(build_view("register", _many_rows(25)), RENDER)
    parts = split_page(page, 4)
    assert len(parts) == 7
    ids = [re.search(r"CS-\d+", row).group(0) for row in _rows(parts)]  # type: ignore[union-attr]
    assert ids == [f"CS-{i}" for i in range(25)]


def test_volumes_count_their_rows_without_the_group_rows_and_name_them_by_the_table() -> None:
    page = _PAGE.replace("<table data-tool>", '<table data-tool data-rows="findings">')
    volumes = split_volumes(page, 2)
    assert [(v.first, v.last, v.total, v.noun) for v in volumes] == [
        (1, 1, 3, "findings"),  # T1's group row and row 1
        (2, 2, 3, "findings"),  # row 2, its body reopened, and T2's group row
        (3, 3, 3, "findings"),
    ]
    assert [v.text for v in volumes] == split_page(page, 2)
    assert split_volumes(_PAGE, 5)[0].noun == "rows"


def test_volume_one_is_the_path_asked_for_and_the_others_sit_beside_it() -> None:
    out = Path("/reports/register-2026-11.pdf")
    assert volume_path(out, 1, 5) == out
    assert volume_path(out, 2, 5) == Path("/reports/register-2026-11.vol2-of-5.pdf")
    assert volume_path(out, 5, 5).name == "register-2026-11.vol5-of-5.pdf"
