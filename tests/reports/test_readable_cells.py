"""What a board member or an auditor reads in the narrow cells of the reports: checks by their
short titles (ids in tooltips), dates that never break inside, free text cut at a word, the
review's overdue dates and their time zone, and the audit's note that a check can cover two
clauses. Records are the builders' complaints (the shape ``mappings`` produces from the Jira
Cloud payloads of ``tests/reports/builders.py``)."""

from __future__ import annotations

import re
from datetime import date

from compliance_checks.findings import Status
from compliance_checks.registry import REGISTRY
from report_templates.html import render_html
from report_templates.input import Period, Snapshot
from report_templates.views import build_audit_view, build_register_view, build_review_view
from report_templates.views.common import trim
from tests.reports.builders import AS_OF, RENDER, at, dataset, finding, record


def test_every_shipped_check_has_a_short_title_that_fits_a_column() -> None:
    """Short enough for a column, and free of the ", " and "; " the register's Check filter
    splits the Findings cell on."""
    for spec in REGISTRY:
        assert spec.short_title, spec.id
        assert len(spec.short_title) <= 26, spec.short_title
        assert ", " not in spec.short_title and "; " not in spec.short_title, spec.short_title
    assert len({s.short_title for s in REGISTRY}) == len(REGISTRY.ids())
    assert REGISTRY.label("acknowledged-in-time") == "Acknowledged in time"
    assert REGISTRY.label("a-removed-check") == "a-removed-check"


def _one_open_complaint() -> object:
    received = at("2026-10-02", 11)
    summary = "The mobile app statement for last month is missing and I need it for my tax return " * 3
    records = (record("CS-1", received, ack_h=2, summary=summary, team="Complaints"),)
    findings = {
        "CS-1": (
            finding("CS-1", "kept-informed", Status.FAIL, at("2026-10-20", 17)),
            finding("CS-1", "response-in-time", Status.AT_RISK, at("2026-11-09", 17)),
        )
    }
    return dataset(
        current=Snapshot(AS_OF, records, findings),
        period=Period(date(2026, 10, 1), date(2026, 10, 31), "Europe/London"),
        history=(),
    )


def test_register_names_checks_and_keeps_dates_whole() -> None:
    html = render_html(build_register_view(_one_open_complaint()), RENDER)  # type: ignore[arg-type]
    assert "<td>FAIL: Kept informed; AT_RISK: Decided in time</td>" in html
    assert "kept-informed" not in html
    # Received 2026-10-02 11:00 UTC is 12:00 BST; acknowledged two hours later.
    assert '<td><span class="d">2026-10-02</span> 12:00</td>' in html
    assert '<td><span class="d">2026-10-02</span> 14:00</td>' in html
    assert "span.d { white-space: nowrap; }" in html


def test_free_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "The mobile app statement for last month is missing and I need it for my tax return"
    assert trim(text, 80) == "The mobile app statement for last month is missing and I need it for my tax…"
    assert trim(text, 200) == text
    assert trim("x" * 300, 200) == "x" * 199 + "…"  # no word boundary near the end: a hard cut
    view = build_register_view(_one_open_complaint())  # type: ignore[arg-type]
    cut = view.rows[0].summary
    assert cut is not None and cut.endswith(" statement for…") and len(cut) <= 200


def test_review_open_actions_name_checks_mark_overdue_and_name_the_zone() -> None:
    html = render_html(build_review_view(_one_open_complaint()), RENDER)  # type: ignore[arg-type]
    assert "Decided in time (AT_RISK), Kept informed (FAIL)" in html
    assert "kept-informed" not in html
    assert '<th scope="col">Earliest due (Europe/London)</th>' in html
    # Due 2026-10-20 17:00 UTC (18:00 BST) is before the as-of time 2026-11-05 12:00 UTC.
    assert re.search(r'2026-10-20 18:00 <strong class="overdue">overdue</strong>', html)


def test_review_volume_caption_says_what_the_chart_title_does_not() -> None:
    html = render_html(build_review_view(_one_open_complaint()), RENDER)  # type: ignore[arg-type]
    caption = re.search(r"<figcaption>([^<]*)</figcaption>", html)
    assert caption is not None
    # One month of data: shown by ISO week, the first and last weeks only partly in October.
    assert caption.group(1).startswith("Per ISO week of receipt, in Europe/London; hatched: a week only")
    assert caption.group(1) != "Complaints received"


def test_audit_names_checks_and_says_a_check_can_cover_two_clauses() -> None:
    html = render_html(build_audit_view(dataset()), RENDER)
    assert re.search(r'<td><span title="Complaint acknowledged promptly \(acknowledged-in-time\)">'
                     r"Acknowledged in time</span><br><small>clause 7.4</small></td>", html)
    two = "A check that evidences two clauses is counted under each (its findings are not two findings)."
    assert two in html


def test_kpi_names_checks_in_its_chart_and_shows_no_previous_backlog_in_a_first_period() -> None:
    """The findings chart's labels were the checks' full titles wrapped over two lines; the
    backlog table showed "Previous period 0" for every age where every other table shows a dash
    (no complaints before the period: nothing to compare)."""
    from report_templates.views import build_kpi_view

    view = build_kpi_view(_one_open_complaint())  # type: ignore[arg-type]
    assert not view.has_previous
    html = render_html(view, RENDER)
    assert ">Kept informed<" in html and ">Decided in time<" in html  # SVG text of the chart
    assert "Open complaints by age (first period: no previous backlog to compare)" in html
    backlog = html.split("Open complaints by age (first period", 1)[1].split("</table>", 1)[0]
    assert "Previous period" not in backlog
    assert "Findings by ISO 10002 clause (a check that evidences two clauses is counted under each)" in html
