"""Sources, tickets and snapshots: what sync writes and evaluation reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.store.chunking import chunks
from connector.store.evaluations import versions_as_of
from connector.store.models import SnapshotRow, SourceRow, TicketRow


def canonical_json(value: Any) -> str:
    """Stable JSON text: the basis of every stored hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_document(row: TicketRow) -> dict[str, Any] | None:
    """A ticket's stored mapped record as one JSON object, timeline included, whichever form
    it was stored in (split since migration 0005, or whole)."""
    if not row.record:
        return None
    doc = json.loads(row.record)
    if not isinstance(doc, dict):
        return None
    if row.timeline is not None:
        doc["timeline"] = json.loads(row.timeline)
    return doc


def record_digest(record: str | None, timeline: str | None) -> str:
    """The digest of a stored mapped record with its timeline (either stored form), over
    canonical JSON: a run's ticket manifest holds the one it evaluated."""
    doc = json.loads(record) if record else None
    if isinstance(doc, dict) and timeline is not None:
        doc["timeline"] = json.loads(timeline)
    return sha256_text(canonical_json(doc))


#: The top-level key canonical JSON puts right after ``timeline`` in a mapped record (the
#: record's keys sort ``..., timeline, updated_at, url``).
_AFTER_TIMELINE = ',"updated_at":'
_TIMELINE_KEY = '"timeline":'


def _stored_canonically(record: str, timeline: str, digest: str) -> bool:
    """Whether the stored texts are the canonical record and timeline whose
    :func:`record_digest` is ``digest`` (:func:`canonical_record_text` finds the splice)."""
    return canonical_record_text(record, timeline, digest) is not None


def canonical_record_text(record: str, timeline: str, digest: str) -> str | None:
    """The canonical JSON text of the whole record (timeline included) whose
    :func:`record_digest` is ``digest``, when the stored texts are its canonical record and
    timeline: checked by hashing them spliced together as stored, and that splice returned.

    Sound without re-encoding: ``"timeline":`` occurs once in the splice (it is in neither
    text, and a JSON string holds no unescaped quote), so when the splice's digest matches,
    the splice is the canonical text of the evaluated record and that occurrence is its one
    top-level timeline key; ``record`` then must end with that text's own tail (no later
    ``,"updated_at":`` can occur in it), and ``record`` being one valid JSON object leaves
    no other way to cut the timeline out of it than the one stored. None: not shown this
    way (a store written before the texts were canonical, or an edited row)."""
    whole = _splice(record, timeline)
    if whole is None or sha256_text(whole) != digest:
        return None
    try:
        return whole if isinstance(json.loads(record), dict) else None
    except ValueError:
        return None


def _splice(record: str, timeline: str) -> str | None:
    """The stored record and timeline texts put back together where canonical JSON has the
    timeline (before the last ``,"updated_at":``), or None when they cannot be spliced so."""
    if _TIMELINE_KEY in record or _TIMELINE_KEY in timeline or not timeline.startswith("["):
        return None
    cut = record.rfind(_AFTER_TIMELINE)
    if cut <= 0:
        return None
    return record[:cut] + "," + _TIMELINE_KEY + timeline + record[cut:]


def stored_record_digest(record: str, timeline: str) -> str:
    """:func:`record_digest` of the texts sync has just written (``connector.bundles.record_texts``:
    canonical JSON of the record without its timeline, and of the timeline). When the record
    text has one ``,"updated_at":`` (its top-level key, the one canonical JSON sorts right after
    ``timeline``), the splice of the two is the canonical text of the whole record and is hashed
    as it is; otherwise the texts are parsed and re-encoded."""
    whole = _splice(record, timeline) if record.count(_AFTER_TIMELINE) == 1 else None
    return sha256_text(whole) if whole is not None else record_digest(record, timeline)


def record_matches(record: str | None, timeline: str | None, digest: str) -> bool:
    """Whether ``record_digest(record, timeline) == digest`` (False for texts that are not
    JSON). Texts stored canonically are checked by hashing them as stored; any other form
    (older stores) is parsed and re-encoded."""
    if record and timeline is not None and _stored_canonically(record, timeline, digest):
        return True
    try:
        return record_digest(record, timeline) == digest
    except ValueError:
        return False


def ensure_source(session: Session, name: str, platform: str) -> SourceRow:
    row = session.get(SourceRow, name)
    if row is None:
        row = SourceRow(name=name, platform=platform)
        session.add(row)
        session.flush()
    elif row.platform != platform:
        raise ValueError(f"source {name!r} is stored as {row.platform}, configured as {platform}")
    return row


def upsert_ticket(
    session: Session,
    *,
    source: str,
    platform: str,
    ticket: str,
    external_id: str | None,
    now: datetime,
) -> TicketRow:
    row = session.scalar(
        select(TicketRow).where(TicketRow.source == source, TicketRow.ticket == ticket)
    )
    if row is None:
        row = TicketRow(
            source=source, ticket=ticket, external_id=external_id, platform=platform,
            first_seen_at=now, last_seen_at=now, deleted=False, is_complaint=True,
        )
        session.add(row)
        session.flush()
    row.last_seen_at = now
    if external_id:
        row.external_id = external_id
    return row


def find_ticket(session: Session, source: str, ticket: str) -> TicketRow | None:
    """By key (Jira key / Zendesk id) or by external id (Jira issue id)."""
    row = session.scalar(
        select(TicketRow).where(TicketRow.source == source, TicketRow.ticket == ticket)
    )
    if row is None:
        row = session.scalar(
            select(TicketRow).where(TicketRow.source == source, TicketRow.external_id == ticket)
        )
    return row


