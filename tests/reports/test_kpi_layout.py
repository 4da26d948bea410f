"""The KPI report over long and partial periods: the weekly chart's axis stays readable over a
year, weeks and months only partly inside the period are marked, and the compliance trend spans
several months (hand-built inputs in the builders.py shape; counts worked in each test)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from compliance_checks.findings import Status
from compliance_checks.registry import REGISTRY
from report_templates import charts
from report_templates.html import kpi_charts, render_html
from report_templates.input import Period, ReportInput, Snapshot
from report_templates.render import render_report
from report_templates.views import build_kpi_view
from tests.reports.builders import AS_OF, CHECKS, RENDER, at, dataset, finding, record

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31), "Europe/London")
#: 15 August (a Saturday) to 20 October 2026 (a Tuesday): August and October are partial months.
SVG = "{http://www.w3.org/2000/svg}"
THREE_MONTHS = Period(date(2026, 8, 15), date(2026, 10, 20), "Europe/London")


def _groups(svg: str, prefix: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # noqa: S314 - our own chart's SVG, not outside input
    return [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith(prefix)]


def tick_labels(svg: str, axis: str = "x") -> list[str]:
    """The labelled ticks of a matplotlib SVG (text stays text: ``svg.fonttype: none``)."""
    return ["".join(t.itertext()).strip() for g in _groups(svg, f"{axis}tick_") for t in g.iter(f"{SVG}text")]


def hatched_bars(svg: str) -> int:
    """Bars filled with a hatch pattern (the partial periods), not counting the legend's sample."""

    def hatched(groups: list[ET.Element]) -> int:
        return sum("url(#h" in (p.get("style") or "") for g in groups for p in g.iter(f"{SVG}path"))

    legend = sum(hatched(_groups(ET.tostring(g, "unicode"), "patch_")) for g in _groups(svg, "legend_"))
    return hatched(_groups(svg, "patch_")) - legend


def year_input() -> ReportInput:
    """One complaint every Wednesday of 2026 and on 1 January and 31 December (both Thursdays)."""
    days = [date(2026, 1, 1), date(2026, 12, 31)]
    day = date(2026, 1, 7)
    while day.year == 2026:
        days.append(day)
        day += timedelta(days=7)
    records = [record(f"CS-{i}", at(d.isoformat(), 12), ack_h=2) for i, d in enumerate(sorted(days))]
    findings = {r.id: (finding(r.id, CHECKS[0], Status.PASS),) for r in records}
    current = Snapshot(AS_OF.replace(year=2027, month=1), tuple(records), findings)
    return dataset(current=current, period=YEAR, history=())


def test_weekly_chart_over_a_year_has_monthly_ticks_and_marks_partial_weeks() -> None:
    view = build_kpi_view(year_input())
    weeks = view.volume_by_week
    # 2026 has 53 ISO weeks; 1 January and 31 December are Thursdays: W01 and W53 are partial
    assert len(weeks) == 53
    assert [w.label for w in weeks if w.partial] == ["2026-W01", "2026-W53"]
    assert (weeks[0].count, weeks[1].count, weeks[-1].count) == (1, 1, 2)
    svg = str(kpi_charts(view)["volume_week"])
    labels = tick_labels(svg)
    assert labels == ["Jan 2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert hatched_bars(svg) == 2
    assert charts.PARTIAL_NOTE in svg


def test_short_period_labels_every_week() -> None:
    # October 2026: 1 October is a Thursday and 31 October a Saturday, so W40 and W44 are partial
    view = build_kpi_view(dataset())
    assert [w.label for w in view.volume_by_week if w.partial] == ["2026-W40", "2026-W44"]
    svg = str(kpi_charts(view)["volume_week"])
    assert tick_labels(svg) == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert hatched_bars(svg) == 2


def test_whole_weeks_are_not_marked() -> None:
    # Monday 5 to Sunday 18 October 2026: two whole ISO weeks, no partial bar and no legend note
    whole = Period(date(2026, 10, 5), date(2026, 10, 18), "Europe/London")
    view = build_kpi_view(dataset(period=whole, history=()))
    assert [w.partial for w in view.volume_by_week] == [False, False]
    svg = str(kpi_charts(view)["volume_week"])
    assert hatched_bars(svg) == 0 and charts.PARTIAL_NOTE not in svg


@pytest.mark.parametrize("count", [13, 53, 105, 260])
def test_week_ticks_never_exceed_the_limit(count: int) -> None:
    mondays = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(count)]
    weeks = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in mondays]
    ticks = charts.week_ticks(weeks)
    assert 0 < len(ticks) <= charts.MAX_TICKS
    assert [i for i, _ in ticks] == sorted({i for i, _ in ticks})  # increasing positions, no duplicates


