"""Read path: the cheapest correct calls, yielding raw response bodies unchanged.

Per run: the cursor ticket export (``include=metric_sets,users``; ``start_time`` once, then
``cursor``; until ``end_of_stream``), the ticket-event export with ``comment_events``
(comments with their public flag and author, field changes), optionally metric events, and the
agent/admin user list once (only when something changed). Per-ticket audits are only the
single-ticket fallback. The caller persists the returned :class:`SyncState` after success.
"""

from __future__ import annotations

import base64
import json
from array import array
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from connector.http import ReadStats
from connector.platforms.zendesk.http import ZendeskClient, ZendeskHTTPError
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.ticket_ids import url_segment

PageKind = Literal["tickets", "ticket_events", "metric_events", "users", "groups", "ticket", "audits",
                   "ticket_fields", "ticket_forms"]
Selector = Callable[[dict[str, Any]], bool]

TICKET_EXPORT = "/api/v2/incremental/tickets/cursor.json"
TICKET_EVENTS = "/api/v2/incremental/ticket_events.json"
METRIC_EVENTS = "/api/v2/incremental/ticket_metric_events.json"
USERS = "/api/v2/users.json"
GROUPS = "/api/v2/groups.json"
TICKET_FIELDS = "/api/v2/ticket_fields.json"
TICKET_FORMS = "/api/v2/ticket_forms.json"
#: Metric events come at most 100 per page (time-based variant), the default page.
METRIC_EVENTS_PAGE = 100
#: Users and groups lists: cursor pagination, at most 100 per page.
USERS_PAGE = 100
#: A stream that does not advance is a server bug; stop instead of looping forever.
MAX_PAGES = 100_000
#: The time-based exports' largest page (Incremental Exports: ``per_page`` at most 1,000).
TIME_BASED_MAX_PAGE = 1000


class ExportStalled(ZendeskHTTPError):
    """A time-based export returned a full page without moving ``end_time`` forward."""


@dataclass(frozen=True)
class Page:
    """One raw response body, exactly as Zendesk sent it."""

    kind: PageKind
    body: dict[str, Any]


