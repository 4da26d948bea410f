"""Set-at-a-time ingestion (connector/store/bulk.py) answers as the per-ticket helpers do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from connector.store import Store
from connector.store.bulk import TicketBatch
from connector.store.models import SnapshotRow
from connector.store.tickets import (
    add_snapshot,
    bundle_documents,
    ensure_source,
    find_ticket,
    latest_snapshot,
    upsert_ticket,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _seed(store: Store) -> None:
    """Two Jira-like tickets; the first with two versions stored out of ``updated`` order."""
    with store.session() as session:
        ensure_source(session, "s", "jira")
        first = upsert_ticket(session, source="s", platform="jira", ticket="CS-1", external_id="101", now=NOW)
        upsert_ticket(session, source="s", platform="jira", ticket="CS-2", external_id="102", now=NOW)
        add_snapshot(session, first, stamp="b", updated_at=NOW, documents=[{"v": "newer"}], now=NOW)
        add_snapshot(session, first, stamp="a", updated_at=NOW - timedelta(days=1),
                     documents=[{"v": "older, stored later"}], now=NOW)


def test_lookups_match_find_ticket(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    keys = ["CS-1", "101", "CS-2", "102", "CS-9", "109"]
    with sqlite_store.session() as session:
        batch = TicketBatch(session, "s")
        batch.load(keys)
        for key in keys:
            expected = find_ticket(session, "s", key)
            assert batch.find(key) is expected, key
    assert batch.find("CS-9") is None


def test_latest_bundle_matches_latest_snapshot(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    with sqlite_store.session() as session:
        batch = TicketBatch(session, "s")
        batch.load(["CS-1", "CS-2"], latest_bundles=True)
        row = batch.find("CS-1")
        assert row is not None
        latest = latest_snapshot(session, row.id)
        assert latest is not None
        assert batch.latest_bundle(row) == latest.bundle
        assert bundle_documents(latest) == [{"v": "newer"}]
        other = batch.find("CS-2")
        assert other is not None and batch.latest_bundle(other) is None


def test_snapshots_deduplicated_against_store_and_batch(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    with sqlite_store.session() as session:
        batch = TicketBatch(session, "s")
        batch.load(["CS-1", "CS-3"])
        row = batch.find("CS-1")
        assert row is not None
        later = NOW + timedelta(hours=1)
        assert not batch.add_snapshot(row, stamp="b", updated_at=NOW, documents=[{"v": "newer"}])
        assert batch.add_snapshot(row, stamp="c", updated_at=later, documents=[{"v": "third"}])
        assert not batch.add_snapshot(row, stamp="c", updated_at=later, documents=[{"v": "third"}])
        new = batch.new_ticket(platform="jira", ticket="CS-3", external_id="103", now=NOW)
        assert batch.find("103") is new
        assert batch.add_snapshot(new, stamp="x", updated_at=NOW, documents=[{"v": "new"}])
        assert not batch.add_snapshot(new, stamp="x", updated_at=NOW, documents=[{"v": "new"}])
        batch.flush(NOW)
        assert row.updated_at == later
    with sqlite_store.session() as session:
        stored = session.execute(select(SnapshotRow.ticket_id, SnapshotRow.updated_stamp)).all()
        created = find_ticket(session, "s", "CS-3")
        assert created is not None and created.external_id == "103"
        assert sorted(stamp for _, stamp in stored) == ["a", "b", "c", "x"]
        assert [stamp for tid, stamp in stored if tid == created.id] == ["x"]