def three_month_input() -> ReportInput:
    """acknowledged-in-time, settled statuses by month of receipt (London time):
    August: PASS -> 1/1; September: PASS, FAIL, WAIVED -> 1/3; October: FAIL -> 0/1, plus an
    AT_RISK (running, left out). A complaint on 25 October is outside the period."""
    plan = [
        ("CS-1", "2026-08-20", Status.PASS),
        ("CS-2", "2026-09-02", Status.PASS),
        ("CS-3", "2026-09-15", Status.FAIL),
        ("CS-4", "2026-09-30", Status.WAIVED),
        ("CS-5", "2026-10-05", Status.FAIL),
        ("CS-6", "2026-10-19", Status.AT_RISK),
        ("CS-7", "2026-10-25", Status.PASS),
    ]
    records = [record(ident, at(day, 12), ack_h=2) for ident, day, _ in plan]
    findings = {ident: (finding(ident, CHECKS[0], status),) for ident, _, status in plan}
    return dataset(current=Snapshot(AS_OF, tuple(records), findings), period=THREE_MONTHS, history=())


def test_compliance_trend_across_three_months_marks_partial_months() -> None:
    view = build_kpi_view(three_month_input())
    (row,) = view.compliance_by_month
    assert row.check == CHECKS[0]
    assert row.by_month == {
        "2026-08": pytest.approx(1.0),
        "2026-09": pytest.approx(1 / 3),
        "2026-10": pytest.approx(0.0),
    }
    assert row.settled == {"2026-08": 1, "2026-09": 3, "2026-10": 1}
    assert row.partial == ("2026-08", "2026-10")
    assert [(m.label, m.count, m.partial) for m in view.volume_by_month] == [
        ("2026-08", 1, True),
        ("2026-09", 3, False),
        ("2026-10", 2, True),
    ]
    # the XLSX sheet names the partial months in its headers
    table = next(t for t in view.tables() if t.name == "Compliance by month")
    assert [c.label for c in table.columns[2:5]] == [
        "2026-08 (partial month) PASS share",
        "2026-09 PASS share",
        "2026-10 (partial month) PASS share",
    ]


def test_compliance_trend_html_marks_partial_months() -> None:
    html = render_html(build_kpi_view(three_month_input()), RENDER)
    section = html[html.index('id="compliance"') : html.index('id="backlog"')]
    heads = re.findall(r'<th scope="col" class="n">(.*?)</th>', section)
    assert heads == [
        '2026-08 <small class="partial">(partial month)</small>',
        "2026-09",
        '2026-10 <small class="partial">(partial month)</small>',
    ]
    assert "a partial month counts only the days of it inside the report period" in section


PDFTOTEXT = shutil.which("pdftotext")
needs_pdf = pytest.mark.skipif(
    PDFTOTEXT is None or importlib.util.find_spec("weasyprint") is None,
    reason="WeasyPrint or pdftotext (poppler-utils) not installed",
)


def pdf_pages(data: ReportInput, path: Path) -> list[str]:
    """The text of each page of the KPI PDF (pdftotext leaves out text clipped off the page)."""
    assert PDFTOTEXT is not None
    render_report("kpi", data, "pdf", path, render=RENDER)
    run = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, text=True, check=True)
    return run.stdout.split("\f")


@needs_pdf
def test_kpi_pdf_page_one_is_the_kpis_their_judgements_and_definitions(tmp_path: Path) -> None:
    data = dataset()
    pages = pdf_pages(data, tmp_path / "kpi.pdf")
    first = " ".join(pages[0].split())
    assert "KPIs (ISO 10002 8.4)" in first
    for metric in build_kpi_view(data).metrics:
        assert " ".join(metric.label.split()) in first, metric.label
    assert {"MET", "AMBER", "MISSED"} <= set(first.split())
    assert "Definitions. Repeat complaint" in first and "Systemic issue" in first
    # the charts start page 2 rather than leaving a chart row's height blank under the table
    assert "Volume" not in first.split()
    assert "Volume" in pages[1].split()


