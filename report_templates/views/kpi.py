"""The KPI report (ISO 10002 8.2 analysis, 8.4 monitoring), with the previous period as baseline."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo

from compliance_checks.clauses import clauses
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Frozen
from compliance_checks.policy import Policy
from report_templates.input import AnyFinding, ComplaintSource, Period, ReportInput
from report_templates.kinds import PassContext, ReportKind
from report_templates.views.common import (
    STATUS_ORDER,
    Column,
    ReportHeader,
    Table,
    header,
    ratio,
    run_pass,
)
from report_templates.views.metrics import (
    ACK_CHECK,
    RESPONSE_CHECK,
    SETTLED,
    Backlog,
    CohortAccumulator,
    CohortFigures,
    Figure,
)

Unit = Literal["count", "ratio", "hours", "days", "per_1000"]
Better = Literal["higher", "lower", "neutral"]


class Metric(Frozen):
    key: str
    label: str
    unit: Unit
    value: float | None
    previous: float | None
    change: float | None
    numerator: int | None
    denominator: int | None
    better: Better
    target: str | None = None
    #: The policy's KPI objective (``kpis`` block) and amber line, and the judgement against them.
    objective: float | None = None
    amber: float | None = None
    judgement: Literal["met", "amber", "missed"] | None = None


class ComplianceRow(Frozen):
    """One check's compliance by month of receipt: PASS / (PASS + FAIL + WAIVED), None if no
    clock settled that month."""

    check: str
    title: str
    by_month: dict[str, float | None]
    settled: dict[str, int]
    #: Months the report period covers only in part (its first and last month, as a rule).
    partial: tuple[str, ...] = ()


class CountRow(Frozen):
    label: str
    count: int
    previous: int | None
    share: float | None
    #: A week or month the report period covers only in part: its count is not a full one.
    partial: bool = False


class ParetoRow(Frozen):
    label: str
    count: int
    share: float
    cumulative: float


class FindingsRow(Frozen):
    key: str
    title: str
    counts: dict[str, int]
    needs_action: int


class HistoryPoint(Frozen):
    as_of: datetime
    backlog: int
    flagged_open: int


class KpiView(Frozen):
    #: The page template (``report_templates/kpi.html.j2``; a user template of that name overrides it).
    TEMPLATE: ClassVar[str] = "kpi.html.j2"

    header: ReportHeader
    previous_start: date
    previous_end: date
    #: "snapshot" when the baseline was evaluated as of the previous period's end, else "current".
    baseline: Literal["snapshot", "current"]
    metrics: tuple[Metric, ...]
    volume_by_week: tuple[CountRow, ...]
    volume_by_month: tuple[CountRow, ...]
    by_channel: tuple[CountRow, ...]
    by_category: tuple[CountRow, ...]
    by_severity: tuple[CountRow, ...]
    backlog: tuple[CountRow, ...]
    root_causes: tuple[ParetoRow, ...]
    root_cause_missing: int
    findings_by_check: tuple[FindingsRow, ...]
    #: Clauses some finding of the period cites (a row of zeros would read as "no problems").
    findings_by_clause: tuple[FindingsRow, ...]
    #: Catalogue clauses no finding cites: no enabled check evidences them (MANUAL in the audit).
    clauses_without_findings: tuple[str, ...]
    findings_by_team: tuple[FindingsRow, ...]
    history: tuple[HistoryPoint, ...]
    #: False when the previous period has no complaints (a first period): nothing to compare.
    has_previous: bool
    #: The earliest receipt day in the data when it falls after the previous period's start:
    #: the data may cover that period only in part (a source cannot say), so the report says so.
    data_from: date | None
    compliance_by_month: tuple[ComplianceRow, ...]
    #: The definitions the figures use (from the policy's ``analysis`` block).
    repeat_window_days: int
    systemic_min_count: int
    systemic_min_share: float

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

    def _compliance_table(self) -> Table:
        months = tuple(self.compliance_by_month[0].by_month) if self.compliance_by_month else ()
        partial = set(self.compliance_by_month[0].partial) if self.compliance_by_month else set()

        def named(m: str) -> str:
            return f"{m} (partial month)" if m in partial else m

        return Table(
            name="Compliance by month",
            columns=(
                Column(key="check", label="Check"),
                Column(key="title", label="Title"),
                *(Column(key=m, label=f"{named(m)} PASS share", kind="ratio") for m in months),
                *(Column(key=f"{m} settled", label=f"{named(m)} settled", kind="int") for m in months),
            ),
            rows=tuple(
                {
                    "check": r.check,
                    "title": r.title,
                    **r.by_month,
                    **{f"{m} settled": n for m, n in r.settled.items()},
                }
                for r in self.compliance_by_month
            ),
        )

    def tables(self) -> tuple[Table, ...]:
        """The KPI table first (the CSV export), then the breakdowns (extra XLSX sheets)."""
        counts = (
            Column(key="label", label="Value"),
            Column(key="count", label="Complaints", kind="int"),
            Column(key="previous", label="Previous period", kind="int"),
            Column(key="share", label="Share", kind="ratio"),
        )
        status_cols = tuple(Column(key=s, label=s, kind="int") for s in STATUS_ORDER)
        findings_cols = (Column(key="key", label="Key"), Column(key="title", label="Title"), *status_cols)
        return (
            Table(name="KPIs", columns=METRIC_COLUMNS, rows=tuple(m.model_dump() for m in self.metrics)),
            Table(name="By channel", columns=counts, rows=tuple(r.model_dump() for r in self.by_channel)),
            Table(name="By category", columns=counts, rows=tuple(r.model_dump() for r in self.by_category)),
            Table(name="By severity", columns=counts, rows=tuple(r.model_dump() for r in self.by_severity)),
            Table(name="Backlog", columns=counts, rows=tuple(r.model_dump() for r in self.backlog)),
            Table(
                name="Root causes",
                columns=(
                    Column(key="label", label="Root cause"),
                    Column(key="count", label="Complaints", kind="int"),
                    Column(key="share", label="Share", kind="ratio"),
                    Column(key="cumulative", label="Cumulative", kind="ratio"),
                ),
                rows=tuple(r.model_dump() for r in self.root_causes),
            ),
            self._compliance_table(),
            Table(name="Findings by check", columns=findings_cols, rows=_flat(self.findings_by_check)),
            Table(name="Findings by team", columns=findings_cols, rows=_flat(self.findings_by_team)),
        )


METRIC_COLUMNS: tuple[Column, ...] = (
    Column(key="key", label="Key"),
    Column(key="label", label="KPI"),
    Column(key="unit", label="Unit"),
    Column(key="value", label="Value", kind="float"),
    Column(key="previous", label="Previous period", kind="float"),
    Column(key="change", label="Change", kind="float"),
    Column(key="numerator", label="Numerator", kind="int"),
    Column(key="denominator", label="Denominator", kind="int"),
    Column(key="target", label="Per-complaint target (policy)"),
    Column(key="objective", label="KPI objective", kind="ratio"),
    Column(key="amber", label="Amber line", kind="ratio"),
    Column(key="judgement", label="Met / amber / missed"),
)


def _flat(rows: tuple[FindingsRow, ...]) -> tuple[dict[str, object], ...]:
    return tuple({"key": r.key, "title": r.title, **r.counts} for r in rows)


def target_text(policy: Policy, check_id: str) -> str | None:
    """The policy's objective for a clock check: ``20 business days (critical: 5 business days)``."""
    for enabled in policy.checks:
        if enabled.id != check_id:
            continue
        target = getattr(enabled.params, "target", None)
        if target is None or getattr(target, "default", None) is None:
            return None
        extras = [
            f"{k.value}: {v}" for k, v in sorted(target.by_severity.items(), key=lambda kv: kv[0].value)
        ]
        extras += [f"{k}: {v}" for k, v in sorted(target.by_category.items())]
        return f"{target.default}" + (f" ({'; '.join(extras)})" if extras else "")
    return None


