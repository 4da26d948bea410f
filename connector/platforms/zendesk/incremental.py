"""Zendesk's incremental source: the export and event streams, spilled to disk, then handed
to the sync CHUNK tickets at a time (a ticket's events arrive apart from the ticket)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

from connector.bundles import ZendeskDirectory, ZendeskPages, zendesk_bundle
from connector.platforms.base import Changes, Doc, JsonState, PageRead, ReadEnd, ReadEvent, TicketChange
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.reader import SyncState, ZendeskReader
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.spill import SpilledZendeskPages
from connector.store.chunking import CHUNK
from mappings.schema import MappingSpec
from mappings.select import is_complaint


class ZendeskIncremental:
    needs_previous = True

    def __init__(self, source: ZendeskSourceConfig, client: ZendeskClient, spec: MappingSpec) -> None:
        self.source = source
        self.client = client
        self.spec = spec

    def read(self, state: JsonState, *, initial: datetime, full: bool,
             directory: str | None) -> Generator[ReadEvent, None, None]:
        position = state.get("zendesk") if isinstance(state, dict) else None
        start = SyncState.decode(position) if isinstance(position, str) else None
        reader = ZendeskReader(self.client, self.source, None)
        gen = reader.sync(start, start_time=None if start else int(initial.timestamp()))
        # The read is spilled to a scratch file and stored CHUNK tickets per transaction: memory
        # stays flat in the number of tickets and the store's write lock is held briefly.
        with SpilledZendeskPages() as spill:
            while True:
                try:
                    page = next(gen)
                except StopIteration as stop:
                    new_state: SyncState = stop.value
                    break
                spill.add(page.kind, page.body)
                yield PageRead(len(page.body.get("tickets") or ()))
            known = ZendeskDirectory.from_json(directory).updated(spill.agents, spill.groups, spill.fields,
                                                                 spill.forms)
            touched = spill.touched()
            users = spill.users()
            for start_at in range(0, len(touched), CHUNK):
                part = touched[start_at:start_at + CHUNK]
                tickets, metric_sets, events, audits = spill.part(part)
                pages = ZendeskPages(tickets=tickets, metric_sets=metric_sets, users=users,
                                     agents=spill.agents, events=events, audits=audits, groups=spill.groups,
                                     fields=spill.fields, forms=spill.forms)
                yield Changes([self._change(t, pages, known) for t in part],
                              crash_at=len(touched) // 2 - start_at)
            changed = bool(spill.agents or spill.groups or spill.fields or spill.forms)
            yield ReadEnd({"zendesk": new_state.encode()}, spill.ticket_ids() if full else set(),
                          known.to_json() if changed else None)

    def refresh(self, ticket: str, directory: str | None) -> Iterator[PageRead | Changes]:
        reader = ZendeskReader(self.client, self.source, None)
        pages = ZendeskPages()
        for page in reader.single_ticket(int(ticket)):
            before = len(pages.tickets)
            pages.add(page.kind, page.body)
            yield PageRead(len(pages.tickets) - before)
        yield Changes([self._change(ticket, pages, ZendeskDirectory.from_json(directory))])

    def _change(self, ticket: str, pages: ZendeskPages, directory: ZendeskDirectory) -> TicketChange:
        raw = pages.tickets.get(ticket)

        def bundle(previous: list[Doc] | None) -> tuple[list[Doc], str] | None:
            documents = zendesk_bundle(ticket, pages, previous, directory)
            if documents is None:
                return None
            current: dict[str, Any] = documents[0]["tickets"][0]
            return documents, str(current.get("updated_at") or "")

        return TicketChange(
            ticket=ticket, keys=(ticket,), external_id=ticket, bundle=bundle,
            complaint=lambda: raw is not None and is_complaint(self.spec, raw),
            deleted=raw is not None and raw.get("status") == "deleted",
            # The event export goes on listing events of a purged ticket: only the ticket in
            # this read undoes a deletion.
            present=raw is not None,
        )

