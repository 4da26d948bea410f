"""View-model -> one self-contained HTML page (charts inlined as SVG)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from report_templates import charts
from report_templates.audit_rows import exception_groups, exception_rows
from report_templates.env import RenderContext, environment
from report_templates.views.audit import AuditView
from report_templates.views.common import STATUS_ORDER
from report_templates.views.kpi import KpiView
from report_templates.views.register import RegisterTables, RegisterView
from report_templates.views.review import ReviewView

View = RegisterView | KpiView | AuditView | ReviewView
#: What a page can be rendered from (the register also from its slim rows, streamed).
Page = View | RegisterTables
_STATUS_COLOURS = (
    ("FAIL", charts.RED),
    ("AT_RISK", charts.AMBER),
    ("WAIVED", "#3949ab"),
    ("PASS", charts.GREEN),
)


#: Up to this many periods every bar is labelled; beyond, only the first period of each month.
_LABEL_ALL = 14


def _span(label: str) -> tuple[date, date]:
    """First and last day of an ISO week (``2026-W05``) or a month (``2026-02``) label."""
    if "-W" in label:
        iso_year, week = label.split("-W")
        monday = date.fromisocalendar(int(iso_year), int(week), 1)
        return monday, monday + timedelta(days=6)
    year, month = label.split("-")
    first = date(int(year), int(month), 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def period_axis(labels: list[str], start: date, end: date) -> tuple[list[tuple[int, str]], list[int]]:
    """(ticks, partial periods) for bars per week or month over ``start``..``end``.

    A period is partial when the report period cuts it (it starts mid-week, ends mid-month).
    Over many periods, one tick a month at the period holding its first day, labelled ``Jan 2026``
    (the year shown on the first tick and on January)."""
    spans = [_span(label) for label in labels]
    partial = sorted({i for i in (0, len(spans) - 1) if spans and (spans[i][0] < start or spans[i][1] > end)})
    if len(labels) <= _LABEL_ALL:
        return list(enumerate(labels)), partial
    ticks: list[tuple[int, str]] = []
    for i, (first, last) in enumerate(spans):
        month_start = (
            first if first.day == 1 else (last.replace(day=1) if last.month != first.month else None)
        )
        if month_start is None:
            continue
        with_year = not ticks or month_start.month == 1
        ticks.append((i, month_start.strftime("%b %Y" if with_year else "%b")))
    return ticks, partial


def partial_note(labels: list[str], start: date, end: date) -> str:
    """``; partial: 2025-11 (from 21 Nov), 2026-11 (to 20 Nov)`` for a table of periods, or ''."""
    parts = []
    for i in period_axis(labels, start, end)[1]:
        first, last = _span(labels[i])
        days = [f"from {start:%d %b}"] if first < start else []
        days += [f"to {end:%d %b}"] if last > end else []
        parts.append(f"{labels[i]} ({' '.join(days)})")
    return f"; partial: {', '.join(parts)}" if parts else ""


def kpi_charts(view: KpiView) -> dict[str, Markup]:
    checks = view.findings_by_check
    weeks = [r.label for r in view.volume_by_week]
    ticks, partial = period_axis(weeks, view.header.period_start, view.header.period_end)
    out = {
        "volume_week": charts.period_chart(
            [r.count for r in view.volume_by_week],
            title="Complaints received per week",
            ticks=ticks,
            partial=partial,
        ),
        "volume_channel": charts.bar_chart(
            [r.label for r in view.by_channel],
            [r.count for r in view.by_channel],
            title="Complaints by channel",
            horizontal=True,
        ),
        "backlog": charts.bar_chart(
            [r.label for r in view.backlog],
            [r.count for r in view.backlog],
            title="Open complaints by age",
            color=charts.AMBER,
        ),
        "pareto": charts.pareto_chart(
            [r.label for r in view.root_causes],
            [r.count for r in view.root_causes],
            [r.cumulative for r in view.root_causes],
            title="Root-cause Pareto",
        ),
        "findings_check": charts.stacked_status_chart(
            [r.key for r in checks],
            [(s, [r.counts[s] for r in checks], colour) for s, colour in _STATUS_COLOURS],
            title="Findings by check",
        ),
    }
    if len(view.history) > 1:
        out["history"] = charts.line_chart(
            [p.as_of.strftime("%Y-%m-%d") for p in view.history],
            [
                ("open backlog", [p.backlog for p in view.history], charts.BLUE),
                ("open and flagged", [p.flagged_open for p in view.history], charts.RED),
            ],
            title="Backlog over time",
        )
    return out


def review_charts(view: ReviewView) -> dict[str, Markup]:
    ticks, partial = period_axis(
        [label for label, _ in view.volume], view.header.period_start, view.header.period_end
    )
    return {
        "volume": charts.period_chart(
            [count for _, count in view.volume],
            title="Complaints received",
            ticks=ticks,
            partial=partial,
            size=(5.0, 2.2),
        )
    }


#: No fetch of any kind; inline styles (the page's and the SVG charts'); data: images only.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class Script:
    """The inline script of a page and the Content-Security-Policy that allows only it."""

    body: Markup
    csp: str


def page_script(view: Page, templates_dir: str | None) -> Script:
    """The table tools for the pages with long tables (register, audit); no script elsewhere.

    The page's CSP allows no fetch at all and only this script, by its sha256 (a meta CSP
    cannot carry a nonce usefully for a static file), so injected markup could not run."""
    policy = _CSP
    if not isinstance(view, RegisterView | RegisterTables | AuditView):
        return Script(body=Markup(""), csp=policy)
    body = environment(templates_dir).get_template("_tables.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    # A script's text is never escaped: it is our own file, and it contains no "</script".
    return Script(body=Markup(body), csp=f"{policy}; script-src 'sha256-{digest}'")  # noqa: S704


def page_chunks(view: Page, render: RenderContext, templates_dir: str | None) -> Iterator[str]:
    if isinstance(view, KpiView):
        chart_map = kpi_charts(view)
    elif isinstance(view, ReviewView):
        chart_map = review_charts(view)
    else:
        chart_map = {}
    template = environment(templates_dir).get_template(view.TEMPLATE)
    return template.generate(
        view=view,
        render=render,
        charts=chart_map,
        statuses=STATUS_ORDER,
        exception_rows=exception_rows,
        exception_groups=exception_groups,
        partial_note=partial_note,
        script=page_script(view, templates_dir),
    )


def render_html(view: Page, render: RenderContext, *, templates_dir: str | None = None) -> str:
    """The page for ``view``; ``templates_dir`` overrides shipped templates by file name."""
    return "".join(page_chunks(view, render, templates_dir))
