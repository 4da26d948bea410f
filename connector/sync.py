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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance_checks.model import TIMELINE_JSON
from connector.bundles import (
    JiraPages,
    ZendeskDirectory,
    ZendeskPages,
    jira_bundle,
    map_bundle,
    parse_stamp,
    zendesk_bundle,
)
from connector.crashpoints import ARMED, crash_point
from connector.jira.reader import JiraReader
from connector.jira.settings import JiraSourceConfig
from connector.spill import SpilledZendeskPages
from connector.store import Store
from connector.store.bulk import CHUNK, TicketBatch, chunks
from connector.store.models import SourceRow, TicketRow
from connector.store.tickets import ensure_source, find_ticket, mark_deleted
from connector.ticket_ids import ticket_id
from connector.zendesk.reader import SyncState, ZendeskReader
from connector.zendesk.settings import ZendeskSourceConfig
from mappings.loader import LoadedMapping
from mappings.select import is_complaint

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


def api_total(client: Any) -> int:
    """Calls made so far by a Zendesk or Jira client."""
    return int(client.stats.total)


def _remap(row: TicketRow, mapping: LoadedMapping, documents: list[Any]) -> None:
    mapped = map_bundle(mapping.spec, documents, None)
    row.mapping_hash = mapping.sha256
    if mapped is None or mapped.skipped:
        row.is_complaint = False
        return
    row.is_complaint = True
    if mapped.error is not None or mapped.record is None:
        row.record = row.timeline = None
        row.mapping_error = str(mapped.error or "no record produced")
        row.is_open = True
        return
    # Apart: reports read every record but hardly any timeline (migration 0005).
    row.record = mapped.record.model_dump_json(exclude={"timeline"})
    row.timeline = TIMELINE_JSON.dump_json(mapped.record.timeline).decode()
    row.mapping_error = None
    row.is_open = mapped.record.is_open and not row.deleted


def _store_version(
    batch: TicketBatch, row: TicketRow, mapping: LoadedMapping, documents: list[Doc], stamp: str,
    now: datetime,
) -> bool:
    updated = parse_stamp(stamp) if stamp else now
    added = batch.add_snapshot(row, stamp=stamp, updated_at=updated, documents=documents)
    if added or row.mapping_hash != mapping.sha256:
        _remap(row, mapping, documents)
    return added