#: KPI key -> its objective's name in the policy's ``kpis`` block.
OBJECTIVE_NAMES = {
    "ack_in_target": "acknowledged_in_time",
    "response_in_target": "responded_in_time",
    "closed_in_target": "closed_in_time",
    "satisfaction_rate": "satisfied",
    "escalation_rate": "escalated",
    "reopen_rate": "reopened",
    "repeat_rate": "repeat_complaints",
}

_SPECS: tuple[tuple[str, str, Unit, Better, str | None], ...] = (
    # key, label, unit, better, check whose policy target is the per-complaint target
    ("received", "Complaints received", "count", "neutral", None),
    ("per_1000_customers", "Complaints per 1,000 customers", "per_1000", "lower", None),
    ("ack_median_hours", "Acknowledgement time, median", "hours", "lower", None),
    ("ack_p90_hours", "Acknowledgement time, P90", "hours", "lower", None),
    ("ack_in_target", "Acknowledged within target", "ratio", "higher", ACK_CHECK),
    ("response_median_days", "Time to response, median", "days", "lower", None),
    ("response_p90_days", "Time to response, P90", "days", "lower", None),
    ("response_in_target", "Responded within target", "ratio", "higher", RESPONSE_CHECK),
    ("closure_median_days", "Time to closure, median", "days", "lower", None),
    ("closure_p90_days", "Time to closure, P90", "days", "lower", None),
    ("closed_in_target", "Closed within target", "ratio", "higher", RESPONSE_CHECK),
    ("escalation_rate", "Escalation rate (escalated / received)", "ratio", "lower", None),
    ("reopen_rate", "Reopen rate (reopened / closed)", "ratio", "lower", None),
    ("upheld_rate", "Upheld rate ((upheld + partly upheld) / closed)", "ratio", "neutral", None),
    ("repeat_rate", "Repeat complaints (same complainant) / received", "ratio", "lower", None),
    ("repeat_root_cause_rate", "Recurring root cause / received", "ratio", "lower", None),
    ("satisfaction_rate", "Satisfied with handling (of rated)", "ratio", "higher", None),
)


