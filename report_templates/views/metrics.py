"""KPI arithmetic (domain document, "KPIs"): one cohort in, plain numbers out.

The cohort is the complaints *received in the period*, in scope, as they stood at the snapshot
time. Rates name their numerator and denominator so a reader can recount them.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Outcome
from compliance_checks.policy import Analysis
from report_templates.input import AnyFinding, Brief, ComplaintSource, Period, ReportOptions
from report_templates.views.common import (
    Cohort,
    counted,
    hours_between,
    median,
    percentile,
    ratio,
    received_ts,
)

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
SETTLED = (Status.PASS, Status.FAIL, Status.WAIVED)
_SATISFIED = {"good", "satisfied", "very satisfied"}
_DISSATISFIED = {"bad", "dissatisfied", "very dissatisfied"}


@dataclass(frozen=True)
class Figure:
    """One KPI value with what it was computed from (``None`` when there was nothing to count)."""

    value: float | None
    numerator: int | None = None
    denominator: int | None = None


class ClockCounts:
    """Settled clocks of one check: PASS over PASS + FAIL + WAIVED (a waiver excuses a miss, it
    does not make it on time); open clocks (PENDING, AT_RISK) are left out."""

    __slots__ = ("passed", "settled")

    def __init__(self) -> None:
        self.passed = 0
        self.settled = 0

    def add(self, finding: AnyFinding) -> None:
        if finding.status in SETTLED:
            self.settled += 1
            self.passed += finding.status is Status.PASS

    def figure(self) -> Figure:
        return Figure(ratio(self.passed, self.settled), self.passed, self.settled)


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


class Repeats:
    """Repeat complaints, streamed: every counted complaint's receipt time by complainant and by
    root cause (compact arrays of timestamps), and the cohort members to test at the end.

    ``history``: another cohort's tracker fed by the same pass; its receipt times are shared
    (two cohorts of one snapshot see the same complaints), only the members differ.
    """

    def __init__(self, window: timedelta, history: Repeats | None = None) -> None:
        self.window = window.total_seconds()
        self.shared = history is not None
        self.by_person: dict[str, array[float]] = history.by_person if history else {}
        self.by_cause: dict[str, array[float]] = history.by_cause if history else {}
        self.members: list[tuple[str, str, float]] = []

    def seen(self, record: ComplaintRecord, at: float) -> None:
        """Any counted complaint (from any period, received at ``at``) can be the earlier one."""
        if self.shared:
            return
        if record.complainant.id:
            times = self.by_person.get(record.complainant.id)
            if times is None:
                times = self.by_person[record.complainant.id] = array("d")
            times.append(at)
        if record.root_cause:
            times = self.by_cause.get(record.root_cause)
            if times is None:
                times = self.by_cause[record.root_cause] = array("d")
            times.append(at)

    def member(self, record: ComplaintRecord, at: float) -> None:
        self.members.append((record.complainant.id or "", record.root_cause or "", at))

    def counts(self) -> tuple[int, int, int]:
        """(by complainant, by root cause, either): members with an *earlier* complaint by the
        same complainant, or with the same root cause, received within the window."""
        person_times = {k: sorted(v) for k, v in self.by_person.items()}
        cause_times = {k: sorted(v) for k, v in self.by_cause.items()}

        def earlier(times: list[float] | None, at: float) -> bool:
            # any t with at - window <= t < at
            if not times:
                return False
            i = bisect_left(times, at - self.window)
            return i < len(times) and times[i] < at

        person = cause = either = 0
        for who, why, at in self.members:
            p = earlier(person_times.get(who), at)
            c = earlier(cause_times.get(why), at)
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
    repeat_root_cause_rate: Figure
    satisfaction_rate: Figure
    per_1000_customers: Figure


class CohortAccumulator:
    """Every KPI of one period's cohort, accumulated one complaint at a time.

    Durations are kept as ``array('d')`` (8 bytes each) so median and P90 stay exact.
    """

    def __init__(
        self,
        period: Period,
        as_of: datetime,
        options: ReportOptions,
        history: Repeats | None = None,
        analysis: Analysis | None = None,
    ) -> None:
        self.cohort = Cohort(period, as_of)
        self.options = options
        window = (analysis or Analysis()).repeat_window_days
        self.repeats = Repeats(timedelta(days=window), history)
        self.received_all = 0
        self.n = 0
        self.ack_hours = array("d")
        self.response_days = array("d")
        self.closure_days = array("d")
        self.closed = 0
        self.closed_timed = 0
        self.closed_ok = 0
        self.escalated = 0
        self.reopened = 0
        self.upheld = 0
        self.rated = 0
        self.satisfied = 0
        self.ack = ClockCounts()
        self.response = ClockCounts()

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> bool:
        """Count ``record``; True when it is a counted member of the cohort."""
        at = received_ts(record)
        if counted(record):
            self.repeats.seen(record, at)
        if not self.cohort.holds(at):
            return False
        self.received_all += 1
        if not counted(record):
            return False
        self.n += 1
        self.repeats.member(record, at)
        if record.acknowledged:
            self.ack_hours.append(hours_between(record.received_at, record.acknowledged.at))
        if record.decided:
            self.response_days.append(hours_between(record.received_at, record.decided.at) / 24)
        due = None
        for f in findings:
            if f.check == ACK_CHECK:
                self.ack.add(f)
            elif f.check == RESPONSE_CHECK:
                self.response.add(f)
                if f.due_at is not None:
                    due = f.due_at
        self.escalated += record.escalated is not None or record.escalation_level > 0
        if record.closed is not None:
            self.closed += 1
            self.closure_days.append(hours_between(record.received_at, record.closed.at) / 24)
            # Closed within target: closed no later than the response clock's due time.
            if due is not None:
                self.closed_timed += 1
                self.closed_ok += record.closed.at <= due
            self.reopened += record.reopen_count > 0
            self.upheld += record.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD)
        rating = satisfied(record.satisfaction)
        if rating is not None:
            self.rated += 1
            self.satisfied += rating
        return True

    def figures(self) -> CohortFigures:
        n, closed = self.n, self.closed
        person, cause, _ = self.repeats.counts()
        per_1000 = Figure(None)
        if self.options.customers:
            per_1000 = Figure(n * 1000 / self.options.customers, n, self.options.customers)

        def spread(values: array[float], pct: float | None) -> Figure:
            ordered = sorted(values)
            value = median(ordered) if pct is None else percentile(ordered, pct)
            return Figure(value, None, len(ordered))

        return CohortFigures(
            received=n,
            out_of_scope=self.received_all - n,
            closed=closed,
            ack_median_hours=spread(self.ack_hours, None),
            ack_p90_hours=spread(self.ack_hours, 90),
            ack_in_target=self.ack.figure(),
            response_median_days=spread(self.response_days, None),
            response_p90_days=spread(self.response_days, 90),
            response_in_target=self.response.figure(),
            closure_median_days=spread(self.closure_days, None),
            closure_p90_days=spread(self.closure_days, 90),
            closed_in_target=Figure(
                ratio(self.closed_ok, self.closed_timed), self.closed_ok, self.closed_timed
            ),
            escalation_rate=Figure(ratio(self.escalated, n), self.escalated, n),
            reopen_rate=Figure(ratio(self.reopened, closed), self.reopened, closed),
            upheld_rate=Figure(ratio(self.upheld, closed), self.upheld, closed),
            # A repeat complaint is the same complainant's; a shared root cause is recurrence (8.2).
            repeat_rate=Figure(ratio(person, n), person, n),
            repeat_root_cause_rate=Figure(ratio(cause, n), cause, n),
            satisfaction_rate=Figure(ratio(self.satisfied, self.rated), self.satisfied, self.rated),
            per_1000_customers=per_1000,
        )


def figures(
    snapshot: ComplaintSource, period: Period, options: ReportOptions, analysis: Analysis | None = None
) -> CohortFigures:
    """The KPIs of ``period``'s cohort in ``snapshot`` (one pass)."""
    acc = CohortAccumulator(period, snapshot.as_of, options, analysis=analysis)
    for record, findings in snapshot.items():
        acc.add(record, findings)
    return acc.figures()


