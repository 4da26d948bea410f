"""``render_report`` / ``render_reports``: one entry point for the CLI and the service's schedule.

Every report is built in one streamed pass over ``data.current``; ``render_reports`` feeds
several reports from the *same* pass (the service renders its scheduled reports this way).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from connector.reports.kinds import (
    SLIM_REGISTER_FORMATS,
    Fmt,
    Kind,
    check_format,
)
from connector.reports.returns import ReturnBuilder, write_return_csv, write_return_json
from connector.reports.tabular import write_csv, write_xlsx
from report_templates.env import RenderContext
from report_templates.html import View, render_html, write_html
from report_templates.input import AnyFinding, ReportInput
from report_templates.returns import ReturnTable
from report_templates.views.audit import AuditBuilder
from report_templates.views.common import Builder, run_pass
from report_templates.views.kpi import KpiBuilder, KpiView
from report_templates.views.register import RegisterBuilder, RegisterTables
from report_templates.views.review import ReviewBuilder

Output = View | ReturnTable | RegisterTables
#: Formats written without the cyclic garbage collector (see ``render_reports``).


@dataclass(frozen=True)
class Job:
    """One report to write: ``kind`` as ``fmt`` to ``out``."""

    kind: Kind
    fmt: Fmt
    out: Path


class _ReturnPass:
    """A regulator return fed by a pass. Returns read only a finding's ``check`` and ``facts``
    (the CFPB return's timely-response fact), which a ``FindingHead`` carries too; their builders
    are typed for full findings, hence the cast."""

    def __init__(self, builder: ReturnBuilder) -> None:
        self.builder = builder

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        self.builder.add(record, cast("tuple[Finding, ...]", findings))

    def finish(self) -> ReturnTable:
        return self.builder.finish()


class _Builders:
    """One builder per kind, sharing the KPI builder between the KPI report and the review."""

    def __init__(self, kinds: Sequence[Kind], data: ReportInput, tables_only: Collection[Kind] = ()) -> None:
        self.data = data
        self.tables_only = set(tables_only)
        self.by_kind: dict[Kind, Builder[object]] = {}
        self.kpi: KpiBuilder | None = None
        for kind in dict.fromkeys(kinds):
            self.by_kind[kind] = self._make(kind, kinds)

    def _make(self, kind: Kind, kinds: Sequence[Kind]) -> Builder[object]:
        data = self.data
        if kind is Kind.register:
            return RegisterBuilder(data)
        if kind is Kind.audit:
            return AuditBuilder(data)
        if kind is Kind.kpi:
            self.kpi = self.kpi or KpiBuilder(data)
            return self.kpi
        if kind is Kind.review:
            if Kind.kpi in kinds:
                self.kpi = self.kpi or KpiBuilder(data)
                return ReviewBuilder(data, self.kpi)
            return ReviewBuilder(data)
        return _ReturnPass(ReturnBuilder(kind.value, data))

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        for builder in self.by_kind.values():
            builder.add(record, findings)

    def finish(self) -> dict[Kind, Output]:
        out: dict[Kind, Output] = {}
        kpi_view: KpiView | None = None
        for kind, builder in self.by_kind.items():
            if kind is Kind.review and isinstance(builder, ReviewBuilder):
                continue  # after the KPI view, which it may share
            if kind in self.tables_only and isinstance(builder, RegisterBuilder):
                out[kind] = builder.finish_tables()
                continue
            view = builder.finish()
            if isinstance(view, KpiView):
                kpi_view = view
            out[kind] = view  # type: ignore[assignment] # every builder makes a View or a ReturnTable
        review = self.by_kind.get(Kind.review)
        if isinstance(review, ReviewBuilder):
            out[Kind.review] = review.finish(kpi_view if review.kpi is self.kpi else None)
        return out


def build_views(
    kinds: Sequence[Kind | str], data: ReportInput, *, tables_only: Collection[Kind] = ()
) -> dict[Kind, Output]:
    """Every ``kinds`` view from one pass over ``data.current`` (``tables_only``: kinds whose
    output needs only the tables, e.g. a register written as CSV)."""
    builders = _Builders([Kind(k) for k in kinds], data, tables_only)
    run_pass(data.current, [builders])
    return builders.finish()


def build_view(kind: Kind | str, data: ReportInput) -> Output:
    return build_views([kind], data)[Kind(kind)]


def view_json(view: View) -> str:
    """The view-model as canonical, human-diffable JSON (sorted keys)."""
    return json.dumps(view.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def default_render_context(data: ReportInput) -> RenderContext:
    now = datetime.now(UTC).astimezone(ZoneInfo(data.period.timezone))
    return RenderContext(generated_at=now, version=data.provenance.code_version)


def write_output(
    view: Output,
    data: ReportInput,
    fmt: Fmt,
    out_path: Path,
    *,
    templates_dir: Path | None = None,
    render: RenderContext | None = None,
) -> Path:
    """Write a built view (or return) to ``out_path`` as ``fmt``.

    CSV carries the view's main table (register rows; KPI table; audit exceptions; review
    headline KPIs); XLSX carries every table of the view, one sheet each.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(view, ReturnTable):
        if fmt is Fmt.csv:
            write_return_csv(view, out_path)
        elif fmt is Fmt.json:
            write_return_json(view, out_path)
        else:
            raise ValueError(f"a regulator return is written as csv or json, not {fmt.value}")
        return out_path
    if isinstance(view, RegisterTables) and fmt not in SLIM_REGISTER_FORMATS:
        raise ValueError(f"the register's tables cannot be written as {fmt.value}")
    templates = str(templates_dir) if templates_dir else None
    if fmt is Fmt.json and not isinstance(view, RegisterTables):
        out_path.write_text(view_json(view), encoding="utf-8")
    elif fmt is Fmt.csv:
        write_csv(view.tables()[0], out_path)
    elif fmt is Fmt.xlsx:
        write_xlsx(view.tables(), out_path, data.period.timezone)
    elif fmt is Fmt.html:
        write_html(view, render or default_render_context(data), out_path, templates_dir=templates)
    else:
        from connector.reports.pdf import write_pdf  # WeasyPrint loads Pango: only when asked

        context = render or default_render_context(data)
        write_pdf(render_html(view, context, templates_dir=templates), out_path)
    return out_path