def _figure(figs: CohortFigures, key: str) -> Figure:
    if key == "received":
        return Figure(float(figs.received), figs.received, None)
    value = getattr(figs, key)
    assert isinstance(value, Figure)  # noqa: S101 - _SPECS keys are CohortFigures fields
    return value


def metrics(now: CohortFigures, before: CohortFigures | None, policy: Policy) -> tuple[Metric, ...]:
    """Every KPI against the previous period (None: no previous period to compare with) and
    against the policy's objective."""
    out = []
    objectives = policy.spec.kpis
    for key, label, unit, better, target_check in _SPECS:
        cur = _figure(now, key)
        prev = _figure(before, key) if before is not None else Figure(None)
        change = cur.value - prev.value if cur.value is not None and prev.value is not None else None
        name = OBJECTIVE_NAMES.get(key)
        item = getattr(objectives, name) if name else None
        out.append(
            Metric(
                key=key,
                label=label,
                unit=unit,
                value=cur.value,
                previous=prev.value,
                change=change,
                numerator=cur.numerator,
                denominator=cur.denominator,
                better=better,
                target=target_text(policy, target_check) if target_check else None,
                objective=item.objective if item else None,
                amber=item.amber if item else None,
                judgement=objectives.judge(name, cur.value) if name else None,
            )
        )
    return tuple(out)


def count_rows(now: Counter[str], before: Counter[str] | None) -> tuple[CountRow, ...]:
    previous = before if before is not None else Counter[str]()
    total = sum(now.values())
    labels = sorted(set(now) | set(previous), key=lambda k: (-now[k], k))
    return tuple(
        CountRow(
            label=k,
            count=now[k],
            previous=previous[k] if before is not None else None,
            share=now[k] / total if total else None,
        )
        for k in labels
    )


def _buckets(counts: Counter[str], wanted: list[str], partial: set[str]) -> tuple[CountRow, ...]:
    total = sum(counts.values())
    return tuple(
        CountRow(
            label=k,
            count=counts[k],
            previous=None,
            share=counts[k] / total if total else None,
            partial=k in partial,
        )
        for k in wanted
    )


