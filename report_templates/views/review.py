"""The management review pack (ISO 10002 8.6): one page for leadership, built on the KPI view."""

from __future__ import annotations

from datetime import datetime

from compliance_checks.model import Frozen
from report_templates.input import ReportInput
from report_templates.views.common import Column, ReportHeader, Table, counted, header, maybe_local
from report_templates.views.kpi import (
    METRIC_COLUMNS,
    HistoryPoint,
    KpiView,
    Metric,
    ParetoRow,
    build_kpi_view,
)

#: The KPIs leadership sees, in this order.
HEADLINE_KEYS = (
    "received",
    "ack_in_target",
    "response_in_target",
    "closure_median_days",
    "escalation_rate",
    "upheld_rate",
    "repeat_rate",
    "satisfaction_rate",
)


class SystemicIssue(Frozen):
    root_cause: str
    count: int
    complaints: tuple[str, ...]


class OpenAction(Frozen):
    ticket: str
    url: str | None
    severity: str | None
    owner: str | None
    checks: tuple[str, ...]
    due_at: datetime | None


class ReviewView(Frozen):
    header: ReportHeader
    previous_start: str
    previous_end: str
    headline: tuple[Metric, ...]
    volume: tuple[tuple[str, int], ...]
    top_root_causes: tuple[ParetoRow, ...]
    systemic_threshold: int
    systemic: tuple[SystemicIssue, ...]
    open_actions: tuple[OpenAction, ...]
    open_actions_total: int
    history: tuple[HistoryPoint, ...]

    def tables(self) -> tuple[Table, ...]:
        """Headline KPIs first (the CSV export), then the open actions."""
        return (
            Table(
                name="Headline KPIs",
                columns=METRIC_COLUMNS,
                rows=tuple(m.model_dump() for m in self.headline),
            ),
            Table(
                name="Open actions",
                columns=(
                    Column(key="ticket", label="Complaint"),
                    Column(key="url", label="Link", kind="url"),
                    Column(key="severity", label="Severity"),
                    Column(key="owner", label="Owner"),
                    Column(key="checks", label="Checks flagged"),
                    Column(key="due_at", label="Earliest due", kind="datetime"),
                ),
                rows=tuple({**a.model_dump(), "checks": ", ".join(a.checks)} for a in self.open_actions),
            ),
        )


def open_actions(data: ReportInput) -> list[OpenAction]:
    """Open complaints with a FAIL/AT_RISK/ERROR finding, most urgent (earliest due) first."""
    tz = data.period.timezone
    out = []
    for r in data.current.records:
        if not counted(r) or not r.is_open or r.received_at > data.as_of:
            continue
        flagged = [f for f in data.current.findings_for(r.id) if f.status.needs_action]
        if not flagged:
            continue
        dues = [f.due_at for f in flagged if f.due_at is not None]
        out.append(
            OpenAction(
                ticket=r.id,
                url=r.url,
                severity=r.severity.value if r.severity else None,
                owner=r.assignee,
                checks=tuple(sorted({f"{f.check} ({f.status.value})" for f in flagged})),
                due_at=maybe_local(min(dues), tz) if dues else None,
            )
        )
    far = datetime.max.replace(tzinfo=data.as_of.tzinfo)
    return sorted(out, key=lambda a: (a.due_at or far, a.ticket))


def build_review_view(data: ReportInput, kpi: KpiView | None = None) -> ReviewView:
    kpi = kpi or build_kpi_view(data)
    threshold = data.options.systemic_threshold
    members = [r for r in data.current.records if counted(r) and data.period.contains(r.received_at)]
    systemic = []
    for row in kpi.root_causes:
        if row.count >= threshold:
            ids = sorted(r.id for r in members if r.root_cause == row.label and r.received_at <= data.as_of)
            systemic.append(SystemicIssue(root_cause=row.label, count=row.count, complaints=tuple(ids[:8])))
    actions = open_actions(data)
    # Weeks read well up to about a quarter; longer periods are shown by month.
    volume = kpi.volume_by_week if len(kpi.volume_by_week) <= 16 else kpi.volume_by_month
    return ReviewView(
        header=header(data, "review", "Complaints handling: management review"),
        previous_start=kpi.previous_start.isoformat(),
        previous_end=kpi.previous_end.isoformat(),
        headline=tuple(kpi.metric(k) for k in HEADLINE_KEYS),
        volume=tuple((r.label, r.count) for r in volume),
        top_root_causes=kpi.root_causes[:5],
        systemic_threshold=threshold,
        systemic=tuple(systemic),
        open_actions=tuple(actions[: data.options.review_actions]),
        open_actions_total=len(actions),
        history=kpi.history,
    )
