"""Incremental sync of one source into the store.

Tickets are stored while the read goes on (Jira: each issue once its changelog and comments
are read) or from a scratch file the read was spilled to (Zendesk: a ticket's events arrive in
a separate stream), CHUNK tickets per transaction, so memory stays flat in the number of
tickets. The new cursor is committed last, in its own transaction: a failure anywhere leaves
the committed cursor where it was and the next run reads the same changes again (snapshots
are keyed by content: the versions already stored are not duplicated).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.bundles import parse_stamp
from connector.crashpoints import ARMED, crash_point
from connector.platforms.base import Changes, Client, PageRead, ReadEvent, SourceSettings, TicketChange
from connector.platforms.registry import platform_for
from connector.remap import MappedHere, MappedVersion, mapped_by, remap_row, running_mapper
from connector.store import Session, Store
from connector.store.bulk import TicketBatch
from connector.store.models import SourceRow, TicketRow
from connector.store.tickets import ensure_source, find_ticket, live_tickets, mark_deleted, mark_deleted_by_id
from connector.ticket_ids import ticket_id
from mappings.loader import LoadedMapping

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (pages read, tickets seen)
Doc = dict[str, Any]


@dataclass
class SyncOutcome:
    """One sync of one source (committed)."""

    source: str
    full: bool = False
    pages: int = 0
    tickets: int = 0
    new_versions: int = 0
    deleted: int = 0
    api_calls: int = 0
    changed: list[str] = field(default_factory=list)
    #: Tickets whose storage failed (id and reason, never their text); the rest were stored.
    quarantined: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "changed"} | {"changed": len(self.changed)}

    def mark(self) -> tuple[int, int, int]:
        return self.new_versions, self.deleted, len(self.changed)

    def reset(self, mark: tuple[int, int, int]) -> None:
        """Forget what a rolled-back transaction counted."""
        self.new_versions, self.deleted, changed = mark
        del self.changed[changed:]


#: Errors of one ticket's data, not of the store (a UnicodeError or a pydantic error is a
#: ValueError): that ticket is quarantined, the others are stored and the cursor moves.
TICKET_ERRORS = (ValueError, TypeError)


def quarantine_reason(exc: BaseException) -> str:
    # The exception's text may quote the ticket's content: only its type is kept.
    return f"cannot be stored ({type(exc).__name__})"


def api_total(client: Client) -> int:
    """Calls made so far by a helpdesk client."""
    return int(client.stats.total)


def _store_version(
    batch: TicketBatch, row: TicketRow, mapping: LoadedMapping, documents: list[Doc], stamp: str,
    now: datetime, mapped_here: MappedHere | None = None,
) -> bool:
    updated = parse_stamp(stamp) if stamp else now
    added = batch.add_snapshot(row, stamp=stamp, updated_at=updated, documents=documents)
    if added or not mapped_by((row.mapping_hash, row.mapper_version, row.mapped_site), mapping):
        record_sha256 = remap_row(row, mapping, documents)
        if mapped_here is not None and record_sha256 is not None and batch.offered_sha256 is not None:
            mapped_here.note(row.source, row.ticket, MappedVersion(
                batch.offered_sha256, record_sha256, running_mapper(mapping)))
    return added


class SourceSync:
    """Sync and single-ticket refresh for one source, with a long-lived client.

    The platform's incremental source reads; every store write is made here.
    """

    def __init__(
        self,
        store: Store,
        source: SourceSettings,
        mapping: LoadedMapping,
        client: Client,
        *,
        initial_since: datetime,
        mapped_here: MappedHere | None = None,
    ) -> None:
        self.store = store
        self.source = source
        self.mapping = mapping
        self.client = client
        self.initial_since = initial_since
        #: Where the records this sync maps are noted, for a check in the same process.
        self.mapped_here = mapped_here
        self.reader = platform_for(source.platform).incremental(source, client, mapping.spec)
        self._in_sync = False
        self._cursor_at: datetime | None = None  # of the committed cursor, during a sync

    @property
    def name(self) -> str:
        return self.source.name

    # -- incremental / full -------------------------------------------------------------
    def sync(self, now: datetime, *, full: bool = False, progress: Progress | None = None) -> SyncOutcome:
        """Read changes since the committed cursor (``full``: everything) and commit them."""
        with self.store.session() as session:
            source_row = ensure_source(session, self.name, self.source.platform)
            cursor = None if full else source_row.cursor
            self._cursor_at = source_row.cursor_at
            directory = source_row.directory
        before = api_total(self.client)
        outcome = SyncOutcome(self.name, full=full)
        self._in_sync = True
        try:
            state = json.loads(cursor) if cursor else None
            events = self.reader.read(state, initial=self.initial_since, full=full, directory=directory)
            with closing(events):
                for event in events:
                    self._apply(event, now, outcome, progress)
        finally:
            self._in_sync = False
        outcome.api_calls = api_total(self.client) - before
        return outcome

    def _apply(self, event: ReadEvent, now: datetime, outcome: SyncOutcome,
               progress: Progress | None) -> None:
        if isinstance(event, PageRead):
            outcome.pages += 1
            outcome.tickets += event.tickets
            if progress is not None:
                progress(outcome.pages, outcome.tickets)
        elif isinstance(event, Changes):
            self._store_part(event.changes, now, outcome, crash_at=event.crash_at)
        else:
            # Last transaction: the directory, deletions and the cursor (only once every
            # ticket it covers is stored; a crash before re-reads the same changes).
            with self.store.session() as session:
                source_row = ensure_source(session, self.name, self.source.platform)
                if event.directory is not None:
                    source_row.directory = event.directory
                if outcome.full:
                    outcome.deleted += self._vanished(session, event.seen, now)
                self._commit_cursor(source_row, json.dumps(event.state, sort_keys=True), now,
                                    outcome.quarantined)

    def _unevaluated(self, batch: TicketBatch) -> bool:
        """During a sync: the version just read was already stored by a sync that did not
        commit its cursor (killed after some chunks), so it may never have been evaluated."""
        stored = batch.duplicate_fetched_at
        if not self._in_sync or stored is None:
            return False
        return self._cursor_at is None or stored > self._cursor_at

    def _store_change(self, batch: TicketBatch, change: TicketChange, now: datetime,
                      outcome: SyncOutcome) -> None:
        """One ticket the read saw; ``batch`` has loaded its keys (with its latest bundle when
        the source merges it)."""
        row = next((found for key in change.keys if (found := batch.find(key)) is not None), None)
        if change.deleted:
            if row is not None and mark_deleted(row, now):
                outcome.deleted += 1
            return
        if row is None and not change.complaint():
            return  # not a complaint and never was: not kept
        previous = batch.latest_bundle(row) if row is not None and self.reader.needs_previous else None
        built = change.bundle(json.loads(previous) if previous else None)
        if built is None:
            return
        documents, stamp = built
        if row is None:
            row = batch.new_ticket(platform=self.source.platform, ticket=change.ticket,
                                   external_id=change.external_id, now=now)
        elif row.ticket != change.ticket:
            row.ticket = change.ticket  # moved to another project: same issue id, new key
        row.last_seen_at = now
        if change.present and _reappeared(row):
            row.deleted, row.deleted_at = False, None
        if _store_version(batch, row, self.mapping, documents, stamp, now, self.mapped_here):
            outcome.new_versions += 1
            outcome.changed.append(row.ticket)
        elif self._unevaluated(batch):
            outcome.changed.append(row.ticket)

    def _store_part(self, changes: list[TicketChange], now: datetime, outcome: SyncOutcome, *,
                    crash_at: int = -1) -> None:
        """Store ``changes`` in one transaction; when one ticket's data cannot be stored, roll
        back and store them one transaction each, quarantining the tickets that still fail."""
        mark = outcome.mark()
        try:
            self._transaction(changes, now, outcome, crash_at=crash_at)
        except TICKET_ERRORS:
            outcome.reset(mark)
        else:
            return
        for change in changes:
            mark = outcome.mark()
            try:
                self._transaction([change], now, outcome)
            except TICKET_ERRORS as exc:
                outcome.reset(mark)
                log.warning("source %s: ticket %s quarantined: %s", self.name, change.ticket,
                            quarantine_reason(exc))
                outcome.quarantined.append({"ticket": change.ticket, "reason": quarantine_reason(exc)})

    def _transaction(self, changes: list[TicketChange], now: datetime, outcome: SyncOutcome, *,
                     crash_at: int = -1) -> None:
        with self.store.session() as session:
            ensure_source(session, self.name, self.source.platform)
            batch = TicketBatch(session, self.name)
            batch.load([k for change in changes for k in change.keys],
                       latest_bundles=self.reader.needs_previous)
            for i, change in enumerate(changes):
                if i == crash_at and ARMED:
                    crash_point("mid-sync")
                self._store_change(batch, change, now, outcome)
            batch.flush(now)

    def _vanished(self, session: Session, seen: set[str], now: datetime) -> int:
        """Full reconciliation: stored tickets the source no longer returns are deleted."""
        gone = [
            row_id for row_id, ticket, external_id, updated_at in live_tickets(session, self.name)
            if ticket not in seen and (external_id or "") not in seen
            # Outside the window a full read covers: not evidence of a deletion.
            and not (updated_at is not None and updated_at < self.initial_since)
        ]
        return mark_deleted_by_id(session, gone, now)

    def _commit_cursor(self, row: SourceRow, cursor: str, now: datetime,
                       quarantined: list[dict[str, str]] | None = None) -> None:
        # Same transaction as the data: both land, or neither does.
        row.cursor = cursor
        row.cursor_at = now
        row.last_success_at = now
        if quarantined:  # ``status`` shows them (ids and reasons only)
            row.last_error = _quarantine_message(quarantined)[:2000]
            row.last_error_at = now

    # -- one ticket ---------------------------------------------------------------------
    def refresh(self, ticket: str, now: datetime) -> SyncOutcome:
        """Re-read one ticket (webhook): Zendesk ticket + audits, Jira issue + history."""
        ticket_id(self.source.platform, ticket)  # every entry checks; this guards the helpdesk calls
        before = api_total(self.client)
        outcome = SyncOutcome(self.name)
        with self.store.session() as session:
            directory = ensure_source(session, self.name, self.source.platform).directory
        changes: list[TicketChange] = []
        try:
            for event in self.reader.refresh(ticket, directory):
                if isinstance(event, PageRead):
                    outcome.pages += 1
                    outcome.tickets += event.tickets
                else:
                    changes.extend(event.changes)
        except Exception as exc:
            if getattr(exc, "status", None) != 404:
                raise
            self._deleted_one(ticket, now, outcome)
        else:
            self._transaction(changes, now, outcome)
        outcome.api_calls = api_total(self.client) - before
        return outcome

    def _deleted_one(self, ticket: str, now: datetime, outcome: SyncOutcome) -> None:
        with self.store.session() as session:
            row = find_ticket(session, self.name, ticket)
            if row is not None and mark_deleted(row, now):
                outcome.deleted += 1


def _quarantine_message(quarantined: list[dict[str, str]]) -> str:
    listed = "; ".join(f"{q['ticket']}: {q['reason']}" for q in quarantined)
    return f"{len(quarantined)} ticket(s) quarantined (not stored, the others were): {listed}"


def _reappeared(row: TicketRow) -> bool:
    return row.deleted


def record_error(store: Store, source: str, platform: str, message: str, now: datetime) -> None:
    """Remember the last failure of a source (``status`` shows it); the cursor is untouched."""
    with store.session() as session:
        row = ensure_source(session, source, platform)
        row.last_error = message[:2000]
        row.last_error_at = now
