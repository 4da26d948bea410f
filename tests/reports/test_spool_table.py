"""The spool as an SQLite scratch table: look-ups by id in batches, cuts by receipt time, a
second reader of the same file, and the file removed on close."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Event, EventKind, SourceKind
from connector.reports.spool import _BATCH, Spool
from report_templates.input import Item
from tests.reports.builders import CHECKS, finding

START = datetime(2026, 10, 1, tzinfo=UTC)


def _item(i: int) -> Item:
    at = START + timedelta(hours=i)
    event = Event(at=at, kind=EventKind.RECEIVED, source_kind=SourceKind.ISSUE, source_id=f"e{i}")
    record = ComplaintRecord(
        id=f"CS-{i}", platform="jira", received_at=at, summary=f"s{i}", timeline=(event,)
    )
    status = Status.FAIL if i % 3 == 0 else Status.PASS
    return Item(record, (finding(record.id, CHECKS[0], status),))


def test_find_gives_every_asked_complaint_whole_in_written_order() -> None:
    items = [_item(i) for i in range(2 * _BATCH + 50)]  # more ids than one look-up takes
    spool = Spool()
    try:
        spool.write(items)
        wanted = [i.record.id for i in items[::2]]
        random.Random(1).shuffle(wanted)
        found = list(spool.find([*wanted, "CS-unknown"]))
        assert found == items[::2]
        assert all(item.record.timeline for item in found)
    finally:
        spool.close()


def test_a_cut_reads_only_complaints_received_by_then() -> None:
    items = [_item(i) for i in range(10)]
    spool = Spool()
    try:
        spool.write(items)
        cut = START + timedelta(hours=4)
        assert [i.record.id for i in spool.items(cut)] == [f"CS-{i}" for i in range(5)]
        assert [b.id for b in spool.briefs(cut)] == [f"CS-{i}" for i in range(5)]
        assert [b.flagged for b in spool.briefs()] == [i % 3 == 0 for i in range(10)]
    finally:
        spool.close()


def test_another_reader_sees_the_same_rows_and_close_removes_the_file() -> None:
    items = [_item(i) for i in range(5)]
    spool = Spool()
    spool.write(items[:3])
    spool.write(items[3:])  # appended after the id index exists
    reader = Spool.existing(spool.path)
    try:
        assert reader.count == spool.count == 5
        assert list(reader.items()) == list(spool.items())
        assert [i.record.id for i in reader.find(["CS-4"])] == ["CS-4"]
    finally:
        reader.close()
    assert spool.path.exists()  # the reader does not own it
    spool.close()
    assert not spool.path.exists()
