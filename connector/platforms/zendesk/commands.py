"""Plain functions behind ``iso10002 pull`` / ``iso10002 writeback`` for Zendesk.

``pull`` writes JSON Lines: every line is exactly one raw Zendesk response body (export pages,
ticket-event pages, metric-event pages, user pages, or ``{"ticket":…}`` + audits pages for a
single ticket), which ``iso10002 check --platform zendesk --input FILE`` reads. The file is
written to a temporary name and renamed only after the whole run succeeded, and the cursor to
persist is returned only then.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

import requests

from compliance_checks.findings import Finding
from connector.http import RequestHook, build_session
from connector.platforms.base import JsonState, PullResult, WritebackReport, as_outcome, pull_step
from connector.platforms.zendesk.auth import build_authenticator, verify_identity
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.note import note_html
from connector.platforms.zendesk.reader import Page, Selector, SyncState, ZendeskReader
from connector.platforms.zendesk.secrets import SecretSource
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.platforms.zendesk.writer import PLATFORM, TicketWriteResult, ZendeskWriter
from connector.tally import Tally
from connector.writeback import TicketWriteState, WritebackPlan

log = logging.getLogger(__name__)

#: Zendesk never returns the most recent minute; a newer start_time is rejected.
MIN_START_AGE = timedelta(minutes=1)


def open_client(
    source: ZendeskSourceConfig,
    *,
    session: requests.Session | None = None,
    secrets: SecretSource | None = None,
    sleeper: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    hooks: tuple[RequestHook, ...] = (),
) -> ZendeskClient:
    """A client with the source's authenticator (secrets from env / secrets file)."""
    session = session or build_session()
    auth = build_authenticator(source, session, secrets, clock=clock)
    return ZendeskClient(
        source, auth, session=session, sleeper=sleeper, clock=clock, hooks=hooks
    )


def check_credentials(client: ZendeskClient, *, need_admin: bool = True) -> dict[str, Any]:
    """``/users/me``, rejecting the 200 "Anonymous user" answer to bad credentials."""
    return verify_identity(client.get("/api/v2/users/me.json"), need_admin=need_admin)


def complaint_selector(source: ZendeskSourceConfig) -> Selector | None:
    """The mapping's complaint selection, if the mapping file can be loaded."""
    from mappings.loader import load_mapping
    from mappings.select import is_complaint

    if not source.mapping.exists():
        log.warning("mapping %s not found: counting every ticket as a complaint", source.mapping)
        return None
    spec = load_mapping(source.mapping).spec
    return lambda ticket: is_complaint(spec, ticket)


#: The pages that list tickets (the export's, or the one ticket's): what the pull's tally counts.
TICKET_PAGES = frozenset({"tickets", "ticket"})


