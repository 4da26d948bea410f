"""The management review pack (ISO 10002 8.6): one page for leadership, built on the KPI view."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from compliance_checks.model import ComplaintRecord, Frozen
from compliance_checks.registry import REGISTRY
from report_templates.input import AnyFinding, ReportInput
from report_templates.kinds import Finished, PassContext, ReportKind
from report_templates.views.common import (
    Builder,
    Cohort,
    Column,
    ReportHeader,
    Table,
    counted,
    header,
    maybe_local,
    run_pass,
)
from report_templates.views.kpi import KIND as KPI_KIND
from report_templates.views.kpi import (
    METRIC_COLUMNS,
    HistoryPoint,
    KpiBuilder,
    KpiView,
    Metric,
    ParetoRow,
    shared_kpi_builder,
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
    owner_id: str | None = None
    checks: tuple[str, ...]
    due_at: datetime | None
    received_at: datetime | None = None
    #: Received before the report period: an action carried over from an earlier period.
    carried_over: bool = False
    #: The earliest due time has passed at the report's as-of time.
    overdue: bool = False


class ReviewView(Frozen):
    #: The page template (``report_templates/review.html.j2``; a user template of that name overrides it).
    TEMPLATE: ClassVar[str] = "review.html.j2"

    header: ReportHeader
    previous_start: str
    previous_end: str
    headline: tuple[Metric, ...]
    volume: tuple[tuple[str, int], ...]
    #: For each ``volume`` period: the report period covers only part of it.
    volume_partial: tuple[bool, ...] = ()
    top_root_causes: tuple[ParetoRow, ...]
    #: A systemic issue: a root cause with at least this many complaints and this share of the
    #: period's complaints with a root cause (the policy's ``analysis`` block).
    systemic_min_count: int
    systemic_min_share: float
    systemic: tuple[SystemicIssue, ...]
    repeat_window_days: int
    #: False when the previous period has no complaints (nothing to compare with).
    has_previous: bool
    #: The first receipt day of the data when it falls inside the previous period (ISO date).
    data_from: str | None
    #: Every open action, most urgent first: the first ``open_actions_shown`` on the summary
    #: page, the rest in the appendix.
    open_actions: tuple[OpenAction, ...]
    open_actions_total: int
    open_actions_shown: int
    #: How many of the open actions are complaints received before the period (carried over).
    open_actions_carried_over: int = 0
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
                    Column(key="owner_id", label="Owner id"),
                    Column(key="checks", label="Checks flagged"),
                    Column(key="due_at", label="Earliest due", kind="datetime"),
                    Column(key="received_at", label="Received", kind="datetime"),
                    Column(key="carried_over", label="Received before the period"),
                    Column(key="overdue", label="Overdue at the as-of time"),
                ),
                rows=tuple({**a.model_dump(), "checks": ", ".join(a.checks)} for a in self.open_actions),
            ),
        )


def open_action(
    record: ComplaintRecord,
    findings: tuple[AnyFinding, ...],
    tz: str,
    period_start: datetime,
    as_of: datetime,
) -> OpenAction | None:
    """An open complaint with a FAIL/AT_RISK/ERROR finding (None otherwise); one received before
    ``period_start`` is carried over from an earlier period; overdue when its earliest due time is
    before ``as_of``."""
    flagged = [f for f in findings if f.status.needs_action]
    if not flagged:
        return None
    dues = [f.due_at for f in flagged if f.due_at is not None]
    return OpenAction(
        ticket=record.id,
        url=record.url,
        severity=record.severity.value if record.severity else None,
        owner=record.assignee_name or record.assignee,
        owner_id=record.assignee,
        checks=tuple(sorted({f"{REGISTRY.label(f.check)} ({f.status.value})" for f in flagged})),
        due_at=maybe_local(min(dues), tz) if dues else None,
        overdue=bool(dues) and min(dues) < as_of,
        received_at=maybe_local(record.received_at, tz),
        carried_over=record.received_at < period_start,
    )


class ReviewBuilder:
    """One pass, on top of the KPI builder (shared with a KPI report of the same pass when
    ``kpi`` is given: it is then fed by the caller, not by this builder)."""

    def __init__(self, data: ReportInput, kpi: KpiBuilder | None = None) -> None:
        self.data = data
        self.tz = data.period.timezone
        self.feeds_kpi = kpi is None
        self.kpi = kpi or KpiBuilder(data)
        self.cohort = Cohort(data.period, data.as_of)
        self.by_cause: dict[str, list[str]] = {}
        self.actions: list[OpenAction] = []

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        if self.feeds_kpi:
            self.kpi.add(record, findings)
        if not counted(record) or record.received_at > self.data.as_of:
            return
        if record.root_cause and record in self.cohort:
            # Keyed as the KPI's root-cause rows are labelled (the option's name).
            cause = record.named(record.root_cause) or record.root_cause
            self.by_cause.setdefault(cause, []).append(record.id)
        if record.is_open:
            action = open_action(record, findings, self.tz, self.cohort.lo, self.data.as_of)
            if action is not None:
                self.actions.append(action)

    def finish(self, kpi: KpiView | None = None) -> ReviewView:
        kpi = kpi or self.kpi.finish()
        data = self.data
        systemic = [
            SystemicIssue(
                root_cause=row.label,
                count=row.count,
                complaints=tuple(sorted(self.by_cause.get(row.label, ()))[:8]),
            )
            for row in kpi.root_causes
            if row.count >= kpi.systemic_min_count and row.share >= kpi.systemic_min_share
        ]
        far = datetime.max.replace(tzinfo=data.as_of.tzinfo)
        # Most urgent (earliest due) first.
        actions = sorted(self.actions, key=lambda a: (a.due_at or far, a.ticket))
        # Weeks read well up to about a quarter; longer periods are shown by month.
        volume = kpi.volume_by_week if len(kpi.volume_by_week) <= 16 else kpi.volume_by_month
        return ReviewView(
            header=header(data, "review", "Complaints handling: management review"),
            previous_start=kpi.previous_start.isoformat(),
            previous_end=kpi.previous_end.isoformat(),
            headline=tuple(kpi.metric(k) for k in HEADLINE_KEYS),
            volume=tuple((r.label, r.count) for r in volume),
            volume_partial=tuple(r.partial for r in volume),
            top_root_causes=kpi.root_causes[:5],
            systemic_min_count=kpi.systemic_min_count,
            systemic_min_share=kpi.systemic_min_share,
            systemic=tuple(systemic),
            repeat_window_days=kpi.repeat_window_days,
            has_previous=kpi.has_previous,
            data_from=kpi.data_from.isoformat() if kpi.data_from else None,
            open_actions=tuple(actions),
            open_actions_total=len(actions),
            open_actions_shown=min(len(actions), data.options.review_actions),
            open_actions_carried_over=sum(a.carried_over for a in actions),
            history=kpi.history,
        )


def build_review_view(data: ReportInput, kpi: KpiView | None = None) -> ReviewView:
    builder = ReviewBuilder(data)
    run_pass(data.current, [builder])
    return builder.finish(kpi)


def _start(ctx: PassContext) -> ReviewBuilder:
    # With a KPI report in the same pass, its builder (fed by the pass) is shared.
    return ReviewBuilder(ctx.data, shared_kpi_builder(ctx) if KPI_KIND.name in ctx.kinds else None)


def _finish(builder: Builder[object], ctx: PassContext, finished: Finished) -> ReviewView:
    assert isinstance(builder, ReviewBuilder)  # noqa: S101 - made by _start
    kpi = finished.get(KPI_KIND.name)
    shared = isinstance(kpi, KpiView) and builder.kpi is ctx.shared.get("kpi")
    return builder.finish(kpi if shared and isinstance(kpi, KpiView) else None)


KIND = ReportKind(
    name="review",
    title="the management review pack (8.6)",
    start=_start,
    finish=_finish,
    trend=True,
    after=(KPI_KIND.name,),
)
