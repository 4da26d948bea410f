"""The write-back journal: one entry per (source, ticket, findings hash).

The entry is committed as ``planned`` *before* the platform write and set to ``applied`` or
``failed`` after it. A ``planned`` entry found later means the process died in between; it is
reconciled by re-reading the ticket (its marker tag / property says whether the write landed).
An entry whose findings changed before it was applied becomes ``superseded``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.store.models import JournalRow

State = Literal["planned", "applied", "failed", "superseded"]


def idempotency_key(source: str, ticket: str, findings_hash: str) -> str:
    return f"{source}:{ticket}:{findings_hash}"


def plan_entry(
    session: Session, *, source: str, ticket: str, findings_hash: str, run_id: int | None, now: datetime
) -> JournalRow:
    """The entry for this key, created as ``planned`` (or re-opened when it had failed)."""
    key = idempotency_key(source, ticket, findings_hash)
    row = session.scalar(select(JournalRow).where(JournalRow.idempotency_key == key))
    if row is None:
        row = JournalRow(
            idempotency_key=key, source=source, ticket=ticket, findings_hash=findings_hash,
            run_id=run_id, state="planned", attempts=0, created_at=now, updated_at=now,
        )
        session.add(row)
    elif row.state == "failed":
        row.state = "planned"
        row.updated_at = now
    session.flush()
    return row


def finish_entry(row: JournalRow, state: State, now: datetime, *, result: str | None = None,
                 error: str | None = None) -> None:
    row.state = state
    row.attempts += 1
    row.updated_at = now
    row.result = result
    row.error = error


def applied_hashes(
    session: Session, source: str, tickets: Collection[str] | None = None
) -> dict[str, str]:
    """ticket -> findings hash of the newest applied entry (what the ticket shows now)."""
    query = select(JournalRow.ticket, JournalRow.findings_hash, JournalRow.id).where(
        JournalRow.source == source, JournalRow.state == "applied"
    )
    if tickets is not None:
        query = query.where(JournalRow.ticket.in_(list(tickets)))
    rows = session.execute(query.order_by(JournalRow.updated_at, JournalRow.id)).all()
    return {ticket: hash_ for ticket, hash_, _id in rows}


def open_entries(session: Session, source: str | None = None,
                 states: Iterable[State] = ("planned", "failed")) -> list[JournalRow]:
    query = select(JournalRow).where(JournalRow.state.in_(list(states)))
    if source is not None:
        query = query.where(JournalRow.source == source)
    # Sorted here: an SQL ORDER BY id makes SQLite walk the source index (already in id
    # order) through the whole journal instead of the (source, state) index.
    return sorted(session.scalars(query), key=lambda row: row.id)


def has_open_entries(session: Session, source: str) -> bool:
    """Any ``planned`` or ``failed`` entry for ``source`` (a write-back still to finish)."""
    query = select(JournalRow.id).where(
        JournalRow.source == source, JournalRow.state.in_(["planned", "failed"])
    ).limit(1)
    return session.scalar(query) is not None


def counts_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(JournalRow.state, func.count(JournalRow.id)).group_by(JournalRow.state))
    return {state: int(n) for state, n in rows.all()}
