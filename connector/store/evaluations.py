"""What an evaluation reads and writes of the tickets: candidates, each ticket's evaluation
state, the version valid at a time, and the state the evaluation leaves behind."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, load_only

from connector.store.chunking import CHUNK, chunks
from connector.store.models import SnapshotRow, TicketRow

#: State updates written per statement.
_UPDATE_BATCH = 1000


def complaint_keys(
    session: Session, sources: Collection[str], only: Collection[tuple[str, str]] | None, only_open: bool
) -> list[tuple[str, str, int]]:
    """(source, ticket, id) of the stored complaints to evaluate, in Python (source, ticket)
    order (the order a run's hash needs; SQL collations differ between backends)."""
    query = select(TicketRow.source, TicketRow.ticket, TicketRow.id).where(
        TicketRow.source.in_(list(sources)), TicketRow.is_complaint.is_(True)
    )
    if only_open:
        query = query.where(TicketRow.is_open.is_not(False))
    keys: list[tuple[str, str, int]] = []
    if only is None:
        keys = [(s, t, i) for s, t, i in session.execute(query)]
    else:
        # A webhook evaluates one ticket: look up just that one, not the whole store.
        wanted = sorted(k for k in set(only) if k[0] in sources)
        for chunk in chunks(wanted, CHUNK):
            for source in sorted({s for s, _t in chunk}):
                tickets = [t for s, t in chunk if s == source]
                sub = query.where(TicketRow.source == source, TicketRow.ticket.in_(tickets))
                keys.extend((s, t, i) for s, t, i in session.execute(sub))
    return sorted(keys)


@dataclass(frozen=True)
class EvaluationState:
    """What a ticket's last evaluation saw, and whether the ticket still existed."""

    deleted: bool
    deleted_at: datetime | None
    evaluated_snapshot_id: int | None
    evaluated_with: str | None
    evaluated_as_of: datetime | None
    next_change_at: datetime | None


def evaluation_states(session: Session, ids: Sequence[int]) -> dict[int, EvaluationState]:
    query = select(
        TicketRow.id, TicketRow.deleted, TicketRow.deleted_at, TicketRow.evaluated_snapshot_id,
        TicketRow.evaluated_with, TicketRow.evaluated_as_of, TicketRow.next_change_at,
    ).where(TicketRow.id.in_(list(ids)))
    return {row[0]: EvaluationState(*row[1:]) for row in session.execute(query)}


def versions_as_of(session: Session, ticket_ids: Sequence[int], as_of: datetime | None) -> dict[int, int]:
    """ticket id -> id of the version valid at ``as_of`` (None: the newest): the newest snapshot
    by source ``updated`` not after ``as_of``, then by arrival. The one definition of "as of"."""
    if not ticket_ids:
        return {}
    candidates = select(SnapshotRow.ticket_id, func.max(SnapshotRow.updated_at).label("at")).where(
        SnapshotRow.ticket_id.in_(list(ticket_ids)))
    if as_of is not None:
        candidates = candidates.where(SnapshotRow.updated_at <= as_of)
    newest = candidates.group_by(SnapshotRow.ticket_id).subquery()
    rows = session.execute(
        select(SnapshotRow.ticket_id, func.max(SnapshotRow.id))
        .join(newest, (newest.c.ticket_id == SnapshotRow.ticket_id) & (newest.c.at == SnapshotRow.updated_at))
        .group_by(SnapshotRow.ticket_id)
    )
    return {ticket_id: snapshot_id for ticket_id, snapshot_id in rows}


def bundles(session: Session, snapshot_ids: Sequence[int]) -> dict[int, str]:
    """snapshot id -> its stored bundle (JSON text)."""
    query = select(SnapshotRow.id, SnapshotRow.bundle).where(SnapshotRow.id.in_(list(snapshot_ids)))
    return {snapshot_id: bundle for snapshot_id, bundle in session.execute(query)}


def snapshot_digests(session: Session, snapshot_ids: Sequence[int]) -> dict[int, str]:
    """snapshot id -> its digest (the bundle text itself is not read)."""
    query = select(SnapshotRow.id, SnapshotRow.sha256).where(SnapshotRow.id.in_(list(snapshot_ids)))
    return {snapshot_id: sha256 for snapshot_id, sha256 in session.execute(query)}


#: What mapped a cached record: (mapping hash, code version, site URL), as on its row.
Mapper = tuple[str | None, str | None, str | None]


def record_mappers(session: Session, ids: Sequence[int]) -> dict[int, Mapper]:
    """ticket id -> what mapped its cached record (``TicketRow.mapping_hash``,
    ``mapper_version``, ``mapped_site``)."""
    query = select(TicketRow.id, TicketRow.mapping_hash, TicketRow.mapper_version,
                   TicketRow.mapped_site).where(TicketRow.id.in_(list(ids)))
    return {ticket_id: (mapping, code, site) for ticket_id, mapping, code, site in session.execute(query)}


def cached_records(session: Session, ids: Sequence[int]) -> list[TicketRow]:
    """The ticket rows with these ids, only their cached record and timeline loaded (JSON
    texts, as sync stored them)."""
    query = select(TicketRow).options(load_only(TicketRow.id, TicketRow.record, TicketRow.timeline)).where(
        TicketRow.id.in_(list(ids)))
    return list(session.scalars(query))


def record_evaluation_states(
    session: Session, states: Sequence[tuple[int, int | None, datetime | None, datetime | None]], digest: str
) -> None:
    """Remember what each evaluated ticket's evaluation saw (bulk UPDATE by primary key):
    (ticket id, snapshot id or None, as_of, next change or None)."""
    for chunk in chunks(states, _UPDATE_BATCH):
        session.execute(update(TicketRow), [
            {"id": ticket_id, "evaluated_snapshot_id": snapshot_id,
             "evaluated_with": digest if snapshot_id is not None else None,
             "evaluated_as_of": evaluated_as_of, "next_change_at": next_change_at}
            for ticket_id, snapshot_id, evaluated_as_of, next_change_at in chunk
        ])


def stale_records(
    session: Session, mappers: dict[str, Mapper], only: Collection[tuple[str, str]] | None = None,
) -> list[tuple[int, str]]:
    """(id, source) of the tickets of these sources (``only``: of these keys) whose cached
    record was mapped by another mapper than the source's (mapping file hash, code version,
    site URL: ``connector.remap.running_mapper``)."""
    stale: list[tuple[int, str]] = []
    for source, (mapping_hash, version, site) in sorted(mappers.items()):
        query = select(TicketRow.id, TicketRow.source).where(
            TicketRow.source == source,
            or_(TicketRow.mapping_hash.is_(None), TicketRow.mapping_hash != mapping_hash,
                TicketRow.mapper_version.is_(None), TicketRow.mapper_version != version,
                TicketRow.mapped_site.is_(None), TicketRow.mapped_site != site),
        )
        if only is None:
            stale.extend((i, s) for i, s in session.execute(query))
            continue
        # A webhook evaluates one ticket: look at just that one, not the whole store.
        for chunk in chunks(sorted(t for s, t in set(only) if s == source), CHUNK):
            stale.extend((i, s) for i, s in session.execute(query.where(TicketRow.ticket.in_(chunk))))
    return sorted(stale)


def ticket_rows(session: Session, ids: Sequence[int]) -> list[TicketRow]:
    """The ticket rows with these ids (one query), to update in the session."""
    return list(session.scalars(select(TicketRow).where(TicketRow.id.in_(list(ids)))))