def _weeks(period: Period) -> list[str]:
    out, day = [], period.start
    while day <= period.end:
        label = _week(day)
        if label not in out:
            out.append(label)
        day += timedelta(days=1)
    return out


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _months(period: Period) -> list[str]:
    out, day = [], period.start
    while day <= period.end:
        label = f"{day.year}-{day.month:02d}"
        if label not in out:
            out.append(label)
        day += timedelta(days=1)
    return out


def partial_weeks(period: Period) -> set[str]:
    """The ISO weeks (Monday to Sunday) the period does not cover whole."""
    first = period.start - timedelta(days=period.start.weekday())
    last = period.end + timedelta(days=6 - period.end.weekday())
    ends = ((first, first == period.start), (last, last == period.end))
    return {_week(d) for d, whole in ends if not whole}


def partial_months(period: Period) -> set[str]:
    """The calendar months the period does not cover whole."""
    out = set()
    if period.start.day != 1:
        out.add(f"{period.start.year}-{period.start.month:02d}")
    if (period.end + timedelta(days=1)).day != 1:
        out.add(f"{period.end.year}-{period.end.month:02d}")
    return out


StatusCounts = dict[str, Counter[str]]


def findings_rows(groups: StatusCounts, titles: dict[str, str]) -> tuple[FindingsRow, ...]:
    rows = []
    for key, tallied in groups.items():
        counts = {s: tallied[s] for s in STATUS_ORDER}
        needs = sum(counts[s.value] for s in Status if s.needs_action)
        rows.append(FindingsRow(key=key, title=titles.get(key, key), counts=counts, needs_action=needs))
    return tuple(sorted(rows, key=lambda r: (-r.needs_action, r.key)))


def _label(value: str | None) -> str:
    return value if value else "(not recorded)"


class Breakdowns:
    """Counts of one cohort by channel, category and severity."""

    def __init__(self) -> None:
        self.channel: Counter[str] = Counter()
        self.category: Counter[str] = Counter()
        self.severity: Counter[str] = Counter()

    def add(self, record: ComplaintRecord) -> None:
        self.channel[_label(record.channel)] += 1
        self.category[_label(record.named(record.category))] += 1
        self.severity[_label(record.severity.value if record.severity else None)] += 1


class SnapshotPass:
    """What one pass over a snapshot gives the KPI report: a cohort's figures and breakdowns,
    the backlog by age and the number of open complaints flagged."""

    def __init__(self, source: ComplaintSource, period: Period, data: ReportInput) -> None:
        self.as_of = source.as_of
        self.cohort = CohortAccumulator(
            period, source.as_of, data.options, analysis=data.policy.spec.analysis
        )
        self.breakdowns = Breakdowns()
        self.backlog = Backlog(source.as_of)

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> bool:
        self.backlog.add(record, findings)
        member = self.cohort.add(record, findings)
        if member:
            self.breakdowns.add(record)
        return member

    def point(self) -> HistoryPoint:
        return HistoryPoint(
            as_of=self.as_of, backlog=sum(self.backlog.counts.values()), flagged_open=self.backlog.flagged
        )


def _scan(source: ComplaintSource, period: Period, data: ReportInput) -> SnapshotPass:
    scan = SnapshotPass(source, period, data)
    for record, findings in source.items():
        scan.add(record, findings)
    return scan


def _backlog_point(source: ComplaintSource) -> HistoryPoint:
    acc = Backlog(source.as_of)
    for item in source.briefs():
        acc.add_brief(item)
    return HistoryPoint(as_of=source.as_of, backlog=sum(acc.counts.values()), flagged_open=acc.flagged)


