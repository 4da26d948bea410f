"""The history store on SQLite and PostgreSQL: migrations, round trips, the hash chain,
as-of reproducibility, cursor safety and deleted tickets (in-process Zendesk sandbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, func, inspect, select, text, update

from connector.store import Store
from connector.store.engine import GENESIS, _alembic_config
from connector.store.models import (
    Base,
    ChainHead,
    FindingRow,
    RunRow,
    RunTicketRow,
    SnapshotRow,
    SourceRow,
    TicketRow,
)
from connector.store.runs import finding_texts, latest_findings, latest_status_counts, run_hash, verify_chain
from connector.store.tickets import record_document
from devtools.sandboxes.zendesk import Fault, SandboxServer
from tests.service.helpers import complaint_ids, pipeline
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=30)
    yield srv
    srv.stop()


def _count(store: Store, column: object) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


def test_migrations_from_empty_create_exactly_the_models(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    assert diff == []
    Store(store_url).close()  # opening again is a no-op migration


def test_a_record_is_stored_apart_from_its_timeline_and_downgrade_joins_them(
    store_url: str, server: SandboxServer
) -> None:
    """Sync stores the mapped record without its timeline and the timeline in its own column
    (migration 0005); going back to 0004 puts each record back together, nothing lost, and
    upgrading again splits them as sync does."""
    store = Store(store_url)
    pipeline(server, store).sync()
    with store.session() as session:
        rows = session.scalars(select(TicketRow)).all()
        split = {row.ticket: (row.record, row.timeline) for row in rows}
        documents = {row.ticket: record_document(row) for row in rows}
    store.close()
    assert split and all(record and timeline for record, timeline in split.values())
    wholes = {}
    for ticket, (record, timeline) in split.items():
        doc = json.loads(record or "{}")
        assert "timeline" not in doc
        events = json.loads(timeline or "[]")
        assert events and all("kind" in event for event in events)
        wholes[ticket] = {**doc, "timeline": events}
    assert documents == wholes
    engine = _downgraded(store_url, "0004")
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT ticket, record FROM tickets")).all())
        assert "timeline" not in {c["name"] for c in inspect(connection).get_columns("tickets")}
    engine.dispose()
    assert {ticket: json.loads(record) for ticket, record in stored.items()} == wholes
    # Upgrading again splits the whole records already stored, the same way sync does.
    store = Store(store_url)
    with store.session() as session:
        rows = session.scalars(select(TicketRow)).all()
        again = {row.ticket: _parsed(row.record, row.timeline) for row in rows}
        documents = {row.ticket: record_document(row) for row in rows}
    store.close()
    assert again == {ticket: _parsed(record, timeline) for ticket, (record, timeline) in split.items()}
    assert documents == wholes


def test_a_store_with_data_downgrades_to_the_first_revision_and_back(
    store_url: str, server: SandboxServer
) -> None:
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    tickets = _count(store, TicketRow.id)
    _as_format_1(store)  # a format-2 run refuses the downgrade (see the test below)
    store.close()
    engine = _downgraded(store_url, "0001")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("tickets")}
        assert int(connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()) == tickets
    engine.dispose()
    assert "evaluated_snapshot_id" not in columns and "timeline" not in columns
    store = Store(store_url)  # and every migration up again, data kept
    assert _count(store, TicketRow.id) == tickets > 0
    store.close()


def _as_format_1(store: Store) -> None:
    """Rewrite the store's runs as the code before migration 0006 recorded them (hash format
    1: no ticket manifest), chained again."""
    with store.session() as session:
        session.execute(delete(RunTicketRow))
        previous = GENESIS
        for run in session.scalars(select(RunRow).order_by(RunRow.id)):
            run.hash_format, run.prev_hash = 1, previous
            rows = session.execute(select(FindingRow.source, FindingRow.ticket, FindingRow.payload)
                                   .where(FindingRow.run_id == run.id))
            run.content_hash = previous = run_hash(
                run, ((s, t, text) for s, t, p in rows for text in finding_texts(p)))
        session.execute(update(ChainHead).values(last_hash=previous))


def test_runs_recorded_before_0006_verify_under_their_format_and_new_runs_use_format_2(
    store_url: str, server: SandboxServer
) -> None:
    """Upgrading keeps format-1 runs as recorded (never re-hashed); a downgrade below 0006 is
    refused while a format-2 run exists (the older code could not verify it), nothing changed."""
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    _as_format_1(store)
    store.close()
    _downgraded(store_url, "0005").dispose()
    store = Store(store_url)
    with store.session() as session:
        assert [r.hash_format for r in session.scalars(select(RunRow))] == [1]
        assert verify_chain(session) == (1, [])
    pipeline(server, store).check()
    with store.session() as session:
        assert [r.hash_format for r in session.scalars(select(RunRow).order_by(RunRow.id))] == [1, 2]
        assert _count(store, RunTicketRow.id) > 0
        assert verify_chain(session) == (2, [])
    store.close()
    engine = Store(store_url, migrate_now=False).engine
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            with pytest.raises(RuntimeError, match="1 run\\(s\\) use hash format 2"):
                command.downgrade(config, "0005")
    finally:
        engine.dispose()
    store = Store(store_url)
    with store.session() as session:
        assert verify_chain(session) == (2, [])
    store.close()


def _downgraded(store_url: str, revision: str) -> Engine:
    """The store's engine after an Alembic downgrade to ``revision`` (the caller disposes it)."""
    engine = Store(store_url, migrate_now=False).engine
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    return engine


