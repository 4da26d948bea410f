"""``received_ts``: a record's receipt time in POSIX seconds, cached for the last record only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from compliance_checks.model import ComplaintRecord
from report_templates.views.common import received_ts


def _record(ident: str, at: datetime) -> ComplaintRecord:
    return ComplaintRecord(id=ident, platform="jira", received_at=at)


def test_each_record_gets_its_own_time_even_when_asked_in_turns() -> None:
    first = _record("CS-1", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    second = _record("CS-2", datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=2))))
    for _ in range(2):
        assert received_ts(first) == first.received_at.timestamp()
        assert received_ts(first) == first.received_at.timestamp()
        assert received_ts(second) == second.received_at.timestamp()
    # An equal copy is another object: computed again, same value.
    copy = first.model_copy()
    assert received_ts(copy) == received_ts(first)
    moved = first.model_copy(update={"received_at": first.received_at + timedelta(microseconds=1)})
    assert received_ts(moved) == moved.received_at.timestamp() > received_ts(first)
