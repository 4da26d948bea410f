"""Charts are inline SVG, deterministic, without metadata or external references."""

from __future__ import annotations

from datetime import date

from report_templates import charts
from report_templates.html import kpi_charts, partial_note, period_axis
from report_templates.input import ReportInput
from report_templates.views import build_kpi_view


def test_same_data_gives_identical_svg(data: ReportInput) -> None:
    first = kpi_charts(build_kpi_view(data))
    second = kpi_charts(build_kpi_view(data))
    assert first == second
    assert set(first) >= {"volume_week", "volume_channel", "backlog", "pareto", "findings_check"}


def test_svg_is_self_contained() -> None:
    svg = str(charts.bar_chart(["a", "b"], [1, 2], title="T <&>"))
    assert svg.startswith('<svg role="img" aria-label="T &lt;&amp;&gt;"')
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert "<metadata" not in svg and "dc:date" not in svg and "Matplotlib v" not in svg
    assert 'href="http' not in svg.replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_a_year_of_weeks_has_one_tick_a_month_and_marks_the_partial_weeks() -> None:
    """Friday 2025-11-21 to Friday 2026-11-20: 53 ISO weeks, the first and last cut short."""
    start, end = date(2025, 11, 21), date(2026, 11, 20)
    days = (date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1))
    weeks = sorted({f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days})
    assert len(weeks) == 53
    ticks, partial = period_axis(weeks, start, end)
    assert partial == [0, 52]
    labels = [label for _, label in ticks]
    assert labels == [
        "Dec 2025",
        "Jan 2026",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
    ]
    assert weeks[ticks[0][0]] == "2025-W49"  # Mon 1 Dec 2025
    assert weeks[ticks[1][0]] == "2026-W01"  # the week holding Thu 1 Jan 2026


def test_whole_periods_are_not_partial_and_few_periods_keep_every_label() -> None:
    ticks, partial = period_axis(["2026-W40", "2026-W41"], date(2026, 9, 28), date(2026, 10, 11))
    assert partial == [] and ticks == [(0, "2026-W40"), (1, "2026-W41")]
    _, partial = period_axis(["2026-09", "2026-10"], date(2026, 9, 2), date(2026, 10, 31))
    assert partial == [0]
    svg = str(charts.period_chart([3, 4], title="V", ticks=[(0, "a"), (1, "b")], partial=[0]))
    assert "partial (not all its days in the period)" in svg


def test_partial_months_are_named_for_the_table_caption() -> None:
    start, end = date(2025, 11, 21), date(2026, 11, 20)
    months = [f"{2025 + (10 + n) // 12}-{(10 + n) % 12 + 1:02d}" for n in range(13)]
    assert months[0] == "2025-11" and months[-1] == "2026-11"
    assert partial_note(months, start, end) == "; partial: 2025-11 (from 21 Nov), 2026-11 (to 20 Nov)"
    assert partial_note(["2026-10"], date(2026, 10, 1), date(2026, 10, 31)) == ""
    assert (
        partial_note(["2026-10"], date(2026, 10, 2), date(2026, 10, 30))
        == "; partial: 2026-10 (from 02 Oct to 30 Oct)"
    )