def add_snapshot(
    session: Session,
    ticket: TicketRow,
    *,
    stamp: str,
    updated_at: datetime,
    documents: Sequence[Any],
    now: datetime,
) -> SnapshotRow | None:
    """Store a version of the ticket; None when this exact content is already stored."""
    text = canonical_json(list(documents))
    digest = sha256_text(text)
    exists = session.scalar(
        select(SnapshotRow.id).where(SnapshotRow.ticket_id == ticket.id, SnapshotRow.sha256 == digest)
    )
    if exists is not None:
        return None
    row = SnapshotRow(
        ticket_id=ticket.id, updated_stamp=stamp, updated_at=updated_at, fetched_at=now,
        sha256=digest, bundle=text,
    )
    session.add(row)
    if ticket.updated_at is None or updated_at >= ticket.updated_at:
        ticket.updated_at = updated_at
    session.flush()
    return row


def latest_snapshot(session: Session, ticket_id: int, as_of: datetime | None = None) -> SnapshotRow | None:
    """The newest version (by source ``updated``, then arrival), optionally as of a time."""
    snapshot_id = versions_as_of(session, [ticket_id], as_of).get(ticket_id)
    return session.get(SnapshotRow, snapshot_id) if snapshot_id is not None else None


def bundle_documents(snapshot: SnapshotRow) -> list[Any]:
    documents: list[Any] = json.loads(snapshot.bundle)
    return documents


#: What a report reads of a ticket row (not the whole row: no lazy loads, no ORM objects).
REPORT_COLUMNS = (
    TicketRow.id,
    TicketRow.source,
    TicketRow.ticket,
    TicketRow.updated_at,
    TicketRow.deleted,
    TicketRow.deleted_at,
    TicketRow.is_complaint,
    TicketRow.record,
    TicketRow.timeline,
    TicketRow.mapping_hash,
    TicketRow.mapper_version,
    TicketRow.mapped_site,
)


def report_rows(session: Session, sources: Collection[str], size: int) -> Iterator[Sequence[Any]]:
    """The tickets of ``sources`` as ``REPORT_COLUMNS`` rows (attribute access by column
    name), ``size`` rows of one source at a time, by source then id."""
    ids = session.execute(select(TicketRow.source, TicketRow.id).order_by(TicketRow.source, TicketRow.id))
    for source, group in groupby(ids, key=lambda pair: pair[0]):
        if source not in sources:
            continue
        source_ids = [ticket_id for _, ticket_id in group]
        for part in chunks(source_ids, size):
            yield session.execute(
                select(*REPORT_COLUMNS).where(TicketRow.id.in_(part)).order_by(TicketRow.id)
            ).all()


def all_tickets(session: Session) -> list[TicketRow]:
    return list(session.scalars(select(TicketRow)))


def source_rows(session: Session) -> dict[str, SourceRow]:
    return {row.name: row for row in session.scalars(select(SourceRow))}


def live_tickets(session: Session, source: str) -> list[tuple[int, str, str | None, datetime | None]]:
    """(id, ticket, external id, updated) of the source's tickets not marked deleted (keys
    only: whole rows hold their records)."""
    query = select(TicketRow.id, TicketRow.ticket, TicketRow.external_id, TicketRow.updated_at).where(
        TicketRow.source == source, TicketRow.deleted.is_(False))
    return [(i, t, e, u) for i, t, e, u in session.execute(query)]


def live_ticket_keys(session: Session, source: str) -> list[str]:
    """The source's tickets not marked deleted, in ticket order."""
    query = select(TicketRow.ticket).where(TicketRow.source == source, TicketRow.deleted.is_(False))
    return sorted(session.scalars(query))


def mark_deleted_by_id(session: Session, ids: Sequence[int], now: datetime) -> int:
    """Mark these tickets deleted at the source; how many changed."""
    count = 0
    for part in chunks(ids):
        for row in session.scalars(select(TicketRow).where(TicketRow.id.in_(part))):
            count += mark_deleted(row, now)
    return count


def mark_deleted(ticket: TicketRow, now: datetime) -> bool:
    """Mark a ticket deleted at the source (it stays in the store). True if it changed."""
    if ticket.deleted:
        return False
    ticket.deleted = True
    ticket.deleted_at = now
    ticket.is_open = False
    return True


def tickets_of(
    session: Session, source: str | None = None, *, include_deleted: bool = True
) -> list[TicketRow]:
    query = select(TicketRow)
    if source is not None:
        query = query.where(TicketRow.source == source)
    if not include_deleted:
        query = query.where(TicketRow.deleted.is_(False))
    return list(session.scalars(query.order_by(TicketRow.source, TicketRow.id)))


def open_complaints(session: Session) -> list[tuple[str, str, bool | None, str | None]]:
    """(source, ticket, is_open, record JSON without its timeline) of every complaint not marked
    deleted, by source then ticket: what the dashboard lists (keys and records, no snapshots)."""
    query = select(TicketRow.source, TicketRow.ticket, TicketRow.is_open, TicketRow.record).where(
        TicketRow.is_complaint.is_(True), TicketRow.deleted.is_(False)
    ).order_by(TicketRow.source, TicketRow.ticket)
    return [(s, t, o, r) for s, t, o, r in session.execute(query)]