def render_reports(
    jobs: Sequence[Job],
    data: ReportInput,
    *,
    templates_dir: Path | None = None,
    render: RenderContext | None = None,
) -> list[Path]:
    """Build every job's view in one pass over the data, then write each file."""
    for job in jobs:
        check_format(job.kind, job.fmt)
    formats: dict[Kind, set[Fmt]] = {}
    for job in jobs:
        formats.setdefault(job.kind, set()).add(job.fmt)
    tables_only = [kind for kind, fmts in formats.items() if fmts <= set(SLIM_REGISTER_FORMATS)]

    def write(job: Job) -> Path:
        view = views[job.kind]
        return write_output(view, data, job.fmt, job.out, templates_dir=templates_dir, render=render)

    views = build_views([job.kind for job in jobs], data, tables_only=tables_only)
    last_use = {job.kind: i for i, job in enumerate(jobs)}
    written = []
    for i, job in enumerate(jobs):
        written.append(write(job))
        if last_use[job.kind] == i:
            del views[job.kind]  # no later job needs it: freed before the next file is written
    return written


def render_report(
    kind: Kind | str,
    data: ReportInput,
    fmt: Fmt | str,
    out_path: Path,
    *,
    templates_dir: Path | None = None,
    render: RenderContext | None = None,
) -> Path:
    """Build the ``kind`` view from ``data`` and write it to ``out_path`` as ``fmt``."""
    job = Job(Kind(kind), Fmt(fmt), out_path)
    return render_reports([job], data, templates_dir=templates_dir, render=render)[0]
