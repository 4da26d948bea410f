"""The sandbox's read side in Zendesk's real shapes, and the reader against it.

Sources: ``IncrementalTicketEvents`` and ``CursorBasedExportIncrementalTicketsResponse``
(zendesk-support-v2.yaml: ``after_cursor`` nullable); "Using the Incremental Exports API",
time-based exports (a page can exceed ``per_page`` when timestamps tie); "Via object reference" and
"Via types reference" (``via.channel`` is a via type: web, email, api, rule, ...); the recorded
go-zendesk ``GET_ticket_audits.json`` (an event with its own ``via`` inside an audit); a real
export child with ``custom_ticket_fields`` (zendesk-java-client ``ChildEvent`` comment).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from connector.platforms.zendesk.reader import SyncState, ZendeskReader
from devtools.sandboxes.zendesk import SandboxServer
from devtools.sandboxes.zendesk.model import API_USER_ID, Audit
from devtools.sandboxes.zendesk.state import SandboxState
from mappings.zendesk_payload import ticket_event_children
from tests.zendesk import scenarios as sc
from tests.zendesk.builders import drain

pytestmark = pytest.mark.slow

VIA_TYPES = {"web", "email", "api", "rule", "voice", "chat", "mobile"}


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=12)
    yield srv
    srv.stop()




def _all_events(state: SandboxState) -> list[dict[str, Any]]:
    body = state.ticket_events("http://sandbox", start_time=0, per_page=1000, with_comments=True)
    events: list[dict[str, Any]] = body["ticket_events"]
    return events


def _add_audit(state: SandboxState, audit: Audit) -> None:
    with state.lock:
        state.world.audits.append(audit)
        state.world.audits.sort(key=lambda a: (a.ts, a.id))
        state.by_ticket.setdefault(audit.ticket_id, []).append(audit)


def test_custom_field_changes_are_exported_under_custom_ticket_fields(server: SandboxServer) -> None:
    children = [c for e in _all_events(server.state) for c in e["child_events"]]
    custom = [c for c in children if "custom_ticket_fields" in c]
    assert custom, "the generated account changes custom fields"
    assert all(len(c["custom_ticket_fields"]) == 1 and next(iter(c["custom_ticket_fields"])).isdigit()
               for c in custom)
    assert not [c for c in children if any(str(k).isdigit() for k in c)]  # no top-level ids


def test_audits_carry_via_types_and_each_event_its_own_via(server: SandboxServer) -> None:
    state = server.state
    tid = sc.ticket_ids(server)[0]
    channels = {a["via"]["channel"] for a in state.audits(tid, 100, None)["audits"]}
    assert channels and channels <= VIA_TYPES
    # An agent's update in which a trigger also changed the status (as recorded by go-zendesk).
    agent = next(u for u, p in state.world.users.items() if p["role"] == "agent")
    ts = int(state.clock.now()) - 3600
    rule_via = {"channel": "rule", "source": {"to": {}, "from": {"id": 35079792,
                                                                 "title": "Assign"}, "rel": "trigger"}}
    _add_audit(state, Audit(90_000_000_001, tid, ts, agent, "web", [
        {"id": 90_000_000_002, "type": "Comment", "author_id": agent, "body": "Noted.",
         "html_body": "<p>Noted.</p>", "plain_body": "Noted.", "public": False, "attachments": []},
        {"id": 90_000_000_003, "type": "Change", "field_name": "status", "value": "open",
         "previous_value": "new", "via": rule_via},
    ]))
    audit = state.audits(tid, 100, None)["audits"][-1]
    assert audit["via"] == {"channel": "web"}
    assert audit["events"][1]["via"] == rule_via
    event = next(e for e in _all_events(state) if e["id"] == 90_000_000_001)
    assert [c["via"] for c in event["child_events"]] == ["Web form", "Rule"]
    assert [c.channel for c in ticket_event_children(event)] == ["web", "rule"]


def test_two_syncs_after_an_empty_first_export_without_a_cursor(server: SandboxServer) -> None:
    state = server.state
    source = sc.sandbox_source(server, include_metric_events=False)
    client = sc.sandbox_client(server, source)
    horizon = int(state.clock.now()) - 60  # nothing in the account is this recent
    first_pages, first = drain(ZendeskReader(client, source).sync(None, start_time=horizon))
    export = next(p.body for p in first_pages if p.kind == "tickets")
    assert export["tickets"] == [] and export["after_cursor"] is None
    assert first.tickets_cursor is None and first.tickets_start_time == horizon
    saved = SyncState.decode(first.encode())
    # A change after the first run, then the second run from the saved state.
    tid = sc.ticket_ids(server)[0]
    state.clock.advance(5)
    state.change_tags(tid, {"tags": ["probe"]}, API_USER_ID, "add")
    state.clock.advance(120)
    pages, second = drain(ZendeskReader(client, source).sync(saved, start_time=None))
    exported = [t["id"] for p in pages if p.kind == "tickets" for t in p.body["tickets"]]
    assert tid in exported
    assert second.tickets_cursor is not None and second.tickets_start_time is None
    assert second.events_start_time is not None and second.events_start_time > horizon


def test_a_same_second_burst_larger_than_a_page_is_read_whole_and_the_export_moves_on(
    server: SandboxServer,
) -> None:
    state = server.state
    template = state.world.audits[0]
    burst_at = template.ts - 86_400  # a second nothing else happened in
    for n in range(5):
        audit = copy.deepcopy(template)
        audit.id, audit.ts = 91_000_000_000 + n, burst_at
        for i, event in enumerate(audit.events):
            event["id"] = 92_000_000_000 + n * 100 + i
        _add_audit(state, audit)
    source = sc.sandbox_source(server, events_per_page=2)
    client = sc.sandbox_client(server, source)
    reader = ZendeskReader(client, source)
    pages, next_start = drain(reader.ticket_events(burst_at))
    seen = {e["id"] for p in pages for e in p.body["ticket_events"]}
    assert {91_000_000_000 + n for n in range(5)} <= seen
    assert next_start > burst_at
    assert reader.stats.burst_seconds == []
    # The sandbox returned the whole second in one page, past ``per_page``.
    assert len(pages[0].body["ticket_events"]) == 5


def test_the_form_list_is_read_once_per_pull_and_names_the_tickets_form(
    server: SandboxServer, tmp_path: Any
) -> None:
    """``GET /api/v2/ticket_forms`` as zendesk-support-v2.yaml serves it (TicketFormsResponse:
    ``ticket_forms`` alone, no paging; TicketForm ``id``/``name``/``display_name``/``active``):
    one call per pull, and the pulled file names the generated tickets' form by its ``name``."""
    from compliance_checks import BASELINE_POLICY, load_policy
    from connector.files import evaluate_files
    from mappings.loader import load_mapping

    listed = server.state.list_ticket_forms("http://sandbox", None)
    assert set(listed) == {"ticket_forms"}
    assert [(f["id"], f["name"], f["active"]) for f in listed["ticket_forms"]] == [
        (360000000001, "Complaints", True)]
    assert server.state.list_ticket_forms("http://sandbox", False) == {"ticket_forms": []}
    source = sc.sandbox_source(server)
    result = sc.do_pull(server, source, sc.sandbox_client(server, source), tmp_path / "p.jsonl")
    assert result.calls_by_endpoint["GET /api/v2/ticket_forms"] == 1
    mapping = load_mapping(source.mapping)
    records = [r.record for r in evaluate_files([result.out], mapping, load_policy(BASELINE_POLICY),
                                                as_of=sc.virtual_now(server)) if r.record is not None]
    forms = {(e.to_value, r.named(e.to_value)) for r in records for e in r.timeline
             if e.field == "ticket_form_id"}
    assert forms == {("360000000001", "Complaints")}
