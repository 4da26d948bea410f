"""Set-at-a-time ticket ingestion for sync: a few queries per chunk of tickets, not per ticket.

A full sync of N tickets used to issue about 6 statements per ticket (find by key, find by id,
snapshot exists?, insert ticket, insert snapshot, flushes between) - most of its CPU. Here the
rows, stored snapshot hashes and (Zendesk) latest bundles of a chunk are read in one query each,
new tickets are inserted in one batch and new snapshots in one ``executemany``. Everything stays
inside the caller's transaction; sync commits the cursor only after every chunk is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from connector.store.chunking import chunks
from connector.store.models import SnapshotRow, TicketRow
from connector.store.tickets import canonical_json, sha256_text


@dataclass
class _Pending:
    row: TicketRow
    stamp: str
    updated_at: datetime
    sha256: str
    bundle: str


@dataclass
class TicketBatch:
    """The stored state of a set of tickets of one source, read up front, written in bulk.

    Lookups answer as ``tickets.find_ticket`` would for the keys given to :meth:`load`
    (by key first, then by external id); snapshots added here are written by :meth:`flush`.
    """

    session: Session
    source: str
    by_ticket: dict[str, TicketRow] = field(default_factory=dict)
    by_external: dict[str, TicketRow] = field(default_factory=dict)
    digests: dict[int, set[str]] = field(default_factory=dict)
    latest: dict[int, str] = field(default_factory=dict)
    #: When each loaded stored snapshot was fetched, by (ticket row id, hash).
    fetched: dict[tuple[int, str], datetime] = field(default_factory=dict)
    #: Set by :meth:`add_snapshot` when the content was already stored: that snapshot's fetch.
    duplicate_fetched_at: datetime | None = None
    #: Set by :meth:`add_snapshot`: the digest (``snapshots.sha256``) of the content it was given.
    offered_sha256: str | None = None
    _new_digests: dict[int, set[str]] = field(default_factory=dict)
    _pending: list[_Pending] = field(default_factory=list)

    def load(self, keys: Sequence[str], *, latest_bundles: bool = False) -> None:
        """Read the rows whose key or external id is in ``keys``, and their snapshot hashes
        (and, with ``latest_bundles``, the text of each one's latest snapshot)."""
        found: list[TicketRow] = []
        for part in chunks(list(keys)):
            # Two indexed lookups, not one ``ticket IN .. OR external_id IN ..``: SQLite
            # answers the OR by reading every ticket of the source, per chunk.
            for column in (TicketRow.ticket, TicketRow.external_id):
                found.extend(self.session.scalars(
                    select(TicketRow).where(TicketRow.source == self.source, column.in_(part))
                ))
        ids: list[int] = []
        for row in sorted(set(found), key=lambda r: r.id):
            self.by_ticket.setdefault(row.ticket, row)
            if row.external_id:
                self.by_external.setdefault(row.external_id, row)
            if row.id not in self.digests:
                self.digests[row.id] = set()
                ids.append(row.id)
        for id_part in chunks(ids):
            for ticket_id, digest, fetched_at in self.session.execute(
                select(SnapshotRow.ticket_id, SnapshotRow.sha256, SnapshotRow.fetched_at)
                .where(SnapshotRow.ticket_id.in_(id_part))
            ):
                self.digests[ticket_id].add(digest)
                self.fetched[(ticket_id, digest)] = fetched_at
            if latest_bundles:
                self._load_latest(id_part)

    def _load_latest(self, ids: Sequence[int]) -> None:
        # Same order as tickets.latest_snapshot: newest source ``updated``, then newest arrival.
        ranked = select(
            SnapshotRow.ticket_id,
            SnapshotRow.bundle,
            func.row_number().over(
                partition_by=SnapshotRow.ticket_id,
                order_by=(SnapshotRow.updated_at.desc(), SnapshotRow.id.desc()),
            ).label("rank"),
        ).where(SnapshotRow.ticket_id.in_(ids)).subquery()
        for ticket_id, bundle in self.session.execute(
            select(ranked.c.ticket_id, ranked.c.bundle).where(ranked.c.rank == 1)
        ):
            self.latest[ticket_id] = bundle

    def find(self, key: str) -> TicketRow | None:
        return self.by_ticket.get(key) or self.by_external.get(key)

    def latest_bundle(self, row: TicketRow) -> str | None:
        """The stored text of the row's latest snapshot (loaded with ``latest_bundles``)."""
        return self.latest.get(row.id)  # a row not inserted yet has no id: None

    def new_ticket(self, *, platform: str, ticket: str, external_id: str | None, now: datetime) -> TicketRow:
        """A new ticket row (inserted with the next :meth:`flush`), as ``upsert_ticket`` makes it."""
        row = TicketRow(
            source=self.source, ticket=ticket, external_id=external_id, platform=platform,
            first_seen_at=now, last_seen_at=now, deleted=False, is_complaint=True,
        )
        self.session.add(row)
        self.by_ticket[ticket] = row
        if external_id:
            self.by_external.setdefault(external_id, row)
        return row

    def add_snapshot(self, row: TicketRow, *, stamp: str, updated_at: datetime,
                     documents: Sequence[Any]) -> bool:
        """Queue a version of the ticket; False when this exact content is already stored."""
        text = canonical_json(list(documents))
        digest = sha256_text(text)
        stored = self.digests.get(row.id, set())  # a row not inserted yet has no id
        queued = self._new_digests.setdefault(id(row), set())
        self.duplicate_fetched_at = None
        self.offered_sha256 = digest
        if digest in stored or digest in queued:
            if digest in stored:
                self.duplicate_fetched_at = self.fetched.get((row.id, digest))
            return False
        queued.add(digest)
        self._pending.append(_Pending(row, stamp, updated_at, digest, text))
        if row.updated_at is None or updated_at >= row.updated_at:
            row.updated_at = updated_at
        return True

    def flush(self, now: datetime) -> None:
        """Insert the new tickets (one batch) and the queued snapshots (one executemany)."""
        self.session.flush()
        if self._pending:
            self.session.execute(insert(SnapshotRow), [
                {"ticket_id": p.row.id, "updated_stamp": p.stamp, "updated_at": p.updated_at,
                 "fetched_at": now, "sha256": p.sha256, "bundle": p.bundle}
                for p in self._pending
            ])
        for pending in self._pending:
            self.digests.setdefault(pending.row.id, set()).add(pending.sha256)
        self._pending.clear()
        self._new_digests.clear()
        self.latest.clear()  # only needed until the chunk is written: bounds memory