@dataclass(frozen=True)
class SyncState:
    """Where the next run resumes. Persist it only after a run succeeded."""

    tickets_cursor: str | None = None
    events_start_time: int | None = None
    metric_events_start_time: int | None = None
    #: The ticket export's position while it has no cursor yet: a first export with no
    #: results may come back without ``after_cursor`` (the schema makes it nullable).
    tickets_start_time: int | None = None

    def encode(self) -> str:
        """An opaque, URL-safe string (``v1.`` + base64 JSON)."""
        data: dict[str, str | int | None] = {
            "t": self.tickets_cursor,
            "e": self.events_start_time,
            "m": self.metric_events_start_time,
        }
        if self.tickets_start_time is not None:
            data["s"] = self.tickets_start_time
        raw = json.dumps(data, separators=(",", ":"))
        return "v1." + base64.urlsafe_b64encode(raw.encode()).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> SyncState:
        """Parse :meth:`encode` output.

        Raises:
            ValueError: Not a cursor this connector wrote.
        """
        if not text.startswith("v1."):
            raise ValueError("not an iso10002 Zendesk sync cursor (expected 'v1.' prefix)")
        try:
            data = json.loads(base64.urlsafe_b64decode(text[3:].encode()))
            return cls(data["t"], data["e"], data["m"], data.get("s"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("corrupt iso10002 Zendesk sync cursor") from exc


@dataclass
class ZendeskReadStats(ReadStats):
    tickets: int = 0
    deleted_tickets: int = 0
    complaints: int = 0
    ticket_events: int = 0
    #: Events newer than the resume point (a time-based export repeats its last second).
    fresh_ticket_events: int = 0
    metric_events: int = 0
    agents: int = 0
    groups: int = 0
    complaint_ids: list[int] = field(default_factory=list)
    #: Seconds of a time-based export whose items did not all fit a page (kind, second): the
    #: export moved past them; ticket-event seconds are read again from the tickets' audits.
    burst_seconds: list[tuple[str, int]] = field(default_factory=list)
    #: Tickets whose audits were read because of such a second.
    burst_audit_tickets: int = 0


class ZendeskReader:
    """Generators over raw pages; ``state`` and ``stats`` are final once a generator ends."""

    def __init__(
        self,
        client: ZendeskClient,
        source: ZendeskSourceConfig,
        selector: Selector | None = None,
    ) -> None:
        self.client = client
        self.source = source
        self.selector = selector
        self.stats = ZendeskReadStats()
        # (id, generated_timestamp) of this run's exported tickets, compact: the audit fallback
        # for a same-second burst reads the tickets changed at or after that second.
        self._exported_ids: array[int] = array("q")
        self._exported_at: array[int] = array("q")

    # -- tickets ------------------------------------------------------------------------
    def export_tickets(
        self, *, start_time: int | None, cursor: str | None
    ) -> Generator[Page, None, str | None]:
        """Cursor export pages until ``end_of_stream``; returns the last ``after_cursor``.

        Deleted tickets (``status: deleted``) stay in the pages: they must be kept as deleted.
        """
        if (start_time is None) == (cursor is None):
            raise ValueError("give exactly one of start_time (first run) and cursor")
        include = "metric_sets,users"
        params: dict[str, str | int] = (
            {"start_time": start_time, "include": include, "per_page": self.source.per_page}
            if start_time is not None
            else {"cursor": str(cursor), "include": include, "per_page": self.source.per_page}
        )
        last_cursor = cursor
        for _ in range(MAX_PAGES):
            body = self.client.get(TICKET_EXPORT, params)
            self._count_tickets(body.get("tickets") or [])
            yield Page("tickets", body)
            last_cursor = body.get("after_cursor") or last_cursor
            # An empty page is not the end: only ``end_of_stream`` is.
            if body.get("end_of_stream") or not body.get("after_cursor"):
                return last_cursor
            params = {"cursor": str(body["after_cursor"]), "include": include,
                      "per_page": self.source.per_page}
        raise ExportStalled(200, "GET", TICKET_EXPORT, "too many pages")

    def _count_tickets(self, tickets: list[dict[str, Any]]) -> None:
        self.stats.pages += 1
        for ticket in tickets:
            self.stats.tickets += 1
            if isinstance(ticket.get("id"), int):
                self._exported_ids.append(ticket["id"])
                stamp = ticket.get("generated_timestamp")
                self._exported_at.append(stamp if isinstance(stamp, int) else 2**62)
            if ticket.get("status") == "deleted":
                self.stats.deleted_tickets += 1
            if self.selector is None or self.selector(ticket):
                self.stats.complaints += 1
                self.stats.complaint_ids.append(int(ticket["id"]))

    # -- history ------------------------------------------------------------------------
    def ticket_events(self, start_time: int) -> Generator[Page, None, int]:
        """Time-based ticket-event export with comments; returns the next ``start_time``."""
        return (yield from self._time_based(
            TICKET_EVENTS, "ticket_events", "ticket_events", start_time,
            {"include": "comment_events", "per_page": self.source.events_per_page},
            TIME_BASED_MAX_PAGE,
        ))

    def metric_events(self, start_time: int) -> Generator[Page, None, int]:
        """Time-based ticket-metric-event export (SLA evidence); returns the next start."""
        return (yield from self._time_based(
            METRIC_EVENTS, "ticket_metric_events", "metric_events", start_time, {},
            METRIC_EVENTS_PAGE,
        ))

    def _time_based(
        self,
        path: str,
        key: str,
        kind: PageKind,
        start_time: int,
        extra: dict[str, str | int],
        max_page: int,
    ) -> Generator[Page, None, int]:
        start = start_time
        params = dict(extra)
        for _ in range(MAX_PAGES):
            body = self.client.get(path, {"start_time": start, **params})
            items = body.get(key) or []
            self.stats.pages += 1
            if kind == "ticket_events":
                self.stats.ticket_events += len(items)
                self.stats.fresh_ticket_events += sum(
                    1 for e in items if int(e.get("timestamp") or start_time + 1) > start_time
                )
            else:
                self.stats.metric_events += len(items)
            yield Page(kind, body)
            end_time = body.get("end_time")
            next_start = int(end_time) if end_time is not None else start
            if body.get("end_of_stream") or not body.get("next_page") or not items:
                return next_start
            if next_start < start:
                raise ExportStalled(200, "GET", path, "end_time went backwards")
            if next_start == start:
                # Every item of the page is in the second ``start``: a same-second burst.
                next_start, params = self._past_burst(kind, start, len(items), params, max_page)
            start = next_start
        raise ExportStalled(200, "GET", path, "too many pages")

    def _past_burst(
        self, kind: PageKind, second: int, count: int, params: dict[str, str | int], max_page: int
    ) -> tuple[int, dict[str, str | int]]:
        """Where to go on from a page that did not move ``end_time`` past ``second``.

        A time-based export may return more than ``per_page`` items when they share a
        timestamp (Using the Incremental Exports API, time-based exports): a page longer than
        asked holds the whole second, so the next second follows. A page that merely filled
        ``per_page`` is asked again at the largest page size; if even that is full, the export
        goes on from the next second and the second is recorded, so the run never stalls and
        the state saved always moves on (ticket events of that second come from audits).
        """
        asked = int(params.get("per_page") or max_page)
        if count != asked:
            # Longer than asked (the whole second) or not even full: nothing of it is left.
            return second + 1, params
        if asked < max_page:
            return second, {**params, "per_page": max_page}
        self.stats.burst_seconds.append((kind, second))
        return second + 1, params

    def burst_audits(self) -> Iterator[Page]:
        """Audit pages of every ticket exported this run that changed at or after the earliest
        ticket-event second not read whole (one audits call per 100 audits per ticket, only
        after such a second: the export has no way to page inside one second)."""
        seconds = [s for kind, s in self.stats.burst_seconds if kind == "ticket_events"]
        if not seconds:
            return
        first = min(seconds)
        ids = sorted({i for i, at in zip(self._exported_ids, self._exported_at, strict=True)
                      if at >= first})
        for ticket_id in ids:
            self.stats.burst_audit_tickets += 1
            yield from self._audit_pages(ticket_id)

    # -- people -------------------------------------------------------------------------
    def agents(self) -> Iterator[Page]:
        """Agents and admins (roles decide who is an agent on the timeline), once per run."""
        for body in self._cursor_pages(USERS, {"role[]": ["agent", "admin"]}):
            self.stats.agents += len(body.get("users") or [])
            yield Page("users", body)

    def groups(self) -> Iterator[Page]:
        """Every group, deleted ones too (a ticket's history names groups since deleted), once
        per run: escalation rules name groups, tickets and their events carry only ids."""
        for body in self._cursor_pages(GROUPS, {"exclude_deleted": "false"}):
            self.stats.groups += len(body.get("groups") or [])
            yield Page("groups", body)

    def ticket_fields(self) -> Iterator[Page]:
        """Every ticket field, once per run: a dropdown's options pair the name people read with
        the tag tickets hold (Ticket Fields API, ``custom_field_options``; cursor pagination, at
        most 100 a page)."""
        for body in self._cursor_pages(TICKET_FIELDS, {}):
            yield Page("ticket_fields", body)

    def ticket_forms(self) -> Iterator[Page]:
        """Every ticket form, once per run, to name a ticket's ``ticket_form_id``. One call: List
        Ticket Forms (zendesk-support-v2.yaml, ``/api/v2/ticket_forms`` ListTicketForms) takes
        no paging parameters and its TicketFormsResponse holds only ``ticket_forms`` (no
        ``meta``/``next_page``); an account has at most 300 forms (Zendesk Ticket Forms API).
        Without ``active`` the list holds active and inactive forms, both of which tickets hold.
        Plans without ticket forms refuse the list (go-zendesk pull 43: "ticket form API is not
        available on essential plan"; status not documented): then no form is named, ids stay."""
        try:
            body = self.client.get(TICKET_FORMS)
        except ZendeskHTTPError as exc:
            if exc.status not in (403, 404):
                raise
            return
        self.stats.pages += 1
        yield Page("ticket_forms", body)

    def _cursor_pages(self, path: str, params: dict[str, str | int | list[str]]) -> Iterator[dict[str, Any]]:
        params = {**params, "page[size]": USERS_PAGE}
        for _ in range(MAX_PAGES):
            body = self.client.get(path, params)
            self.stats.pages += 1
            yield body
            meta = body.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return
            params = {**params, "page[after]": str(meta["after_cursor"])}
        raise ExportStalled(200, "GET", path, "too many pages")

    # -- single ticket fallback -----------------------------------------------------------
    def single_ticket(self, ticket_id: int) -> Iterator[Page]:
        """One ticket with its full audit history (for ``explain`` on one ticket)."""
        body = self.client.get(f"/api/v2/tickets/{url_segment(str(ticket_id))}.json")
        self._count_tickets([body["ticket"]] if isinstance(body.get("ticket"), dict) else [])
        yield Page("ticket", body)
        yield from self._audit_pages(ticket_id)

    def _audit_pages(self, ticket_id: int) -> Iterator[Page]:
        params: dict[str, str | int] = {"page[size]": 100}
        for _ in range(MAX_PAGES):
            audits = self.client.get(f"/api/v2/tickets/{url_segment(str(ticket_id))}/audits.json", params)
            self.stats.pages += 1
            yield Page("audits", audits)
            meta = audits.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return
            params = {"page[size]": 100, "page[after]": str(meta["after_cursor"])}

    # -- a whole run --------------------------------------------------------------------
    def sync(
        self, state: SyncState | None, *, start_time: int | None
    ) -> Generator[Page, None, SyncState]:
        """Every page of one incremental run; returns the :class:`SyncState` to persist.

        Args:
            state: The state a previous successful run returned, or None for the first run.
            start_time: Unix seconds for the first run (ignored when ``state`` has cursors).
        """
        state = state or SyncState()
        tickets_start = state.tickets_start_time if state.tickets_start_time is not None else start_time
        if state.tickets_cursor is None and tickets_start is None:
            raise ValueError("the first run needs a start_time")
        events_start = (
            state.events_start_time if state.events_start_time is not None else start_time
        )
        if events_start is None:
            raise ValueError("the cursor has no ticket-event position; give a start_time")
        metrics_start = (
            state.metric_events_start_time
            if state.metric_events_start_time is not None
            else start_time
        )
        tickets_cursor = yield from self.export_tickets(
            start_time=None if state.tickets_cursor else tickets_start,
            cursor=state.tickets_cursor,
        )
        next_events = yield from self.ticket_events(events_start)
        yield from self.burst_audits()
        new = replace(
            state,
            tickets_cursor=tickets_cursor,
            # Without a cursor yet, the export's start time stays its position.
            tickets_start_time=None if tickets_cursor else tickets_start,
            events_start_time=next_events,
        )
        if self.source.include_metric_events and metrics_start is not None:
            next_metrics = yield from self.metric_events(metrics_start)
            new = replace(new, metric_events_start_time=next_metrics)
        first_run = state.events_start_time is None
        if self.stats.tickets or (self.stats.ticket_events if first_run
                                  else self.stats.fresh_ticket_events):
            yield from self.agents()
            yield from self.groups()
            yield from self.ticket_fields()
            yield from self.ticket_forms()
        return new
