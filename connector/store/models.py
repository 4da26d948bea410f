"""The history store's tables (SQLAlchemy 2). Migrations in ``migrations/`` create them.

Runs and findings are append-only: nothing in this package updates or deletes them, and each
run's ``content_hash`` chains to the previous run's, so an edit is detectable (``verify``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from connector.store.compression import CorruptBundle, compress_text, decompress_text


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: What a compressed column that does not decompress reads as.
UNREADABLE = "\x00unreadable stored value"


class CompressedText(TypeDecorator[str]):
    """Text kept as a zstd frame (migration 0007); readers and writers see the text.

    Bytes that do not decompress (edited or damaged) read as :data:`UNREADABLE`: not JSON and
    never matching a digest, so they fail like an edited text value did (``verify-store``
    reports the version or record as altered) instead of stopping the reader mid-way.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else compress_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return decompress_text(value)
        except CorruptBundle:
            return UNREADABLE


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    """One configured source: its committed sync cursor and last outcome."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[str | None] = mapped_column(Text)
    cursor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Zendesk agents/admins (JSON list): decides who is an agent when mapping.
    directory: Mapped[str | None] = mapped_column(Text)


class TicketRow(Base):
    """A ticket as far as the store knows it; never deleted, only marked ``deleted``."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("source", "ticket", name="uq_tickets_source_ticket"),
        # find_ticket's fallback lookup (migration 0002): a scan per new ticket otherwise.
        Index("ix_tickets_source_external_id", "source", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200), ForeignKey("sources.name"))
    ticket: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_complaint: Mapped[bool] = mapped_column(Boolean, default=True)
    is_open: Mapped[bool | None] = mapped_column(Boolean)
    #: The mapped record of the latest snapshot (JSON) without its timeline, or the mapping error.
    #: (record and timeline are stored zstd-compressed since migration 0007.)
    record: Mapped[str | None] = mapped_column(CompressedText)
    #: That record's timeline (JSON array), apart so that reports need not parse it (migration
    #: 0005 split the rows stored before it). NULL with a record: a record stored whole, which
    #: readers still accept (``tickets.record_document``); no writer of ours produces one.
    timeline: Mapped[str | None] = mapped_column(CompressedText)
    mapping_error: Mapped[str | None] = mapped_column(Text)
    mapping_hash: Mapped[str | None] = mapped_column(String(64))
    #: The code version that mapped ``record`` (migration 0008; NULL: before it): with
    #: ``mapping_hash``, the mapper a run's record digest is compared under (``connector.remap``).
    mapper_version: Mapped[str | None] = mapped_column(String(40))
    #: The site URL ``record`` was mapped with (migration 0009; "": none configured; NULL:
    #: unknown): ticket links depend on it and the mapping file's hash does not cover it. A check
    #: evaluates the stored record instead of re-mapping only under the running site URL.
    mapped_site: Mapped[str | None] = mapped_column(Text)
    # What the last evaluation saw (migration 0003): the periodic re-evaluation skips the
    # ticket while these still hold and ``next_change_at`` is ahead (see connector.reevaluation).
    evaluated_snapshot_id: Mapped[int | None] = mapped_column(Integer)
    #: Hash of the policy, mapping, waivers and code the evaluation used.
    evaluated_with: Mapped[str | None] = mapped_column(String(64))
    evaluated_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The earliest time its findings can differ without a new snapshot (None: unknown).
    next_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SnapshotRow(Base):
    """The raw payload documents of one ticket version, enough to re-map it offline."""

    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("ticket_id", "sha256", name="uq_snapshots_ticket_sha"),
        Index("ix_snapshots_ticket_updated", "ticket_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    updated_stamp: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Digest of the bundle's JSON text (not of its compressed bytes).
    sha256: Mapped[str] = mapped_column(String(64))
    #: The payload documents as canonical JSON text, stored zstd-compressed.
    bundle: Mapped[str] = mapped_column(CompressedText)


class ChainHead(Base):
    """One row: the last run's hash (locked while a run is appended)."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class RunRow(Base):
    """An evaluation run (append-only)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    policy_hash: Mapped[str] = mapped_column(String(64))
    mapping_hashes: Mapped[str] = mapped_column(Text)
    waivers_hash: Mapped[str] = mapped_column(String(64))
    holidays_version: Mapped[str] = mapped_column(String(40))
    code_version: Mapped[str] = mapped_column(String(40))
    tickets: Mapped[int] = mapped_column(Integer)
    errors: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    #: What ``content_hash`` covers (migration 0006): 1 the run and its findings; 2 also its
    #: ticket manifest (``run_tickets``). A run verifies under the format it was recorded with.
    hash_format: Mapped[int] = mapped_column(Integer, server_default="1")


class RunTicketRow(Base):
    """One ticket a run (hash format 2) mapped and checked: the digests of the stored version
    it evaluated and of the mapped record with its timeline (hashed with the run)."""

    __tablename__ = "run_tickets"
    __table_args__ = (
        Index("ix_run_tickets_run", "run_id"),
        Index("ix_run_tickets_ticket_run", "source", "ticket", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    source: Mapped[str] = mapped_column(String(200))
    ticket: Mapped[str] = mapped_column(String(100))
    snapshot_id: Mapped[int] = mapped_column(Integer)
    #: ``snapshots.sha256`` of the version evaluated (the digest of its bundle).
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    #: ``tickets.record_digest`` of the record mapped from it.
    record_sha256: Mapped[str] = mapped_column(String(64))


class FindingRow(Base):
    """One ticket's findings of one run (append-only; migration 0010): ``payload`` holds each
    finding's canonical JSON text (the hashed text), one per line in evaluation order, stored
    zstd-compressed. Readers take check and status from the texts (no unhashed copy)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_ticket_run", "source", "ticket", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    ticket: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(CompressedText)


class JournalRow(Base):
    """Write-back journal: written *before* the platform write, updated after it."""

    __tablename__ = "writeback_journal"
    #: A source's open entries and one ticket's entries are looked up on every pass and
    #: refresh: see migration 0004.
    __table_args__ = (
        Index("ix_writeback_journal_source_state", "source", "state"),
        Index("ix_writeback_journal_source_ticket", "source", "ticket"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    ticket: Mapped[str] = mapped_column(String(100))
    findings_hash: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)


class LockRow(Base):
    """Who writes to a source: one instance at a time."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """Webhook deliveries seen recently (repeated deliveries are acknowledged, not redone)."""

    __tablename__ = "webhook_deliveries"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
