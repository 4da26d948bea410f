"""The KPI trend baseline: a calendar month, quarter or year compares with the previous calendar
month, quarter or year (a Q1 report with Q4, as a board reads it); any other span compares with
the span of equal length just before it (hand-built inputs in the builders.py shape)."""

from __future__ import annotations

from datetime import date

import pytest

from compliance_checks.findings import Status
from report_templates.html import render_html
from report_templates.input import Period, Snapshot
from report_templates.views import build_kpi_view, build_review_view
from tests.reports.builders import AS_OF, CHECKS, RENDER, at, dataset, finding, record

TZ = "Europe/London"


@pytest.mark.parametrize(
    ("start", "end", "previous"),
    [
        # Q1 2026 (90 days) -> Q4 2025 (92 days), not 2025-10-03..2025-12-31
        (date(2026, 1, 1), date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 7, 1), date(2026, 9, 30), (date(2026, 4, 1), date(2026, 6, 30))),
        # a month -> the previous month, whatever their lengths (March after a 28-day February)
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        (date(2028, 3, 1), date(2028, 3, 31), (date(2028, 2, 1), date(2028, 2, 29))),
        # a year -> the previous year (2025 has 365 days, 2024 366)
        (date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
        # not calendar periods: the equal-length span before
        (date(2026, 2, 1), date(2026, 4, 30), (date(2025, 11, 4), date(2026, 1, 31))),  # not a quarter
        (date(2026, 7, 1), date(2027, 6, 30), (date(2025, 7, 1), date(2026, 6, 30))),  # not a year
        (date(2026, 10, 7), date(2026, 11, 5), (date(2026, 9, 7), date(2026, 10, 6))),  # 30 days
        (date(2026, 3, 1), date(2026, 3, 30), (date(2026, 1, 30), date(2026, 2, 28))),  # not to month end
    ],
)
def test_previous_period(start: date, end: date, previous: tuple[date, date]) -> None:
    assert Period(start, end, TZ).previous() == Period(*previous, TZ)


def test_quarter_report_compares_with_the_previous_quarter() -> None:
    # Received 30 Sep (Q3), 2 Oct and 31 Dec (Q4), 10 Feb (Q1): Q4 holds 2. The 2 October complaint
    # lies outside the 90 days before 1 January, so an equal-length baseline would count 1.
    days = ["2025-09-30", "2025-10-02", "2025-12-31", "2026-02-10"]
    records = [record(f"CS-{i}", at(d, 12), ack_h=2) for i, d in enumerate(days)]
    findings = {r.id: (finding(r.id, CHECKS[0], Status.PASS),) for r in records}
    current = Snapshot(AS_OF.replace(year=2026, month=4), tuple(records), findings)
    q1 = Period(date(2026, 1, 1), date(2026, 3, 31), TZ)
    view = build_kpi_view(dataset(current=current, period=q1, history=()))
    assert (view.previous_start, view.previous_end) == (date(2025, 10, 1), date(2025, 12, 31))
    received = view.metric("received")
    assert (received.value, received.previous) == (1, 2)
    html = render_html(view, RENDER)
    assert "Baseline: 2025-10-01 to 2025-12-31" in html
    assert "equal length" not in html  # the KPI table's caption named the old rule


def test_data_beginning_inside_the_previous_period_is_stated() -> None:
    # A year's export (as devtools.generator writes) starting 1 December 2025, reported for
    # January to November 2026: the baseline 2025-02-01..2025-12-31 holds only December's
    # complaints, which would read as "+N vs previous" with no warning.
    days = ["2025-12-01", "2025-12-15", "2026-01-10", "2026-06-10"]
    records = [record(f"CS-{i}", at(d, 12), ack_h=2) for i, d in enumerate(days)]
    findings = {r.id: (finding(r.id, CHECKS[0], Status.PASS),) for r in records}
    current = Snapshot(AS_OF.replace(month=12, day=1), tuple(records), findings)
    period = Period(date(2026, 1, 1), date(2026, 11, 30), TZ)
    data = dataset(current=current, period=period, history=())
    view = build_kpi_view(data)
    assert (view.previous_start, view.data_from) == (date(2025, 2, 1), date(2025, 12, 1))
    assert "earliest complaint in the data was received on 2025-12-01, after the previous period began" in (
        render_html(view, RENDER)
    )
    review_html = render_html(build_review_view(data), RENDER)
    assert "earliest complaint in the data was received on 2025-12-01, after it began" in review_html
    # data reaching back before the baseline's start: nothing to say
    covered = dataset(current=current, period=Period(date(2026, 1, 1), date(2026, 1, 31), TZ), history=())
    assert build_kpi_view(covered).data_from is None