@dataclass
class _PageWriter:
    """Writes each raw page as one JSON line; tells ``tally`` the tickets read after each page
    that lists tickets (the export gives no total)."""

    handle: TextIO
    reader: ZendeskReader
    step: str
    tally: Tally | None
    lines: int = 0

    def add(self, page: Page) -> None:
        self.handle.write(json.dumps(page.body, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.lines += 1
        if self.tally is not None and page.kind in TICKET_PAGES:
            self.tally(self.step, self.reader.stats.tickets, None)


def pull(
    source: ZendeskSourceConfig,
    out: Path,
    *,
    start_time: datetime | None,
    cursor: JsonState,
    ticket_id: int | None = None,
    client: ZendeskClient | None = None,
    selector: Selector | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    tally: Tally | None = None,
) -> PullResult:
    """Read changed tickets and their history into ``out`` (JSON Lines of raw bodies).

    Args:
        source: The Zendesk source.
        out: Output file; replaced atomically on success.
        start_time: First run only: export changes since this aware datetime.
        cursor: A previous :class:`PullResult`'s cursor (takes precedence; only its string
            form is Zendesk's).
        ticket_id: Read just this ticket with its audits (single-ticket fallback).
        client: Injected client (tests, sandbox); built from the source otherwise.
        selector: Complaint selection; defaults to the source's mapping.
        now: Clock for validating ``start_time``.
        tally: Told the tickets read after each page that lists tickets (none is a total).

    Raises:
        ValueError: Neither or a naive/too recent ``start_time``; a foreign cursor.
        AuthError: Credentials rejected (including the "Anonymous user" 200).
    """
    state = SyncState.decode(cursor) if isinstance(cursor, str) and cursor else None
    start: int | None = None
    if state is None and ticket_id is None:
        if start_time is None:
            raise ValueError("the first pull needs start_time (later pulls pass the cursor)")
        if start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware")
        if start_time > now() - MIN_START_AGE:
            raise ValueError("start_time must be at least one minute in the past")
        start = int(start_time.timestamp())
    client = client or open_client(source)
    if state is None:
        # First contact: a 200 "Anonymous user" would otherwise surface later as empty data.
        check_credentials(client, need_admin=ticket_id is None)
    reader = ZendeskReader(
        client, source, selector if selector is not None else complaint_selector(source)
    )
    tmp = out.with_name(out.name + ".partial")
    new_state = state or SyncState()
    with tmp.open("w", encoding="utf-8") as fh:
        written = _PageWriter(fh, reader, pull_step(source.name), tally)
        if ticket_id is not None:
            for page in reader.single_ticket(ticket_id):
                written.add(page)
        else:
            sync = reader.sync(state, start_time=start)
            while True:
                try:
                    page = next(sync)
                except StopIteration as stop:
                    new_state = stop.value
                    break
                written.add(page)
    lines = written.lines
    os.replace(tmp, out)
    stats = reader.stats
    return PullResult(
        platform=PLATFORM,
        out=out,
        cursor=new_state.encode(),
        lines=lines,
        tickets=stats.tickets,
        api_calls=client.stats.total,
        calls_by_endpoint=dict(client.stats.calls),
        details={"complaints": stats.complaints, "deleted_tickets": stats.deleted_tickets,
                 "ticket_events": stats.ticket_events, "metric_events": stats.metric_events,
                 "agents": stats.agents},
    )


def plan_document(plan: WritebackPlan, note_html: str | None) -> dict[str, Any]:
    return {
        "ticket": plan.ticket,
        "findings_hash": plan.findings_hash,
        "add_tags": list(plan.add_labels),
        "remove_tags": list(plan.remove_labels),
        "note": None
        if plan.note is None
        else {"action": plan.note.action, "html_body": note_html},
        "updated_stamp": plan.updated_stamp,
        "next_due": {"value": plan.due_value} if plan.set_due else None,
        "is_empty": plan.is_empty,
    }


def writeback(
    source: ZendeskSourceConfig,
    findings: list[Finding],
    *,
    apply: bool,
    client: ZendeskClient | None = None,
    states: Mapping[str, TicketWriteState] | None = None,
    zone: tzinfo | None = None,
) -> WritebackReport:
    """Plan (and with ``apply``, write) tags and the internal note for each ticket.

    Args:
        source: The Zendesk source.
        findings: Findings of any platform; only Zendesk ones are used.
        apply: False = dry run (reads current tags only, writes nothing).
        client: Injected client (tests, sandbox).
        states: Current ticket states if the caller already has them (e.g. from the pull it
            just made); otherwise read with ``show_many`` (100 tickets per call).
    """
    client = client or open_client(source)
    writer = ZendeskWriter(client, source, render=functools.partial(note_html, zone=zone), zone=zone)
    by_ticket: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.platform == PLATFORM:
            by_ticket[finding.ticket].append(finding)
    known = dict(states or {})
    missing = [t for t in by_ticket if t not in known]
    if missing:
        known.update(writer.read_states(missing))
    plans: list[WritebackPlan] = []
    results: list[TicketWriteResult] = []
    for ticket in sorted(by_ticket, key=lambda t: (len(t), t)):
        if ticket not in known:
            # Deleted (or merged away) tickets cannot carry tags or notes: nothing to do.
            results.append(TicketWriteResult(ticket, "skipped", error="ticket not found (deleted?)"))
            continue
        if ticket in writer.closed:
            results.append(TicketWriteResult(ticket, "skipped",
                                        error="closed ticket: Zendesk allows no updates to it"))
            continue
        plans.append(writer.plan(by_ticket[ticket], known[ticket]))
    docs = [plan_document(p, writer.render_plan(p)) for p in plans]
    if apply:
        results.extend(writer.apply(plans, known, by_ticket))
    return WritebackReport(
        applied=apply,
        plans=docs,
        results=[as_outcome(r) for r in sorted(results, key=lambda r: (len(r.ticket), r.ticket))],
        api_calls=client.stats.total,
        calls_by_endpoint=dict(client.stats.calls),
    )