def busy_year_input() -> ReportInput:
    """101 complaints on the 20th of each month of 2026, acknowledged-in-time alternately PASS
    and FAIL (51 / 101 = 50.5 % a month); the period starts 15 January (a partial month)."""
    records, findings = [], {}
    for month in range(1, 13):
        for n in range(101):
            ident = f"CS-{month}-{n}"
            records.append(record(ident, at(f"2026-{month:02d}-20", 12), ack_h=2))
            status = Status.PASS if n % 2 == 0 else Status.FAIL
            findings[ident] = (finding(ident, CHECKS[0], status),)
    current = Snapshot(AS_OF.replace(year=2027, month=1), tuple(records), findings)
    period = Period(date(2026, 1, 15), date(2026, 12, 31), "Europe/London")
    return dataset(current=current, period=period, history=())


@needs_pdf
def test_kpi_pdf_prints_every_month_of_the_compliance_trend(tmp_path: Path) -> None:
    pages = pdf_pages(busy_year_input(), tmp_path / "kpi.pdf")
    text = "\f".join(pages)
    trend = text[text.index("Compliance by month of receipt") : text.index("Backlog by age")]
    # twelve months of "50.5 % (n = 101)" cells used to run off the page's right edge
    assert [m for m in (f"2026-{n:02d}" for n in range(1, 13)) if m not in trend] == []
    assert trend.count("50.5 %") == 12
    assert trend.count("(partial month)") == 1


def page_words(path: Path, page: int) -> list[tuple[float, float, float, str]]:
    """(x_min, x_max, y_min, text) of each word on a page of a PDF (pdftotext -bbox)."""
    assert PDFTOTEXT is not None
    args = [PDFTOTEXT, "-f", str(page), "-l", str(page), "-bbox", str(path), "-"]
    run = subprocess.run(args, capture_output=True, text=True, check=True)
    root = ET.fromstring(run.stdout)  # noqa: S314 - pdftotext's output for our own PDF
    return [
        (float(w.get("xMin", 0)), float(w.get("xMax", 0)), float(w.get("yMin", 0)), "".join(w.itertext()))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


@needs_pdf
def test_kpi_pdf_side_by_side_chart_captions_do_not_run_together(tmp_path: Path) -> None:
    """The volume charts print side by side: their captions share a baseline, so without a
    gutter the week chart's caption ran on into "Complaints by channel" as one sentence."""
    path = tmp_path / "kpi.pdf"
    pages = pdf_pages(dataset(), path)
    page = next(n for n, text in enumerate(pages, start=1) if "Volume" in text.split())
    words = page_words(path, page)
    # the week chart's caption (its SVG title says "per week", not "per ISO week")
    iso = next(w for w in words if w[3] == "ISO")
    line = sorted((w for w in words if abs(w[2] - iso[2]) < 1), key=lambda w: w[0])
    texts = [w[3] for w in line]
    start = max(i for i in range(len(texts) - 2) if texts[i : i + 3] == ["Complaints", "by", "channel"])
    assert start > 0, texts  # both captions on this baseline: the side-by-side layout
    gutter = line[start][0] - line[start - 1][1]
    assert gutter >= 20, f"{gutter:.1f} pt between the captions: {texts}"  # 20 pt is about 7 mm


def test_findings_chart_and_compliance_trend_name_checks_by_their_catalogue_titles() -> None:
    """A board reads "Complaint acknowledged promptly", not ``acknowledged-in-time``: the
    chart's labels are the catalogue's short titles (full titles wrapped over two lines), the
    trend's rows the full titles (the id stays a tooltip)."""
    data = dataset()
    view = build_kpi_view(data)
    titles = {c: REGISTRY.get(c).title for c in CHECKS}
    svg = str(kpi_charts(view)["findings_check"])
    root = ET.fromstring(svg)  # noqa: S314 - our own chart's SVG
    labels = [
        " ".join("".join(t.itertext()).strip() for t in g.iter(f"{SVG}text"))
        for g in root.iter(f"{SVG}g")
        if g.get("id", "").startswith("ytick_")
    ]
    assert sorted(labels) == sorted(REGISTRY.label(c) for c in CHECKS)
    assert not [c for c in CHECKS if c in svg]
    html = render_html(view, RENDER)
    trend = html[html.index('id="compliance"') : html.index('id="backlog"')]
    rows = re.findall(r'<th scope="row" title="check ([a-z-]+)">([^<]+)</th>', trend)
    assert rows and all(titles[check] == title for check, title in rows), rows