class Backlog:
    """Open in-scope complaints at ``as_of`` by age (calendar days since receipt), and how many
    of them have a finding that needs action."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.as_of_ts = as_of.timestamp()
        self.counts = dict.fromkeys((label for label, _, _ in AGE_BUCKETS), 0)
        self.flagged = 0

    def add(self, record: ComplaintRecord, findings: tuple[AnyFinding, ...]) -> None:
        if not counted(record) or not record.is_open or received_ts(record) > self.as_of_ts:
            return
        self._count(record.received_at, any(f.status.needs_action for f in findings))

    def add_brief(self, item: Brief) -> None:
        if item.counted and item.is_open and item.received_ts <= self.as_of_ts:
            # whole days, as timedelta.days counts them
            self._count_age(math.floor((self.as_of_ts - item.received_ts) / 86400), item.flagged)

    def _count(self, received_at: datetime, flagged: bool) -> None:
        self._count_age((self.as_of - received_at).days, flagged)

    def _count_age(self, age: int, flagged: bool) -> None:
        for label, lo, hi in AGE_BUCKETS:
            if age >= lo and (hi is None or age <= hi):
                self.counts[label] += 1
                break
        self.flagged += flagged


def backlog(snapshot: ComplaintSource) -> dict[str, int]:
    """Open in-scope complaints at the snapshot time by age (calendar days since receipt)."""
    acc = Backlog(snapshot.as_of)
    for record, findings in snapshot.items():
        acc.add(record, findings)
    return acc.counts


def tally(values: Iterable[str | None], unknown: str = "(not recorded)") -> Counter[str]:
    return Counter(v if v else unknown for v in values)
