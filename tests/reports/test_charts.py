"""Charts are inline SVG, deterministic, without metadata or external references."""

from __future__ import annotations

from report_templates import charts
from report_templates.html import kpi_charts
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


def test_the_reviews_volume_chart_marks_the_weeks_the_period_cuts(data: ReportInput) -> None:
    """The test period starts Thu 1 Oct 2026: its first ISO week (2026-W40, Mon 28 Sep - Sun 4 Oct)
    is only partly inside, so its bar is hatched and the legend says so."""
    from report_templates.html import review_charts
    from report_templates.views.review import build_review_view

    view = build_review_view(data)
    labels = [label for label, _ in view.volume]
    assert labels[0] == "2026-W40" and view.volume_partial[0]
    assert charts.PARTIAL_NOTE in str(review_charts(view)["volume"])
