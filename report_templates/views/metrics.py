"""KPI arithmetic (domain document, "KPIs"): one cohort in, plain numbers out.

The cohort is the complaints *received in the period*, in scope, as they stood at the snapshot
time. Rates name their numerator and denominator so a reader can recount them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Outcome
from report_templates.input import Period, ReportOptions, Snapshot
from report_templates.views.common import cohort, counted, hours_between, median, percentile, ratio

ACK_CHECK = "acknowledged-in-time"
RESPONSE_CHECK = "response-in-time"
#: Backlog age buckets in calendar days since receipt: (label, lowest age, highest age).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7 days", 0, 7),
    ("8-14 days", 8, 14),
    ("15-28 days", 15, 28),
    ("29-56 days", 29, 56),
    ("over 56 days", 57, None),
)
_SETTLED = (Status.PASS, Status.FAIL, Status.WAIVED)
_SATISFIED = {"good", "satisfied", "very satisfied"}
_DISSATISFIED = {"bad", "dissatisfied", "very dissatisfied"}


@dataclass(frozen=True)
class Figure:
    """One KPI value with what it was computed from (``None`` when there was nothing to count)."""

    value: float | None
    numerator: int | None = None
    denominator: int | None = None


def in_target(findings: Sequence[Finding], check: str) -> Figure:
    """Share of complaints whose clock ``check`` is settled in time: PASS over PASS + FAIL +
    WAIVED (a waiver excuses a miss, it does not make it on time); open clocks are left out."""
    settled = [f for f in findings if f.check == check and f.status in _SETTLED]
    passed = sum(1 for f in settled if f.status is Status.PASS)
    return Figure(ratio(passed, len(settled)), passed, len(settled))


def satisfied(value: str | None) -> bool | None:
    """True/False for a rated satisfaction (``good``/``bad`` or a 1-5 score), None if unrated."""
    if value is None:
        return None
    text = value.strip().casefold()
    if text in _SATISFIED:
        return True
    if text in _DISSATISFIED:
        return False
    try:
        return float(text) >= 4
    except ValueError:
        return None


def repeats(
    members: Sequence[ComplaintRecord], everyone: Sequence[ComplaintRecord], window: timedelta
) -> tuple[int, int, int]:
    """(by complainant, by root cause, either): members with an *earlier* complaint (from any
    period) by the same complainant, or with the same root cause, received within ``window``."""
    by_person: dict[str, list[datetime]] = {}
    by_cause: dict[str, list[datetime]] = {}
    for r in everyone:
        if r.complainant.id:
            by_person.setdefault(r.complainant.id, []).append(r.received_at)
        if r.root_cause:
            by_cause.setdefault(r.root_cause, []).append(r.received_at)

    def earlier(times: list[datetime] | None, at: datetime) -> bool:
        return any(at - window <= t < at for t in times or ())

    person = cause = either = 0
    for r in members:
        p = earlier(by_person.get(r.complainant.id or ""), r.received_at)
        c = earlier(by_cause.get(r.root_cause or ""), r.received_at)
        person += p
        cause += c
        either += p or c
    return person, cause, either


@dataclass(frozen=True)
class CohortFigures:
    """Every KPI of one period, for the current period and its trend baseline alike."""

    received: int
    out_of_scope: int
    closed: int
    ack_median_hours: Figure
    ack_p90_hours: Figure
    ack_in_target: Figure
    response_median_days: Figure
    response_p90_days: Figure
    response_in_target: Figure
    closure_median_days: Figure
    closure_p90_days: Figure
    closed_in_target: Figure
    escalation_rate: Figure
    reopen_rate: Figure
    upheld_rate: Figure
    repeat_rate: Figure
    repeat_complainant_rate: Figure
    repeat_root_cause_rate: Figure
    satisfaction_rate: Figure
    per_1000_customers: Figure


def figures(snapshot: Snapshot, period: Period, options: ReportOptions) -> CohortFigures:
    everyone = [r for r in snapshot.records if counted(r)]
    received_all = cohort(snapshot, period)
    members = [r for r in received_all if counted(r)]
    findings = [f for r in members for f in snapshot.findings_for(r.id)]
    n = len(members)

    ack_hours = [hours_between(r.received_at, r.acknowledged.at) for r in members if r.acknowledged]
    response_days = [hours_between(r.received_at, r.decided.at) / 24 for r in members if r.decided]
    closed = [r for r in members if r.closed is not None]
    closure_days = [hours_between(r.received_at, r.closed.at) / 24 for r in closed if r.closed]

    # Closed within target: closed no later than the response clock's due time.
    due = {f.ticket: f.due_at for f in findings if f.check == RESPONSE_CHECK and f.due_at is not None}
    closed_timed = [r for r in closed if r.id in due and r.closed]
    closed_ok = sum(1 for r in closed_timed if r.closed and r.closed.at <= due[r.id])

    escalated = sum(1 for r in members if r.escalated is not None or r.escalation_level > 0)
    reopened = sum(1 for r in closed if r.reopen_count > 0)
    upheld = sum(1 for r in closed if r.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD))
    person, cause, either = repeats(members, everyone, timedelta(days=options.repeat_window_days))
    rated = [s for s in (satisfied(r.satisfaction) for r in members) if s is not None]
    per_1000 = Figure(None)
    if options.customers:
        per_1000 = Figure(n * 1000 / options.customers, n, options.customers)

    return CohortFigures(
        received=n,
        out_of_scope=len(received_all) - n,
        closed=len(closed),
        ack_median_hours=Figure(median(ack_hours), None, len(ack_hours)),
        ack_p90_hours=Figure(percentile(ack_hours, 90), None, len(ack_hours)),
        ack_in_target=in_target(findings, ACK_CHECK),
        response_median_days=Figure(median(response_days), None, len(response_days)),
        response_p90_days=Figure(percentile(response_days, 90), None, len(response_days)),
        response_in_target=in_target(findings, RESPONSE_CHECK),
        closure_median_days=Figure(median(closure_days), None, len(closure_days)),
        closure_p90_days=Figure(percentile(closure_days, 90), None, len(closure_days)),
        closed_in_target=Figure(ratio(closed_ok, len(closed_timed)), closed_ok, len(closed_timed)),
        escalation_rate=Figure(ratio(escalated, n), escalated, n),
        reopen_rate=Figure(ratio(reopened, len(closed)), reopened, len(closed)),
        upheld_rate=Figure(ratio(upheld, len(closed)), upheld, len(closed)),
        repeat_rate=Figure(ratio(either, n), either, n),
        repeat_complainant_rate=Figure(ratio(person, n), person, n),
        repeat_root_cause_rate=Figure(ratio(cause, n), cause, n),
        satisfaction_rate=Figure(ratio(sum(rated), len(rated)), sum(rated), len(rated)),
        per_1000_customers=per_1000,
    )


def backlog(snapshot: Snapshot) -> dict[str, int]:
    """Open in-scope complaints at the snapshot time by age (calendar days since receipt)."""
    counts = dict.fromkeys((label for label, _, _ in AGE_BUCKETS), 0)
    for r in snapshot.records:
        if not counted(r) or not r.is_open or r.received_at > snapshot.as_of:
            continue
        age = (snapshot.as_of - r.received_at).days
        for label, lo, hi in AGE_BUCKETS:
            if age >= lo and (hi is None or age <= hi):
                counts[label] += 1
                break
    return counts


def tally(values: Sequence[str | None], unknown: str = "(not recorded)") -> Counter[str]:
    return Counter(v if v else unknown for v in values)
