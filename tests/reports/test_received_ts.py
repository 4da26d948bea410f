"""``received_ts``: a record's receipt time in POSIX seconds, with no state kept between calls."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

from compliance_checks.model import ComplaintRecord
from report_templates.input import Item, Period, ReportOptions
from report_templates.views.common import Cohort, received_ts, run_pass
from report_templates.views.metrics import CohortAccumulator


def _record(ident: str, at: datetime) -> ComplaintRecord:
    return ComplaintRecord(id=ident, platform="jira", received_at=at)


def test_each_record_gets_its_own_time_even_when_asked_in_turns() -> None:
    first = _record("CS-1", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    second = _record("CS-2", datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=2))))
    for _ in range(2):
        assert received_ts(first) == first.received_at.timestamp()
        assert received_ts(second) == second.received_at.timestamp()
    moved = first.model_copy(update={"received_at": first.received_at + timedelta(microseconds=1)})
    assert received_ts(moved) == moved.received_at.timestamp() > received_ts(first)


def test_cohort_membership_by_record_or_by_time_agree() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), "Europe/London")
    cohort = Cohort(period, datetime(2026, 4, 2, tzinfo=UTC))
    inside = _record("CS-1", datetime(2026, 3, 31, 22, 59, 59, 999999, tzinfo=UTC))  # 23:59 BST
    outside = _record("CS-2", datetime(2026, 3, 31, 23, 0, tzinfo=UTC))  # 1 April 00:00 BST
    assert inside in cohort and cohort.holds(received_ts(inside))
    assert outside not in cohort and not cohort.holds(received_ts(outside))


def test_a_pass_keeps_no_record_alive_once_it_is_done() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 31), "Europe/London")
    acc = CohortAccumulator(period, datetime(2026, 4, 2, tzinfo=UTC), ReportOptions())
    refs: list[weakref.ref[ComplaintRecord]] = []

    class Source:
        def items(self) -> Iterator[Item]:
            for n in range(2):
                record = _record(f"CS-{n}", datetime(2026, 3, 10 + n, tzinfo=UTC))
                refs.append(weakref.ref(record))
                yield Item(record, ())

    class Builder:
        def add(self, record: ComplaintRecord, findings: tuple[()]) -> None:
            acc.add(record, findings)

        def finish(self) -> None:
            return None

    run_pass(Source(), [Builder()])  # type: ignore[arg-type]  # only items() is read
    assert acc.n == 2
    assert [r() for r in refs] == [None, None]  # nothing (no module-level cache) holds the last one
