"""The store keeps snapshot bundles and mapped records zstd-compressed (migration 0007) while
every hash stays over the JSON text: round trips, one row per distinct version, the upgrade of
a store written before 0007 (and its downgrade), and ``verify-store`` on compressed rows.

The bundle documents are the recorded Zendesk payloads in ``tests/fixtures/zendesk/go-zendesk``
(GET /api/v2/tickets/{id} and its audits, "Tickets" / "Ticket Audits" in the Zendesk Support
API reference; see tests/fixtures/zendesk/ATTRIBUTION.md)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import zstandard
from sqlalchemy import inspect, select, text

from connector.store import Store
from connector.store.bulk import TicketBatch
from connector.store.models import RunTicketRow, SnapshotRow, TicketRow
from connector.store.runs import verify_chain
from connector.store.tickets import (
    add_snapshot,
    bundle_documents,
    canonical_json,
    ensure_source,
    record_document,
    sha256_text,
    upsert_ticket,
)
from devtools.sandboxes.zendesk import SandboxServer
from tests.service.helpers import migrate_store, pipeline
from tests.zendesk import scenarios as sc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk" / "go-zendesk"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _documents() -> list[Any]:
    """A Zendesk bundle in the shape sync stores: the ticket and its audits (recorded)."""
    return [json.loads((FIXTURES / name).read_text(encoding="utf-8"))
            for name in ("GET_ticket.json", "GET_ticket_audits.json")]


def _raw(store: Store, sql: str) -> list[Any]:
    with store.engine.connect() as connection:
        return list(connection.execute(text(sql)).all())


def test_a_bundle_is_stored_compressed_and_reads_back_as_its_text(store: Store) -> None:
    documents = _documents()
    expected = canonical_json(documents)
    with store.session() as session:
        ensure_source(session, "zd", "zendesk")
        ticket = upsert_ticket(session, source="zd", platform="zendesk", ticket="2", external_id=None,
                               now=NOW)
        add_snapshot(session, ticket, stamp="s1", updated_at=NOW, documents=documents, now=NOW)
    [(stored, digest)] = _raw(store, "SELECT bundle, sha256 FROM snapshots")
    stored = bytes(stored)
    assert len(stored) < len(expected.encode("utf-8")) * 0.6
    assert zstandard.ZstdDecompressor().decompress(stored).decode("utf-8") == expected
    assert digest == sha256_text(expected)  # the digest is of the text, not of the bytes
    with store.session() as session:
        snapshot = session.scalars(select(SnapshotRow)).one()
        assert snapshot.bundle == expected
        assert bundle_documents(snapshot) == documents


def test_an_unchanged_version_is_stored_once(sqlite_store: Store) -> None:
    """Re-reading a ticket whose content did not change adds no row, per ticket and in bulk;
    a changed one adds exactly one."""
    documents = _documents()
    with sqlite_store.session() as session:
        ensure_source(session, "zd", "zendesk")
        ticket = upsert_ticket(session, source="zd", platform="zendesk", ticket="2", external_id=None,
                               now=NOW)
        assert add_snapshot(session, ticket, stamp="s1", updated_at=NOW, documents=documents, now=NOW)
        assert add_snapshot(session, ticket, stamp="s1", updated_at=NOW, documents=documents, now=NOW) is None
        batch = TicketBatch(session, "zd")
        batch.load(["2"], latest_bundles=True)
        row = batch.find("2")
        assert row is not None and batch.latest_bundle(row) == canonical_json(documents)
        assert not batch.add_snapshot(row, stamp="s1", updated_at=NOW, documents=documents)
        ticket_doc = documents[0]["ticket"]
        changed = [{**documents[0], "ticket": {**ticket_doc, "subject": f"{ticket_doc['subject']} (edited)"}},
                   documents[1]]
        later = NOW + timedelta(hours=1)
        assert batch.add_snapshot(row, stamp="s2", updated_at=later, documents=changed)
        assert not batch.add_snapshot(row, stamp="s2", updated_at=later, documents=changed)
        batch.flush(later)
    assert len(_raw(sqlite_store, "SELECT id FROM snapshots")) == 2


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=12)
    yield srv
    srv.stop()


def _contents(store: Store) -> tuple[dict[int, str], dict[str, Any]]:
    with store.session() as session:
        bundles = {row.id: row.bundle for row in session.scalars(select(SnapshotRow))}
        records = {row.ticket: record_document(row) for row in session.scalars(select(TicketRow))}
    return bundles, records


@pytest.mark.slow
def test_a_store_written_before_0007_is_compressed_by_the_upgrade_and_still_verifies(
    store_url: str, server: SandboxServer
) -> None:
    """Synced and checked, downgraded to 0006 (bundles, records and timelines back to text),
    upgraded again: the same contents, stored as zstd frames, and the runs verify."""
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    bundles, records = _contents(store)
    store.close()
    assert bundles and any(records.values())

    migrate_store(store_url, "0006", down=True)
    probe = Store(store_url, migrate_now=False)
    old = _raw(probe, "SELECT bundle, sha256 FROM snapshots")
    assert {str(bundle) for bundle, _ in old} == set(bundles.values())
    assert all(sha256_text(str(bundle)) == digest for bundle, digest in old)
    with probe.engine.connect() as connection:
        types = {c["name"]: str(c["type"]).upper() for c in inspect(connection).get_columns("snapshots")}
    probe.close()
    assert types["bundle"] in {"TEXT", "CLOB"}

    store = Store(store_url)  # migrates to head
    raw = [bytes(value) for (value,) in _raw(store, "SELECT bundle FROM snapshots")]
    assert all(zstandard.ZstdDecompressor().decompress(value) for value in raw)
    records_raw = [
        bytes(value) for (value,) in _raw(store, "SELECT record FROM tickets WHERE record IS NOT NULL")
    ]
    assert records_raw and all(value.startswith(b"\x28\xb5\x2f\xfd") for value in records_raw)  # zstd magic
    assert _contents(store) == (bundles, records)
    with store.session() as session:
        assert verify_chain(session) == (1, [])
    store.close()


@pytest.mark.slow
def test_verify_store_detects_an_edited_or_damaged_compressed_version(
    store_url: str, server: SandboxServer
) -> None:
    store = Store(store_url)
    pipe = pipeline(server, store)
    pipe.sync()
    pipe.check()
    with store.session() as session:
        assert verify_chain(session) == (1, [])
        evaluated = session.scalars(select(RunTicketRow.snapshot_id)).first()
        other = session.scalars(
            select(RunTicketRow.snapshot_id).where(RunTicketRow.snapshot_id != evaluated)).first()
        ticket = session.scalars(select(TicketRow).where(TicketRow.record.is_not(None))).first()
        assert evaluated is not None and other is not None and ticket is not None
        # An edit through the model: recompressed, so only the text's digest can tell.
        snapshot = session.get_one(SnapshotRow, evaluated)
        snapshot.bundle = snapshot.bundle.replace('"', "'", 1)
    with store.engine.begin() as connection:
        # Damage below the model: bytes that are no zstd frame, in a version and a record.
        connection.execute(text("UPDATE snapshots SET bundle = :b WHERE id = :i"),
                           {"b": b"not a zstd frame", "i": other})
        connection.execute(text("UPDATE tickets SET record = :b WHERE id = :i"),
                           {"b": b"\x28\xb5\x2f\xfd truncated", "i": ticket.id})
    with store.session() as session:
        checked, problems = verify_chain(session)
    store.close()
    assert checked == 1
    text_of = " ".join(problem.message for problem in problems)
    assert text_of.count("evaluated version (snapshots.bundle or sha256) differs") == 1
    assert "2 ticket(s) whose evaluated version" in text_of
    assert "whose stored record or timeline differs" in text_of


def test_a_new_sqlite_store_uses_16_kib_pages_and_an_older_file_keeps_its_own(tmp_path: Path) -> None:
    """Compressed rows of a few KB fill 16 KiB pages far better than 4 KiB ones; the size of
    an existing file's pages cannot change in WAL mode, and opening it must still work."""
    new = Store(f"sqlite:///{tmp_path / 'new.db'}")
    assert _raw(new, "PRAGMA page_size") == [(16384,)]
    new.close()
    old_path = tmp_path / "old.db"
    with sqlite3.connect(old_path) as connection:
        connection.execute("PRAGMA page_size=4096")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE placeholder (x INTEGER)")
    old = Store(f"sqlite:///{old_path}")
    assert _raw(old, "PRAGMA page_size") == [(4096,)]
    with old.session() as session:
        ensure_source(session, "zd", "zendesk")
    old.close()