class KpiBuilder:
    """One pass over ``data.current``; the trend baseline (the evaluation taken at the period
    start, when the source has one) and every other earlier evaluation get a pass each."""

    def __init__(self, data: ReportInput) -> None:
        self.data = data
        self.tz = data.period.timezone
        self.zone = ZoneInfo(self.tz)
        self.previous = data.period.previous()
        self.baseline = data.snapshot_at(data.period.bounds()[0])
        self.now = SnapshotPass(data.current, data.period, data)
        #: Without a baseline snapshot, the previous period comes from the current evaluation.
        self.before = (
            None
            if self.baseline is not None
            else CohortAccumulator(
                self.previous,
                data.as_of,
                data.options,
                history=self.now.cohort.repeats,
                analysis=data.policy.spec.analysis,
            )
        )
        self.before_breakdowns = Breakdowns()
        self.weeks: Counter[str] = Counter()
        self.months: Counter[str] = Counter()
        #: Findings of the cohort by (team, check, title, clauses, status): one count a finding
        #: while streaming; by check, clause and team at the end (``_findings_by``).
        self.tally: Counter[tuple[str, str, str, tuple[str, ...], str]] = Counter()
        #: Every cohort member's team, first seen first (a team with no findings still has a row).
        self.teams: dict[str, None] = {}
        #: Week and month labels by local receipt day (a few hundred days, many complaints each).
        self.labels: dict[date, tuple[str, str]] = {}
        self.causes: Counter[str] = Counter()
        self.root_cause_missing = 0
        #: Settled clocks by (month, check, status) for the compliance trend.
        self.monthly: Counter[tuple[str, str, str]] = Counter()
        #: The earliest receipt in the data (does the data cover the previous period?).
        self.first: datetime | None = None

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        if self.first is None or record.received_at < self.first:
            self.first = record.received_at
        if self.before is not None and self.before.add(record, findings):
            self.before_breakdowns.add(record)
        if not self.now.add(record, findings):
            return
        day = record.received_at.astimezone(self.zone).date()
        labels = self.labels.get(day)
        if labels is None:
            labels = self.labels[day] = (_week(day), f"{day.year}-{day.month:02d}")
        self.weeks[labels[0]] += 1
        self.months[labels[1]] += 1
        if record.root_cause:
            self.causes[record.named(record.root_cause) or record.root_cause] += 1
        elif record.closed is not None:
            self.root_cause_missing += 1
        team = record.team or record.group or "(no team)"
        self.teams[team] = None
        tally = self.tally
        monthly, month = self.monthly, labels[1]
        for f in findings:
            # a StrEnum status counts under its str value (no .value lookup)
            tally[team, f.check, f.title, f.clauses, f.status] += 1
            if f.status in SETTLED:
                monthly[month, f.check, f.status] += 1

    def _findings_by(self) -> tuple[StatusCounts, dict[str, str], StatusCounts, StatusCounts]:
        """The tally by check (with each check's first title), by clause and by team."""
        by_check: StatusCounts = {}
        titles: dict[str, str] = {}
        by_clause: StatusCounts = {c.id: Counter() for c in clauses()}
        by_team: StatusCounts = {team: Counter() for team in self.teams}
        # The tally keeps first-seen order, so a check's first key carries its first title.
        for (team, check, title, cited, status), n in self.tally.items():
            if check not in by_check:
                by_check[check] = Counter()
                titles[check] = title
            by_check[check][status] += n
            by_team[team][status] += n
            for c in cited:
                by_clause.setdefault(c, Counter())[status] += n
        return by_check, titles, by_clause, by_team

    def _baseline(self) -> tuple[CohortFigures, Breakdowns, dict[str, int] | None, list[HistoryPoint]]:
        """The previous period's figures and breakdowns, its backlog, and every history point."""
        points = [self.now.point()]
        figures = breakdowns = back = None
        for snap in self.data.history:
            if snap is self.baseline:
                scan = _scan(snap, self.previous, self.data)
                points.append(scan.point())
                figures, breakdowns, back = scan.cohort.figures(), scan.breakdowns, scan.backlog.counts
            else:
                points.append(_backlog_point(snap))
        if self.before is not None:
            figures, breakdowns = self.before.figures(), self.before_breakdowns
        if figures is None or breakdowns is None:  # pragma: no cover - one of the two branches sets them
            raise RuntimeError("the KPI baseline was not computed")
        return figures, breakdowns, back, sorted(points, key=lambda p: p.as_of)

    def _compliance(self, titles: dict[str, str]) -> tuple[ComplianceRow, ...]:
        months = _months(self.data.period)
        partial = tuple(m for m in months if m in partial_months(self.data.period))
        rows = []
        for check in sorted(titles):
            passed = {m: self.monthly[m, check, Status.PASS] for m in months}
            settled = {m: sum(self.monthly[m, check, s] for s in SETTLED) for m in months}
            rows.append(
                ComplianceRow(
                    check=check,
                    title=titles[check],
                    by_month={m: ratio(passed[m], settled[m]) for m in months},
                    settled=settled,
                    partial=partial,
                )
            )
        return tuple(rows)

    def finish(self) -> KpiView:
        data = self.data
        analysis = data.policy.spec.analysis
        before_figs, before_all, back_before, history = self._baseline()
        # A previous period without complaints (a first period) gives nothing to compare with.
        has_previous = before_figs.received > 0
        first_day = self.first.astimezone(self.zone).date() if self.first is not None else None
        data_from = first_day if has_previous and first_day and first_day > self.previous.start else None
        before = before_all if has_previous else None
        now = self.now.breakdowns
        pareto, running = [], 0
        total_causes = sum(self.causes.values())
        for label, count in sorted(self.causes.items(), key=lambda kv: (-kv[1], kv[0])):
            running += count
            pareto.append(
                ParetoRow(
                    label=label, count=count, share=count / total_causes, cumulative=running / total_causes
                )
            )
        back_now = self.now.backlog.counts
        back_total = sum(back_now.values())
        clause_titles = {c.id: f"{c.id} {c.title}" for c in clauses()}
        by_check, titles, by_clause, by_team = self._findings_by()
        return KpiView(
            header=header(data, "kpi", "Complaints KPI report"),
            previous_start=self.previous.start,
            previous_end=self.previous.end,
            baseline="snapshot" if self.baseline is not None else "current",
            metrics=metrics(self.now.cohort.figures(), before_figs if has_previous else None, data.policy),
            volume_by_week=_buckets(self.weeks, _weeks(data.period), partial_weeks(data.period)),
            volume_by_month=_buckets(self.months, _months(data.period), partial_months(data.period)),
            by_channel=count_rows(now.channel, before.channel if before else None),
            by_category=count_rows(now.category, before.category if before else None),
            by_severity=count_rows(now.severity, before.severity if before else None),
            backlog=tuple(
                CountRow(
                    label=k,
                    count=v,
                    previous=back_before[k] if back_before else None,
                    share=v / back_total if back_total else None,
                )
                for k, v in back_now.items()
            ),
            root_causes=tuple(pareto),
            root_cause_missing=self.root_cause_missing,
            findings_by_check=findings_rows(by_check, titles),
            findings_by_clause=tuple(
                sorted(
                    (r for r in findings_rows(by_clause, clause_titles) if any(r.counts.values())),
                    key=lambda r: _clause_key(r.key),
                )
            ),
            clauses_without_findings=tuple(c for c, tally in by_clause.items() if not any(tally.values())),
            findings_by_team=findings_rows(by_team, {}),
            # in the report's zone, as every other time of the report (a point is taken in UTC)
            history=tuple(p.model_copy(update={"as_of": p.as_of.astimezone(self.zone)}) for p in history),
            has_previous=has_previous,
            data_from=data_from,
            compliance_by_month=self._compliance(titles),
            repeat_window_days=analysis.repeat_window_days,
            systemic_min_count=analysis.systemic_min_count,
            systemic_min_share=analysis.systemic_min_share,
        )


def build_kpi_view(data: ReportInput) -> KpiView:
    builder = KpiBuilder(data)
    run_pass(data.current, [builder])
    return builder.finish()


def _clause_key(clause_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in clause_id.split(".") if p.isdigit())


def shared_kpi_builder(ctx: PassContext) -> KpiBuilder:
    """The pass's one KPI builder (the review reads the same counts)."""
    builder: KpiBuilder = ctx.share("kpi", lambda: KpiBuilder(ctx.data))
    return builder


KIND = ReportKind(name="kpi", title="the KPI report (8.2/8.4)", start=shared_kpi_builder, trend=True)