def _parsed(record: str | None, timeline: str | None) -> tuple[object, object]:
    return json.loads(record or "null"), json.loads(timeline or "null")


def test_sync_check_round_trip(store: Store, server: SandboxServer) -> None:
    pipe = pipeline(server, store)
    outcomes, errors = pipe.sync()
    assert errors == []
    assert outcomes[0].new_versions == len(complaint_ids(server))
    with store.session() as session:
        stored = {t.ticket for t in session.scalars(select(TicketRow))}
        record = json.loads(next(iter(session.scalars(select(TicketRow.record)))) or "{}")
    assert stored == complaint_ids(server)
    assert record["platform"] == "zendesk"
    outcome = pipe.check(keep_findings=True)
    with store.session() as session:
        latest = latest_findings(session)
    assert set(latest) == {("sandbox", t) for t in stored}
    def by_check(payloads: list[dict[str, object]]) -> list[dict[str, object]]:
        return sorted(payloads, key=lambda p: str(p["check"]))

    assert {key: by_check([f.to_json_dict() for f in fs]) for key, fs in outcome.findings.items()} == {
        key: by_check(payloads) for key, (_run, payloads) in latest.items()}
    with store.session() as session:
        counts = latest_status_counts(session)
    assert counts == dict(outcome.statuses)


def test_runs_are_chained_and_an_edited_finding_is_detected(store: Store, server: SandboxServer) -> None:
    pipe = pipeline(server, store)
    pipe.sync()
    first, second = pipe.check(), pipe.check()
    with store.session() as session:
        assert verify_chain(session) == (2, [])
        runs = list(session.scalars(select(RunRow).order_by(RunRow.id)))
    assert runs[1].prev_hash == runs[0].content_hash
    assert (first.run_id, second.run_id) == (runs[0].id, runs[1].id)
    with store.session() as session:
        victim = next(r for r in session.scalars(select(FindingRow)) if '"FAIL"' in r.payload)
        session.execute(update(FindingRow).where(FindingRow.id == victim.id).values(
            payload=victim.payload.replace('"FAIL"', '"PASS"')))
    with store.session() as session:
        count, problems = verify_chain(session)
    assert count == 2
    assert [p.run_id for p in problems] == [victim.run_id]


