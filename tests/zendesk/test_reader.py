"""Read path against ``responses`` in strict mode: every registered call must happen."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.reader import (
    GROUPS,
    TICKET_EVENTS,
    TICKET_EXPORT,
    TICKET_FIELDS,
    TICKET_FORMS,
    USERS,
    ExportStalled,
    SyncState,
    ZendeskReader,
)
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from tests.zendesk.builders import BASE, drain, events_page, export_page, ticket, ticket_event, users

#: A dropdown field as ``GET /api/v2/ticket_fields`` returns it (fixtures/zendesk/go-zendesk/
#: GET_ticket_fields.json, its "Tagger Field").
TAGGER = {"id": 360011759674, "type": "tagger", "title": "Tagger Field", "custom_field_options": [
    {"id": 360013088874, "name": "Option 1", "raw_name": "Option 1", "value": "opt1", "default": False}]}
#: A ticket form as ``GET /api/v2/ticket_forms`` returns it: zendesk-support-v2.yaml,
#: TicketFormsResponse (``ticket_forms`` alone, no paging) of TicketForm, after its example.
FORM = {"id": 47, "name": "Snowboard Problem", "display_name": "Snowboard Damage", "active": True,
        "default": True, "end_user_visible": True, "position": 9999, "ticket_field_ids": [2, 4],
        "url": "https://company.zendesk.com/api/v2/ticket_forms/47.json"}
EXPORT_URL = BASE + TICKET_EXPORT
EVENTS_URL = BASE + TICKET_EVENTS


def q(**params: str) -> list[matchers.QueryParamMatcher]:  # type: ignore[name-defined]
    return [matchers.query_param_matcher(params)]


@responses.activate(assert_all_requests_are_fired=True)
def test_cursor_export_uses_start_time_once_then_cursor_and_stops_on_end_of_stream(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    inc = {"include": "metric_sets,users", "per_page": "2"}
    responses.get(EXPORT_URL, json=export_page([ticket(1), ticket(2)], after="c1", end=False),
                  match=q(start_time="1700000000", **inc))
    # An empty page that is not the end of the stream: the reader must keep going.
    responses.get(EXPORT_URL, json=export_page([], after="c2", end=False),
                  match=q(cursor="c1", **inc))
    responses.get(EXPORT_URL,
                  json=export_page([ticket(3, status="deleted")], after="c3", end=True),
                  match=q(cursor="c2", **inc))
    reader = ZendeskReader(client, source)
    gen = reader.export_tickets(start_time=1_700_000_000, cursor=None)
    pages = []
    try:
        while True:
            pages.append(next(gen))
    except StopIteration as stop:
        last_cursor = stop.value
    assert last_cursor == "c3"
    assert [len(p.body["tickets"]) for p in pages] == [2, 0, 1]
    # Deleted tickets are kept (and counted), not dropped.
    assert pages[2].body["tickets"][0]["status"] == "deleted"
    assert reader.stats.deleted_tickets == 1
    assert reader.stats.tickets == 3


@responses.activate(assert_all_requests_are_fired=True)
def test_pages_are_yielded_unchanged(client: ZendeskClient, source: ZendeskSourceConfig) -> None:
    body = export_page([ticket(7)], after="x", end=True)
    body["unexpected_future_key"] = {"kept": True}
    responses.get(EXPORT_URL, json=body)
    pages = list(ZendeskReader(client, source).export_tickets(start_time=None, cursor="x0"))
    assert pages[0].body == body


@responses.activate(assert_all_requests_are_fired=True)
def test_ticket_events_follow_end_time_with_comment_events(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    common = {"include": "comment_events", "per_page": "2"}
    responses.get(EVENTS_URL, match=q(start_time="100", **common),
                  json=events_page([ticket_event(1, 1, 150), ticket_event(2, 1, 200)],
                                   end_time=200, end=False))
    responses.get(EVENTS_URL, match=q(start_time="200", **common),
                  json=events_page([ticket_event(3, 2, 250)], end_time=250, end=True))
    reader = ZendeskReader(client, source)
    pages = []
    gen = reader.ticket_events(100)
    try:
        while True:
            pages.append(next(gen))
    except StopIteration as stop:
        next_start = stop.value
    assert next_start == 250
    assert reader.stats.ticket_events == 3
    assert pages[0].body["ticket_events"][0]["child_events"][0]["public"] is True




@responses.activate(assert_all_requests_are_fired=True)
def test_time_based_export_whose_end_time_goes_backwards_is_an_error(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    responses.get(EVENTS_URL, json=events_page([ticket_event(1, 1, 90)] * 2, end_time=90,
                                               end=False))
    with pytest.raises(ExportStalled):
        list(ZendeskReader(client, source).ticket_events(100))


# Same-second bursts. "Using the Incremental Exports API", time-based exports: a page may hold
# more than ``per_page`` items when they share a timestamp (platform-zendesk.md 1a: "can exceed
# 1000 items when timestamps tie"); ``per_page`` is at most 1,000 (3c).

@responses.activate(assert_all_requests_are_fired=True)
def test_a_page_longer_than_asked_holds_its_whole_second_and_the_export_moves_on(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    common = {"include": "comment_events", "per_page": "2"}
    burst = [ticket_event(i, i, 100) for i in range(1, 4)]
    responses.get(EVENTS_URL, match=q(start_time="100", **common),
                  json=events_page(burst, end_time=100, end=False))
    responses.get(EVENTS_URL, match=q(start_time="101", **common),
                  json=events_page([ticket_event(9, 9, 130)], end_time=130, end=True))
    reader = ZendeskReader(client, source)
    _, next_start = drain(reader.ticket_events(100))
    assert next_start == 130
    assert reader.stats.ticket_events == 4
    assert reader.stats.burst_seconds == []


@responses.activate(assert_all_requests_are_fired=True)
def test_a_full_page_in_one_second_is_asked_again_at_the_largest_page(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    responses.get(EVENTS_URL, match=q(start_time="100", include="comment_events", per_page="2"),
                  json=events_page([ticket_event(1, 1, 100), ticket_event(2, 2, 100)],
                                   end_time=100, end=False))
    whole = [ticket_event(1, 1, 100), ticket_event(2, 2, 100), ticket_event(3, 3, 100),
             ticket_event(4, 4, 150)]
    responses.get(EVENTS_URL,
                  match=q(start_time="100", include="comment_events", per_page="1000"),
                  json=events_page(whole, end_time=150, end=True))
    reader = ZendeskReader(client, source)
    _, next_start = drain(reader.ticket_events(100))
    assert next_start == 150
    assert reader.stats.burst_seconds == []


@responses.activate(assert_all_requests_are_fired=True)
def test_a_burst_over_the_largest_page_moves_on_and_reads_those_tickets_audits(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    state = SyncState(tickets_cursor="c0", events_start_time=100)
    responses.get(EXPORT_URL, match=q(cursor="c0", include="metric_sets,users", per_page="2"),
                  json=export_page([ticket(1, generated_timestamp=100),
                                    ticket(2, generated_timestamp=50)], after="c1", end=True))
    responses.get(EVENTS_URL, match=q(start_time="100", include="comment_events", per_page="2"),
                  json=events_page([ticket_event(1, 1, 100), ticket_event(2, 1, 100)],
                                   end_time=100, end=False))
    full = [ticket_event(i, 1, 100) for i in range(1, 1001)]
    responses.get(EVENTS_URL,
                  match=q(start_time="100", include="comment_events", per_page="1000"),
                  json=events_page(full, end_time=100, end=False))
    responses.get(EVENTS_URL,
                  match=q(start_time="101", include="comment_events", per_page="1000"),
                  json=events_page([], end_time=101, end=True))
    # Only ticket 1 changed at or after the burst second: only its audits are read.
    responses.get(f"{BASE}/api/v2/tickets/1/audits.json", match=q(**{"page[size]": "100"}),
                  json={"audits": [], "meta": {"has_more": False}})
    responses.get(BASE + USERS, json={"users": users(), "meta": {"has_more": False}})
    responses.get(BASE + GROUPS, json={"groups": [], "meta": {"has_more": False}})
    responses.get(BASE + TICKET_FIELDS, json={"ticket_fields": [], "meta": {"has_more": False}})
    responses.get(BASE + TICKET_FORMS, json={"ticket_forms": []})
    reader = ZendeskReader(client, source)
    pages, new = drain(reader.sync(state, start_time=None))
    assert new.events_start_time == 101  # the saved state moves on
    assert new.tickets_cursor == "c1"
    assert reader.stats.burst_seconds == [("ticket_events", 100)]
    assert reader.stats.burst_audit_tickets == 1
    assert [p.kind for p in pages].count("audits") == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_an_empty_first_export_without_a_cursor_keeps_its_start_time(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    """CursorBasedExportIncrementalTicketsResponse: ``after_cursor`` is nullable; a first export
    with no results may come back without one. The next run must start from the start time."""
    inc = {"include": "metric_sets,users", "per_page": "2"}
    empty = export_page([], after=None, end=True)
    for _ in range(2):
        responses.get(EXPORT_URL, match=q(start_time="500", **inc), json=empty)
        responses.get(EVENTS_URL, json=events_page([], end_time=500, end=True),
                      match=q(start_time="500", include="comment_events", per_page="2"))
    _, first = drain(ZendeskReader(client, source).sync(None, start_time=500))
    assert first.tickets_cursor is None and first.tickets_start_time == 500
    saved = SyncState.decode(first.encode())
    assert saved == first
    _, second = drain(ZendeskReader(client, source).sync(saved, start_time=None))
    assert second == first


def test_states_written_before_the_start_time_field_still_decode() -> None:
    old = SyncState(tickets_cursor="c1", events_start_time=600)
    assert SyncState.decode(old.encode()) == old
    assert "\"s\"" not in __import__("base64").urlsafe_b64decode(old.encode()[3:]).decode()


@responses.activate(assert_all_requests_are_fired=True)
def test_sync_first_run_then_nothing_changed_costs_two_calls(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    responses.get(EXPORT_URL, json=export_page([ticket(1)], after="c1", end=True),
                  match=q(start_time="500", include="metric_sets,users", per_page="2"))
    responses.get(EVENTS_URL, json=events_page([ticket_event(1, 1, 600)], end_time=600, end=True),
                  match=q(start_time="500", include="comment_events", per_page="2"))
    responses.get(BASE + USERS, json={"users": users(), "meta": {"has_more": True,
                                                                  "after_cursor": "u1"}},
                  match=q(**{"role[]": ["agent", "admin"], "page[size]": "100"}))  # type: ignore[arg-type]
    responses.get(BASE + USERS, json={"users": [], "meta": {"has_more": False}},
                  match=q(**{"role[]": ["agent", "admin"], "page[size]": "100",  # type: ignore[arg-type]
                             "page[after]": "u1"}))
    responses.get(BASE + GROUPS, json={"groups": [{"id": 10, "name": "Complaints"}],
                                       "meta": {"has_more": False}},
                  match=q(**{"exclude_deleted": "false", "page[size]": "100"}))
    # Ticket fields (dropdown option names) once per run, cursor-paginated at most 100 a page
    # (ListTicketFields); the page shape is the recorded go-zendesk ticket_fields.json.
    responses.get(BASE + TICKET_FIELDS, json={"ticket_fields": [TAGGER], "meta": {"has_more": False}},
                  match=q(**{"page[size]": "100"}))
    # Ticket forms once per run: one call, no paging parameters (ListTicketForms).
    responses.get(BASE + TICKET_FORMS, json={"ticket_forms": [FORM]}, match=q())
    reader = ZendeskReader(client, source)
    gen = reader.sync(None, start_time=500)
    kinds = []
    try:
        while True:
            kinds.append(next(gen).kind)
    except StopIteration as stop:
        state: SyncState = stop.value
    assert kinds == ["tickets", "ticket_events", "users", "users", "groups", "ticket_fields", "ticket_forms"]
    assert client.stats.calls["GET /api/v2/ticket_forms"] == 1
    assert state == SyncState(tickets_cursor="c1", events_start_time=600)
    assert SyncState.decode(state.encode()) == state

    # Second run: resume from the persisted state; nothing changed -> no users or groups call.
    responses.get(EXPORT_URL, json=export_page([], after="c1", end=True),
                  match=q(cursor="c1", include="metric_sets,users", per_page="2"))
    responses.get(EVENTS_URL, json=events_page([], end_time=600, end=True),
                  match=q(start_time="600", include="comment_events", per_page="2"))
    before = client.stats.total
    reader2 = ZendeskReader(client, source)
    assert [p.kind for p in reader2.sync(state, start_time=None)] == ["tickets", "ticket_events"]
    assert client.stats.total - before == 2


@responses.activate(assert_all_requests_are_fired=True)
def test_selector_counts_complaints_but_pages_stay_whole(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    responses.get(EXPORT_URL, json=export_page(
        [ticket(1, tags=["complaint"]), ticket(2, tags=[])], after="c", end=True))
    reader = ZendeskReader(client, source, selector=lambda t: "complaint" in t["tags"])
    pages = list(reader.export_tickets(start_time=1, cursor=None))
    assert len(pages[0].body["tickets"]) == 2
    assert reader.stats.complaints == 1
    assert reader.stats.complaint_ids == [1]


@responses.activate(assert_all_requests_are_fired=True)
def test_single_ticket_fallback_reads_ticket_and_audit_pages(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    from tests.zendesk.builders import load

    responses.get(f"{BASE}/api/v2/tickets/2.json", json=load("GET_ticket.json"))
    audits = load("GET_ticket_audits.json")
    responses.get(f"{BASE}/api/v2/tickets/2/audits.json", json=audits,
                  match=q(**{"page[size]": "100"}))
    pages = list(ZendeskReader(client, source).single_ticket(2))
    assert [p.kind for p in pages] == ["ticket", "audits"]
    assert pages[1].body == audits


def test_sync_cursor_rejects_foreign_strings() -> None:
    with pytest.raises(ValueError, match="v1"):
        SyncState.decode("MTY5NTA2MjcyNC4wfHwxNTcxfA==")
    with pytest.raises(ValueError, match="corrupt"):
        SyncState.decode("v1.bm90IGpzb24=")


@responses.activate(assert_all_requests_are_fired=True)
def test_an_account_without_ticket_forms_still_syncs_with_forms_unnamed(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    """Ticket forms are a plan feature (Zendesk Ticket Forms API: "supported on Suite Growth plans
    and above"; go-zendesk pull 43: "ticket form API is not available on essential plan"). The
    refusal's status is not documented: a 403 skips the list (forms stay ids), the run goes on."""
    responses.get(EXPORT_URL, json=export_page([ticket(1)], after="c1", end=True))
    responses.get(EVENTS_URL, json=events_page([ticket_event(1, 1, 600)], end_time=600, end=True))
    responses.get(BASE + USERS, json={"users": users(), "meta": {"has_more": False}})
    responses.get(BASE + GROUPS, json={"groups": [], "meta": {"has_more": False}})
    responses.get(BASE + TICKET_FIELDS, json={"ticket_fields": [], "meta": {"has_more": False}})
    responses.get(BASE + TICKET_FORMS, status=403, json={"error": "Forbidden",
                                                         "description": "You do not have access"})
    pages, state = drain(ZendeskReader(client, source).sync(None, start_time=500))
    assert "ticket_forms" not in [p.kind for p in pages]
    assert state.tickets_cursor == "c1"
