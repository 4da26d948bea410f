"""When can a ticket's findings change without a new version of the ticket?

Findings are a function of (snapshot, configuration, evaluation time). For a fixed snapshot
and configuration they only change at "clock events": a deadline passing (PENDING/AT_RISK ->
FAIL), a deadline entering the policy's warning window (PENDING -> AT_RISK), a dated event
of the record coming due (checks ignore events after ``now``), a running pause (deadlines
move with ``now``), and the date changing (waivers expire by date). :func:`next_change`
returns a conservative lower bound of the earliest such event, so a re-evaluation at any
time in ``[evaluated_as_of, next_change)`` gives the same findings and can be skipped.
``tests/service/test_reevaluation_skip.py`` checks this against full re-evaluations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from compliance_checks import Policy
from compliance_checks.calendar import Duration
from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Event, Interval
from connector.store.tickets import canonical_json

#: Precision of the search for when a deadline enters the warning window; the result is
#: rounded down (earlier), so a coarse step only costs a little skipping, never correctness.
_SEARCH_STEP = timedelta(minutes=10)


def evaluated_with(meta: dict[str, Any]) -> str:
    """A digest of what an evaluation used (policy, mappings, waivers, holidays, code)."""
    return hashlib.sha256(canonical_json(meta).encode("utf-8")).hexdigest()


#: Values that hold no time and nothing nested: the walk below stops at them.
_LEAVES = (str, int, float, Decimal, date)


def _times_in(record: ComplaintRecord) -> list[datetime] | None:
    """Every time anywhere in ``record`` (models, dataclasses, tuples, dicts), or None when a
    pause is still running (its deadlines move with ``now``). A generic walk, so a dated field
    added to the record later is covered without changing this."""
    times: list[datetime] = []
    pending: list[Any] = [record]
    while pending:
        value = pending.pop()
        if isinstance(value, datetime):
            times.append(value)
        elif value is None or isinstance(value, _LEAVES):
            continue
        elif type(value) is Event:  # most of a record; its only time is ``at`` (tested)
            times.append(value.at)
        elif isinstance(value, tuple | list | set | frozenset):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, Interval) and value.end is None:
            return None
        elif isinstance(value, BaseModel):
            pending.extend(value.__dict__.values())
        elif (names := getattr(type(value), "__dataclass_fields__", None)) is not None:
            pending.extend(getattr(value, name) for name in names)
    return times


def _enters_window(policy: Policy, due_at: datetime, as_of: datetime, window: Duration) -> datetime | None:
    """A time no later than the first instant at which ``due_at`` is within the warning window
    (``calendar.due(t, window) >= due_at``, monotone in ``t``: it flips at most once); None
    when it already is at ``as_of``."""
    calendar = policy.calendar
    if calendar.due(as_of, window) >= due_at:
        return None
    low, high = as_of, due_at
    while high - low > _SEARCH_STEP:
        middle = low + (high - low) / 2
        if calendar.due(middle, window) >= due_at:
            high = middle
        else:
            low = middle
    return low


def _next_midnight(moment: datetime) -> datetime:
    day: date = moment.date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=moment.tzinfo)


def next_change(
    record: ComplaintRecord, findings: Iterable[Finding], policy: Policy, as_of: datetime
) -> datetime:
    """The earliest time the findings of ``record`` may differ from those at ``as_of``
    (``as_of`` itself when that cannot be bounded: a re-evaluation is never skipped then)."""
    times = _times_in(record)
    if times is None:
        return as_of
    events = [moment for moment in times if moment > as_of]
    events.append(_next_midnight(as_of))
    window = policy.spec.warning_window
    for finding in findings:
        if finding.status is Status.ERROR:
            return as_of
        if finding.status in (Status.PENDING, Status.AT_RISK) and finding.due_at is None:
            return as_of
        if finding.due_at is not None and finding.due_at > as_of:
            events.append(finding.due_at)
            enters = _enters_window(policy, finding.due_at, as_of, window)
            if enters is not None:
                events.append(enters)
    return max(as_of, min(events))
