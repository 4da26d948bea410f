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

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel

from compliance_checks import Policy
from compliance_checks.calendar import Duration
from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Interval
from connector.store.tickets import canonical_json

#: Precision of the search for when a deadline enters the warning window; the result is
#: rounded down (earlier), so a coarse step only costs a little skipping, never correctness.
_SEARCH_STEP = timedelta(minutes=10)


def evaluated_with(meta: dict[str, Any]) -> str:
    """A digest of what an evaluation used (policy, mappings, waivers, holidays, code)."""
    return hashlib.sha256(canonical_json(meta).encode("utf-8")).hexdigest()


def _attributes(value: object) -> Iterable[Any] | None:
    """The attribute values of a record part (pydantic model or dataclass); None otherwise."""
    if isinstance(value, BaseModel):
        return value.__dict__.values()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (getattr(value, f.name) for f in dataclasses.fields(value))
    return None


def _datetimes(value: Any) -> Iterator[datetime]:
    if isinstance(value, datetime):
        yield value
    elif (attributes := _attributes(value)) is not None:
        for item in attributes:
            yield from _datetimes(item)
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _datetimes(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _datetimes(item)


def _running_pause(value: Any) -> bool:
    if isinstance(value, Interval):
        return value.end is None
    if (attributes := _attributes(value)) is not None:
        return any(_running_pause(item) for item in attributes)
    if isinstance(value, tuple | list):
        return any(_running_pause(item) for item in value)
    if isinstance(value, dict):
        return any(_running_pause(item) for item in value.values())
    return False


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
    if _running_pause(record):
        return as_of
    events = [moment for moment in _datetimes(record) if moment > as_of]
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
