"""The KPI report (ISO 10002 8.2 analysis, 8.4 monitoring), with the previous period as baseline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from compliance_checks.clauses import clauses
from compliance_checks.findings import Finding, Status
from compliance_checks.model import Frozen
from compliance_checks.policy import Policy
from report_templates.input import Period, ReportInput, Snapshot
from report_templates.views.common import (
    STATUS_ORDER,
    Column,
    ReportHeader,
    Table,
    cohort,
    counted,
    header,
    local,
    status_counts,
)
from report_templates.views.metrics import (
    ACK_CHECK,
    RESPONSE_CHECK,
    CohortFigures,
    Figure,
    backlog,
    figures,
    tally,
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


class CountRow(Frozen):
    label: str
    count: int
    previous: int | None
    share: float | None


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
    findings_by_clause: tuple[FindingsRow, ...]
    findings_by_team: tuple[FindingsRow, ...]
    history: tuple[HistoryPoint, ...]

    def metric(self, key: str) -> Metric:
        return next(m for m in self.metrics if m.key == key)

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
    Column(key="target", label="Objective (policy)"),
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


_SPECS: tuple[tuple[str, str, Unit, Better, str | None], ...] = (
    # key, label, unit, better, check whose policy target is the objective
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
    ("repeat_rate", "Repeat complaints / received", "ratio", "lower", None),
    ("repeat_complainant_rate", "Repeat: same complainant / received", "ratio", "lower", None),
    ("repeat_root_cause_rate", "Repeat: same root cause / received", "ratio", "lower", None),
    ("satisfaction_rate", "Satisfied with handling (of rated)", "ratio", "higher", None),
)


def _figure(figs: CohortFigures, key: str) -> Figure:
    if key == "received":
        return Figure(float(figs.received), figs.received, None)
    value = getattr(figs, key)
    assert isinstance(value, Figure)  # noqa: S101 - _SPECS keys are CohortFigures fields
    return value


def metrics(now: CohortFigures, before: CohortFigures, policy: Policy) -> tuple[Metric, ...]:
    out = []
    for key, label, unit, better, target_check in _SPECS:
        cur, prev = _figure(now, key), _figure(before, key)
        change = cur.value - prev.value if cur.value is not None and prev.value is not None else None
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
            )
        )
    return tuple(out)


def count_rows(current: list[str | None], previous: list[str | None] | None) -> tuple[CountRow, ...]:
    now, before = tally(current), tally(previous or [])
    total = sum(now.values())
    labels = sorted(set(now) | set(before), key=lambda k: (-now[k], k))
    return tuple(
        CountRow(
            label=k,
            count=now[k],
            previous=before[k] if previous is not None else None,
            share=now[k] / total if total else None,
        )
        for k in labels
    )


def _buckets(labels: list[str], wanted: list[str]) -> tuple[CountRow, ...]:
    counts = tally(labels)
    total = len(labels)
    return tuple(
        CountRow(label=k, count=counts[k], previous=None, share=counts[k] / total if total else None)
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


def findings_rows(groups: dict[str, list[Finding]], titles: dict[str, str]) -> tuple[FindingsRow, ...]:
    rows = []
    for key, items in groups.items():
        counts = status_counts(items)
        needs = sum(counts[s.value] for s in Status if s.needs_action)
        rows.append(FindingsRow(key=key, title=titles.get(key, key), counts=counts, needs_action=needs))
    return tuple(sorted(rows, key=lambda r: (-r.needs_action, r.key)))


def _history(snaps: list[Snapshot]) -> tuple[HistoryPoint, ...]:
    points = []
    for snap in sorted(snaps, key=lambda s: s.as_of):
        flagged = sum(
            1
            for r in snap.records
            if counted(r) and r.is_open and any(f.status.needs_action for f in snap.findings_for(r.id))
        )
        points.append(
            HistoryPoint(as_of=snap.as_of, backlog=sum(backlog(snap).values()), flagged_open=flagged)
        )
    return tuple(points)


def build_kpi_view(data: ReportInput) -> KpiView:
    tz = data.period.timezone
    previous = data.period.previous()
    baseline = data.snapshot_at(data.period.bounds()[0])
    base_snap = baseline or data.current
    now_figs = figures(data.current, data.period, data.options)
    before_figs = figures(base_snap, previous, data.options)
    members = [r for r in cohort(data.current, data.period) if counted(r)]
    earlier = [r for r in cohort(base_snap, previous) if counted(r)]
    findings = {r.id: data.current.findings_for(r.id) for r in members}
    all_findings = [f for fs in findings.values() for f in fs]

    by_check: dict[str, list[Finding]] = {}
    titles: dict[str, str] = {}
    by_clause: dict[str, list[Finding]] = {c.id: [] for c in clauses()}
    for f in all_findings:
        by_check.setdefault(f.check, []).append(f)
        titles[f.check] = f.title
        for c in f.clauses:
            by_clause.setdefault(c, []).append(f)
    by_team: dict[str, list[Finding]] = {}
    for r in members:
        by_team.setdefault(r.team or r.group or "(no team)", []).extend(findings[r.id])

    causes = tally([r.root_cause for r in members if r.root_cause])
    total_causes = sum(causes.values())
    pareto, running = [], 0
    for label, count in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        pareto.append(
            ParetoRow(label=label, count=count, share=count / total_causes, cumulative=running / total_causes)
        )
    back_now = backlog(data.current)
    back_before = backlog(baseline) if baseline else None
    clause_titles = {c.id: f"{c.id} {c.title}" for c in clauses()}

    return KpiView(
        header=header(data, "kpi", "Complaints KPI report"),
        previous_start=previous.start,
        previous_end=previous.end,
        baseline="snapshot" if baseline else "current",
        metrics=metrics(now_figs, before_figs, data.policy),
        volume_by_week=_buckets(
            [_week(local(r.received_at, tz).date()) for r in members], _weeks(data.period)
        ),
        volume_by_month=_buckets(
            [local(r.received_at, tz).strftime("%Y-%m") for r in members], _months(data.period)
        ),
        by_channel=count_rows([r.channel for r in members], [r.channel for r in earlier]),
        by_category=count_rows([r.category for r in members], [r.category for r in earlier]),
        by_severity=count_rows(
            [r.severity.value if r.severity else None for r in members],
            [r.severity.value if r.severity else None for r in earlier],
        ),
        backlog=tuple(
            CountRow(
                label=k,
                count=v,
                previous=back_before[k] if back_before else None,
                share=v / sum(back_now.values()) if sum(back_now.values()) else None,
            )
            for k, v in back_now.items()
        ),
        root_causes=tuple(pareto),
        root_cause_missing=sum(1 for r in members if not r.root_cause and r.closed is not None),
        findings_by_check=findings_rows(by_check, titles),
        findings_by_clause=tuple(
            sorted(findings_rows(by_clause, clause_titles), key=lambda r: _clause_key(r.key))
        ),
        findings_by_team=findings_rows(by_team, {}),
        history=_history([*data.history, data.current]),
    )


def _clause_key(clause_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in clause_id.split(".") if p.isdigit())