def test_evaluating_a_past_date_after_later_syncs_gives_the_findings_recorded_then(
    store: Store, server: SandboxServer
) -> None:
    pipe = pipeline(server, store)
    pipe.sync()
    then = sc.virtual_now(server)
    recorded = pipe.check(as_of=then, keep_findings=True)
    # An hour later an agent escalates a complaint; the next sync stores a new version.
    ticket = min(complaint_ids(server), key=int)
    server.state.clock.advance(3600)
    server.state.update_ticket(int(ticket), {"tags": [*server.state.world.tickets[int(ticket)]["tags"],
                                                      "escalated"], "priority": "urgent"}, 1)
    server.state.clock.advance(3 * 86400)
    outcomes, _ = pipe.sync()
    assert ticket in outcomes[0].changed
    with store.session() as session:
        versions = session.scalar(select(func.count(SnapshotRow.id)).join(
            TicketRow, TicketRow.id == SnapshotRow.ticket_id).where(TicketRow.ticket == ticket))
    assert versions == 2
    with store.session() as session:  # a version synced after the run is not an edit
        assert verify_chain(session) == (1, [])
    again = pipe.check(as_of=then, keep_findings=True)
    assert again.findings == recorded.findings
    now = pipe.check(keep_findings=True)
    assert now.findings[("sandbox", ticket)] != recorded.findings[("sandbox", ticket)]


def test_a_failed_sync_keeps_the_cursor_and_the_rerun_stores_everything_once(
    store: Store, server: SandboxServer
) -> None:
    pipe = pipeline(server, store, rate_limits={"max_attempts": 1})
    server.app.inject(Fault("status", path="ticket_events", count=1))  # after the ticket pages
    outcomes, errors = pipe.sync()
    assert outcomes == [] and len(errors) == 1
    with store.session() as session:
        source = session.get(SourceRow, "sandbox")
        assert source is not None and source.cursor is None and source.last_error
    assert _count(store, TicketRow.id) == 0
    outcomes, errors = pipe.sync()
    assert errors == [] and outcomes[0].new_versions == len(complaint_ids(server))
    snapshots = _count(store, SnapshotRow.id)
    server.state.clock.advance(61)
    outcomes, _ = pipe.sync()
    assert outcomes[0].new_versions == 0
    assert _count(store, SnapshotRow.id) == snapshots


def test_a_ticket_deleted_at_the_source_stays_in_the_store_marked_deleted(
    store: Store, server: SandboxServer
) -> None:
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    victim = min(complaint_ids(server), key=int)
    server.state.update_ticket(int(victim), {"status": "deleted"}, 1)
    server.state.clock.advance(120)
    outcomes, _ = pipe.sync()
    assert outcomes[0].deleted == 1
    with store.session() as session:
        row = session.scalar(select(TicketRow).where(TicketRow.ticket == victim))
        assert row is not None and row.deleted and row.deleted_at is not None
        assert session.scalar(select(func.count(SnapshotRow.id)).where(SnapshotRow.ticket_id == row.id))
    after = pipe.check()
    assert ("sandbox", victim) not in after.findings


def test_only_one_instance_writes_to_a_source(store: Store) -> None:
    from datetime import UTC, datetime

    from connector.store.locks import LockHeld, SourceLocks
    from connector.store.models import LockRow

    now = datetime.now(UTC)
    first, second = SourceLocks(store), SourceLocks(store)
    first.acquire("zd", now)
    with pytest.raises(LockHeld, match="locked by another instance"):
        second.acquire("zd", now)
    second.acquire("jira", now)  # other sources are independent
    first.release_all()
    second.acquire("zd", now)
    # A holder on this host whose process is gone (a crash) does not block a restart.
    with store.session() as session:
        session.execute(update(LockRow).where(LockRow.name == "source:zd").values(pid=2**22 + 7))
    SourceLocks(store).acquire("zd", now)
