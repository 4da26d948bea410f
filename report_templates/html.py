"""View-model -> one self-contained HTML page (charts inlined as SVG)."""

from __future__ import annotations

from collections.abc import Iterator

from markupsafe import Markup

from report_templates import charts
from report_templates.audit_rows import exception_rows
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


def kpi_charts(view: KpiView) -> dict[str, Markup]:
    checks = view.findings_by_check
    out = {
        "volume_week": charts.bar_chart(
            [r.label for r in view.volume_by_week],
            [r.count for r in view.volume_by_week],
            title="Complaints received per week",
            partial=[r.partial for r in view.volume_by_week],
            ticks=charts.week_ticks([r.label for r in view.volume_by_week]),
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
    return {
        "volume": charts.bar_chart(
            [label for label, _ in view.volume],
            [count for _, count in view.volume],
            title="Complaints received",
            size=(5.0, 2.2),
        )
    }


def page_chunks(view: Page, render: RenderContext, templates_dir: str | None) -> Iterator[str]:
    if isinstance(view, KpiView):
        chart_map = kpi_charts(view)
    elif isinstance(view, ReviewView):
        chart_map = review_charts(view)
    else:
        chart_map = {}
    template = environment(templates_dir).get_template(view.TEMPLATE)
    return template.generate(
        view=view, render=render, charts=chart_map, statuses=STATUS_ORDER, exception_rows=exception_rows
    )


def render_html(view: Page, render: RenderContext, *, templates_dir: str | None = None) -> str:
    """The page for ``view``; ``templates_dir`` overrides shipped templates by file name."""
    return "".join(page_chunks(view, render, templates_dir))
