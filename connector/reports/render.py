"""``render_report``: one entry point for the CLI and the service's schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.reports.tabular import write_csv, write_xlsx
from report_templates.env import RenderContext
from report_templates.html import View, render_html
from report_templates.input import ReportInput
from report_templates.views import build_audit_view, build_kpi_view, build_register_view, build_review_view


class Kind(StrEnum):
    register = "register"
    kpi = "kpi"
    audit = "audit"
    review = "review"


class Fmt(StrEnum):
    html = "html"
    pdf = "pdf"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


def build_view(kind: Kind, data: ReportInput) -> View:
    if kind is Kind.register:
        return build_register_view(data)
    if kind is Kind.kpi:
        return build_kpi_view(data)
    if kind is Kind.audit:
        return build_audit_view(data)
    return build_review_view(data)


def view_json(view: View) -> str:
    """The view-model as canonical, human-diffable JSON (sorted keys)."""
    return json.dumps(view.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def default_render_context(data: ReportInput) -> RenderContext:
    now = datetime.now(UTC).astimezone(ZoneInfo(data.period.timezone))
    return RenderContext(generated_at=now, version=data.provenance.code_version)


def render_report(
    kind: Kind | str,
    data: ReportInput,
    fmt: Fmt | str,
    out_path: Path,
    *,
    templates_dir: Path | None = None,
    render: RenderContext | None = None,
) -> Path:
    """Build the ``kind`` view from ``data`` and write it to ``out_path`` as ``fmt``.

    CSV carries the view's main table (register rows; KPI table; audit exceptions; review
    headline KPIs); XLSX carries every table of the view, one sheet each.
    """
    kind, fmt = Kind(kind), Fmt(fmt)
    view = build_view(kind, data)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if fmt is Fmt.json:
        out_path.write_text(view_json(view), encoding="utf-8")
    elif fmt is Fmt.csv:
        write_csv(view.tables()[0], out_path)
    elif fmt is Fmt.xlsx:
        write_xlsx(view.tables(), out_path, data.period.timezone)
    else:
        context = render or default_render_context(data)
        html = render_html(view, context, templates_dir=str(templates_dir) if templates_dir else None)
        if fmt is Fmt.html:
            out_path.write_text(html, encoding="utf-8")
        else:
            from connector.reports.pdf import write_pdf  # WeasyPrint loads Pango: only when asked

            write_pdf(html, out_path)
    return out_path
