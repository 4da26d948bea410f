"""View-model -> one self-contained HTML page (charts inlined as SVG)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup

from compliance_checks.registry import REGISTRY
from report_templates import charts
from report_templates.audit_rows import AdviceLegend, exception_groups, exception_rows
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
            [REGISTRY.label(r.key) if r.key in REGISTRY else r.title for r in checks],
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
    labels = [label for label, _ in view.volume]
    weekly = any("-W" in label for label in labels)
    return {
        "volume": charts.bar_chart(
            labels,
            [count for _, count in view.volume],
            title="Complaints received",
            partial=list(view.volume_partial),
            ticks=charts.week_ticks(labels) if weekly else charts.thin_ticks(labels),
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
        advice_legend=AdviceLegend.of,
        script=page_script(view, templates_dir),
    )


def render_html(view: Page, render: RenderContext, *, templates_dir: str | None = None) -> str:
    """The page for ``view``; ``templates_dir`` overrides shipped templates by file name."""
    return "".join(page_chunks(view, render, templates_dir))