class SourceSync:
    """Sync and single-ticket refresh for one source, with a long-lived client."""

    def __init__(
        self,
        store: Store,
        source: ZendeskSourceConfig | JiraSourceConfig,
        mapping: LoadedMapping,
        client: Any,
        *,
        initial_since: datetime,
    ) -> None:
        self.store = store
        self.source = source
        self.mapping = mapping
        self.client = client
        self.initial_since = initial_since
        self._jira_reader: JiraReader | None = None
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
        before = api_total(self.client)
        outcome = SyncOutcome(self.name, full=full)
        self._in_sync = True
        try:
            if isinstance(self.source, ZendeskSourceConfig):
                self._sync_zendesk(cursor, now, outcome, progress)
            else:
                self._sync_jira(cursor, now, outcome, progress)
        finally:
            self._in_sync = False
        outcome.api_calls = api_total(self.client) - before
        return outcome

    def _unevaluated(self, batch: TicketBatch) -> bool:
        """During a sync: the version just read was already stored by a sync that did not
        commit its cursor (killed after some chunks), so it may never have been evaluated."""
        stored = batch.duplicate_fetched_at
        if not self._in_sync or stored is None:
            return False
        return self._cursor_at is None or stored > self._cursor_at

    def _pages(self, pages: Iterator[Any], outcome: SyncOutcome, progress: Progress | None,
               add: Callable[[Any], int]) -> None:
        for page in pages:
            outcome.pages += 1
            outcome.tickets += add(page)
            if progress is not None:
                progress(outcome.pages, outcome.tickets)

    def _sync_zendesk(self, cursor: str | None, now: datetime, outcome: SyncOutcome,
                      progress: Progress | None) -> None:
        assert isinstance(self.source, ZendeskSourceConfig)  # noqa: S101 - dispatch above
        state = SyncState.decode(json.loads(cursor)["zendesk"]) if cursor else None
        reader = ZendeskReader(self.client, self.source, None)
        gen = reader.sync(state, start_time=None if state else int(self.initial_since.timestamp()))
        new_state: SyncState | None = None

        def drain() -> Iterator[Any]:
            nonlocal new_state
            while True:
                try:
                    page = next(gen)
                except StopIteration as stop:
                    new_state = stop.value
                    return
                yield page

        def add(page: Any) -> int:
            spill.add(page.kind, page.body)
            return len(page.body.get("tickets") or ())

        # The read is spilled to a scratch file and stored CHUNK tickets per transaction: memory
        # stays flat in the number of tickets and the store's write lock is held briefly.
        with SpilledZendeskPages() as spill:
            self._pages(drain(), outcome, progress, add)
            assert new_state is not None  # noqa: S101 - set when the generator finished
            new_cursor = json.dumps({"zendesk": new_state.encode()})
            with self.store.session() as session:
                source_row = ensure_source(session, self.name, "zendesk")
                directory = ZendeskDirectory.from_json(source_row.directory).updated(
                    spill.agents, spill.groups)
            touched = spill.touched()
            users = spill.users()
            for start in range(0, len(touched), CHUNK):
                part = touched[start:start + CHUNK]
                tickets, metric_sets, events, audits = spill.part(part)
                pages = ZendeskPages(tickets=tickets, metric_sets=metric_sets, users=users,
                                     agents=spill.agents, events=events, audits=audits,
                                     groups=spill.groups)

                def store(batch: TicketBatch, ticket_id: str, pages: ZendeskPages = pages) -> None:
                    self._store_zendesk(batch, ticket_id, pages, directory, now, outcome)

                self._store_part([(t, [t]) for t in part], store, now, outcome, latest=True,
                                 crash_at=len(touched) // 2 - start)
            seen = spill.ticket_ids() if outcome.full else set()
            # Last transaction: the directory, deletions and the cursor (only once every
            # ticket it covers is stored; a crash before re-reads the same changes).
            with self.store.session() as session:
                source_row = ensure_source(session, self.name, "zendesk")
                self._update_directory(source_row, spill.agents, spill.groups)
                if outcome.full:
                    outcome.deleted += self._vanished(session, seen, now)
                self._commit_cursor(source_row, new_cursor, now, outcome.quarantined)

    def _update_directory(self, row: SourceRow, agents: Mapping[str, Doc],
                          groups: Mapping[str, Doc]) -> ZendeskDirectory:
        directory = ZendeskDirectory.from_json(row.directory).updated(agents, groups)
        if agents or groups:
            row.directory = directory.to_json()
        return directory

    def _store_zendesk(self, batch: TicketBatch, ticket_id: str, pages: ZendeskPages,
                       directory: ZendeskDirectory, now: datetime, outcome: SyncOutcome) -> None:
        """One touched ticket; ``batch`` has loaded it (with its latest bundle)."""
        raw = pages.tickets.get(ticket_id)
        row = batch.find(ticket_id)
        if raw is not None and raw.get("status") == "deleted":
            if row is not None and mark_deleted(row, now):
                outcome.deleted += 1
            return
        if row is None and (raw is None or not is_complaint(self.mapping.spec, raw)):
            return  # not a complaint and never was: not kept
        previous = batch.latest_bundle(row) if row is not None else None
        documents = zendesk_bundle(ticket_id, pages, json.loads(previous) if previous else None, directory)
        if documents is None:
            return
        ticket = documents[0]["tickets"][0]
        row = row or batch.new_ticket(platform="zendesk", ticket=ticket_id, external_id=ticket_id, now=now)
        row.last_seen_at = now
        # Only the ticket in this read undoes a deletion: the event export goes on listing
        # events of a purged ticket, and those alone made each full read undelete it (then
        # delete it again with a new deleted_at).
        if raw is not None and _reappeared(row):
            row.deleted, row.deleted_at = False, None
        if _store_version(batch, row, self.mapping, documents, str(ticket.get("updated_at") or ""), now):
            outcome.new_versions += 1
            outcome.changed.append(row.ticket)
        elif self._unevaluated(batch):
            outcome.changed.append(row.ticket)

    def _sync_jira(self, cursor: str | None, now: datetime, outcome: SyncOutcome,
                   progress: Progress | None) -> None:
        position = json.loads(cursor) if cursor else {}
        since = datetime.fromisoformat(position["since"]) if position.get("since") else None
        if since is None and not outcome.full:
            since = self.initial_since
        reader = self._reader(known=position.get("known") or {})
        pages = JiraPages()
        # Issues are stored as soon as their changelogs and comments are all read, CHUNK or
        # more per transaction, and dropped: memory stays flat in the number of issues. Data
        # Center reads an issue's history right after its search page; Cloud fetches the
        # changelogs of every ``bulkfetch_issues`` issues (then the page's comments) before
        # the next search page. So when a search page arrives, every issue read before it is
        # complete except (Cloud) the ones still waiting for their changelog batch.
        per_fetch = int(self.client.source.page_sizes.bulkfetch_issues) if self.client.is_cloud else 1
        pending: list[str] = []  # ids of issues read and not stored yet, in reading order
        read = 0  # issues read (Cloud: handed to the changelog batches in this order)
        seen: set[str] = set()  # keys, for a full sync's deletions
        crash = [True]

        def add(page: Any) -> int:
            nonlocal read
            issues = page.get("issues")
            if not isinstance(issues, list) or "issue" in page:
                pages.add(page)  # a changelog or comment page of issues already read
                return 0
            ready = len(pending) - read % per_fetch
            if ready >= CHUNK:
                self._store_jira_part(pending[:ready], set(pending[ready:]), pages, now, outcome, crash)
                del pending[:ready]
            pages.add(page)
            pending.extend(str(issue["id"]) for issue in issues)
            seen.update(str(issue["key"]) for issue in issues)
            read += len(issues)
            return len(issues)

        self._pages(reader.pages(since if not outcome.full else None), outcome, progress, add)
        self._store_jira_part(pending, set(), pages, now, outcome, crash)
        state = reader.state
        next_since = state.cursor or since
        from datetime import timedelta

        new_cursor = json.dumps({
            "since": next_since.isoformat() if next_since else None,
            "known": state.boundary(timedelta(seconds=self.source.overlap_seconds)),  # type: ignore[union-attr]
        }, sort_keys=True)
        # Last transaction: deletions and the cursor, once every issue it covers is stored.
        with self.store.session() as session:
            source_row = ensure_source(session, self.name, "jira")
            if outcome.full:
                outcome.deleted += self._vanished(session, seen, now)
            self._commit_cursor(source_row, new_cursor, now, outcome.quarantined)

    def _store_jira_part(self, ids: list[str], keep: set[str], pages: JiraPages, now: datetime,
                         outcome: SyncOutcome, crash: list[bool]) -> None:
        """Store the complete issues ``ids`` (one transaction per CHUNK) and drop their pages.

        An id read again later (a newer version in a later page, or in ``keep``: still waiting)
        is left for that reading.
        """
        last = {issue_id: i for i, issue_id in enumerate(ids)}
        issues = [pages.issues[issue_id] for i, issue_id in enumerate(ids)
                  if last[issue_id] == i and issue_id not in keep]
        def store(batch: TicketBatch, issue: Doc) -> None:
            self._store_jira(batch, issue, pages, now, outcome)

        for start in range(0, len(issues), CHUNK):
            part = issues[start:start + CHUNK]
            crash_at = len(part) // 2 if crash[0] else -1
            crash[0] = False  # the first transaction of the sync, half stored
            self._store_part([(issue, [str(issue["key"]), str(issue["id"])]) for issue in part], store,
                             now, outcome, crash_at=crash_at)
            for issue in part:
                issue_id, key = str(issue["id"]), str(issue["key"])
                pages.issues.pop(issue_id, None)
                for bucket in (pages.histories, pages.comments):
                    bucket.pop(issue_id, None)
                    bucket.pop(key, None)

    def _store_part(self, items: list[tuple[Any, list[str]]], store: Callable[[TicketBatch, Any], None],
                    now: datetime, outcome: SyncOutcome, *, latest: bool = False, crash_at: int = -1) -> None:
        """Store ``items`` ((item, keys to load)) in one transaction; when one ticket's data
        cannot be stored, roll back and store them one transaction each, quarantining the
        tickets that still fail."""
        mark = outcome.mark()
        try:
            self._transaction(items, store, now, latest=latest, crash_at=crash_at)
        except TICKET_ERRORS:
            outcome.reset(mark)
        else:
            return
        for item in items:
            mark = outcome.mark()
            try:
                self._transaction([item], store, now, latest=latest)
            except TICKET_ERRORS as exc:
                outcome.reset(mark)
                ticket = item[1][0]
                log.warning("source %s: ticket %s quarantined: %s", self.name, ticket, quarantine_reason(exc))
                outcome.quarantined.append({"ticket": ticket, "reason": quarantine_reason(exc)})

    def _transaction(self, items: list[tuple[Any, list[str]]], store: Callable[[TicketBatch, Any], None],
                     now: datetime, *, latest: bool, crash_at: int = -1) -> None:
        with self.store.session() as session:
            ensure_source(session, self.name, self.source.platform)
            batch = TicketBatch(session, self.name)
            batch.load([k for _item, keys in items for k in keys], latest_bundles=latest)
            for i, (item, _keys) in enumerate(items):
                if i == crash_at and ARMED:
                    crash_point("mid-sync")
                store(batch, item)
            batch.flush(now)

    def _reader(self, known: Mapping[str, str] | None = None) -> JiraReader:
        spec = self.mapping.spec
        reader = JiraReader(self.client, spec, keep=lambda raw: is_complaint(spec, raw), known=known)
        if self._jira_reader is not None:
            reader.plan = self._jira_reader.plan
        self._jira_reader = reader
        return reader

    def _store_jira(self, batch: TicketBatch, issue: Doc, pages: JiraPages, now: datetime,
                    outcome: SyncOutcome) -> None:
        """One issue; ``batch`` has loaded its key and id."""
        key, issue_id = str(issue["key"]), str(issue["id"])
        row = batch.find(key) or batch.find(issue_id)
        if row is None:
            row = batch.new_ticket(platform="jira", ticket=key, external_id=issue_id, now=now)
        elif row.ticket != key:
            row.ticket = key  # moved to another project: same issue id, new key
        row.last_seen_at = now
        if _reappeared(row):
            row.deleted, row.deleted_at = False, None
        stamp = str((issue.get("fields") or {}).get("updated") or "")
        if _store_version(batch, row, self.mapping, jira_bundle(issue, pages), stamp, now):
            outcome.new_versions += 1
            outcome.changed.append(row.ticket)
        elif self._unevaluated(batch):
            outcome.changed.append(row.ticket)

    def _vanished(self, session: Session, seen: set[str], now: datetime) -> int:
        """Full reconciliation: stored tickets the source no longer returns are deleted."""
        # Keys only: loading whole rows (with their records) held every ticket in memory.
        keys = session.execute(
            select(TicketRow.id, TicketRow.ticket, TicketRow.external_id, TicketRow.updated_at)
            .where(TicketRow.source == self.name, TicketRow.deleted.is_(False))
        )
        gone = [
            row_id for row_id, ticket, external_id, updated_at in keys
            if ticket not in seen and (external_id or "") not in seen
            # Outside the window a full read covers: not evidence of a deletion.
            and not (updated_at is not None and updated_at < self.initial_since)
        ]
        count = 0
        for part in chunks(gone):
            for row in session.scalars(select(TicketRow).where(TicketRow.id.in_(part))):
                count += mark_deleted(row, now)
        return count

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
        if isinstance(self.source, ZendeskSourceConfig):
            self._refresh_zendesk(ticket, now, outcome)
        else:
            self._refresh_jira(ticket, now, outcome)
        outcome.api_calls = api_total(self.client) - before
        return outcome

    def _refresh_zendesk(self, ticket: str, now: datetime, outcome: SyncOutcome) -> None:
        reader = ZendeskReader(self.client, self.source, None)  # type: ignore[arg-type]
        pages = ZendeskPages()
        try:
            for page in reader.single_ticket(int(ticket)):
                outcome.pages += 1
                pages.add(page.kind, page.body)
        except Exception as exc:
            if getattr(exc, "status", None) != 404:
                raise
            self._deleted_one(ticket, now, outcome)
            return
        outcome.tickets = len(pages.tickets)
        with self.store.session() as session:
            source_row = ensure_source(session, self.name, "zendesk")
            directory = self._update_directory(source_row, {}, {})
            batch = TicketBatch(session, self.name)
            batch.load([ticket], latest_bundles=True)
            self._store_zendesk(batch, ticket, pages, directory, now, outcome)
            batch.flush(now)

    def _refresh_jira(self, ticket: str, now: datetime, outcome: SyncOutcome) -> None:
        reader = self._jira_reader or self._reader()
        pages = JiraPages()
        try:
            for page in reader.issue_pages(ticket):
                outcome.pages += 1
                pages.add(page)
        except Exception as exc:
            if getattr(exc, "status", None) != 404:
                raise
            self._deleted_one(ticket, now, outcome)
            return
        with self.store.session() as session:
            ensure_source(session, self.name, "jira")
            batch = TicketBatch(session, self.name)
            batch.load([k for issue in pages.issues.values() for k in (str(issue["key"]), str(issue["id"]))])
            for issue in pages.issues.values():
                outcome.tickets += 1
                known = batch.find(str(issue["key"]))
                if known is None and not is_complaint(self.mapping.spec, issue):
                    continue
                self._store_jira(batch, issue, pages, now, outcome)
            batch.flush(now)

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
