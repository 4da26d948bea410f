"""Write-back request bodies, 409/unknown-outcome handling and bulk tag jobs (strict mocks)."""

from __future__ import annotations

import requests
import responses
from responses import matchers, registries

from connector.platforms.zendesk.commands import writeback
from connector.platforms.zendesk.http import ZendeskClient
from connector.platforms.zendesk.note import note_html
from connector.platforms.zendesk.settings import ZendeskSourceConfig
from connector.platforms.zendesk.writer import ticket_state
from connector.writeback import AGGREGATE_LABEL, marker_label, plan_writeback
from tests.zendesk.builders import BASE, finding, ticket
from tests.zendesk.conftest import FakeClock

SHOW_MANY = f"{BASE}/api/v2/tickets/show_many.json"
UPDATE_MANY = f"{BASE}/api/v2/tickets/update_many.json"


def updated(tid: int) -> dict:
    """A bulk-update job result as in the Support API's ``JobStatusResponseExample``."""
    return {"action": "update", "id": tid, "status": "Updated", "success": True}


def failed_result(tid: int, error: str = "TicketUpdateFailed",
                  details: str = "Ticket cannot be updated") -> dict:
    """A ``FailedResult`` (Support API OpenAPI): id, action, success false, error, details."""
    return {"action": "update", "id": tid, "success": False, "error": error, "details": details}


def expected_note_body(raw_ticket: dict, findings: list, stamp: str) -> dict:
    state = ticket_state(raw_ticket)
    plan = plan_writeback(findings, state, marker_tags=True)
    assert plan.note is not None
    html = note_html(plan.note, findings_hash=plan.findings_hash)
    tags = [*raw_ticket["tags"], *plan.add_labels]
    return {"ticket": {"tags": tags, "comment": {"html_body": html, "public": False},
                       "safe_update": True, "updated_stamp": stamp}}


@responses.activate(assert_all_requests_are_fired=True)
def test_note_put_body_is_exact_and_keeps_foreign_tags(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    raw = ticket(5, tags=["vip", "complaint"], updated_at="2024-02-01T10:00:00Z")
    fs = [finding("5")]
    responses.get(SHOW_MANY, match=[matchers.query_param_matcher({"ids": "5"})],
                  json={"tickets": [raw]})
    body = expected_note_body(raw, fs, "2024-02-01T10:00:00Z")
    assert body["ticket"]["tags"][:2] == ["vip", "complaint"]
    assert AGGREGATE_LABEL in body["ticket"]["tags"]
    responses.put(f"{BASE}/api/v2/tickets/5.json", match=[matchers.json_params_matcher(body)],
                  json={"ticket": {**raw, "tags": body["ticket"]["tags"]}, "audit": {}})
    report = writeback(source, fs, apply=True, client=client)
    added = sorted(set(body["ticket"]["tags"]) - {"vip", "complaint"})
    assert [r.to_json() for r in report.results] == [
        {"ticket": "5", "outcome": "written", "note": "create", "added_tags": added,
         "removed_tags": [], "attempts": 1, "error": None}]


@responses.activate(assert_all_requests_are_fired=True)
def test_dry_run_reads_but_never_writes(client: ZendeskClient, source: ZendeskSourceConfig) -> None:
    raw = ticket(5, tags=[], updated_at="2024-02-01T10:00:00Z")
    responses.get(SHOW_MANY, json={"tickets": [raw]})
    report = writeback(source, [finding("5")], apply=False, client=client)
    assert report.results == []
    doc = report.to_json()
    assert doc["applied"] is False
    plan = doc["plans"][0]
    assert plan["note"]["action"] == "create"
    assert "<strong>[iso10002]" in plan["note"]["html_body"]
    assert AGGREGATE_LABEL in plan["add_tags"]
    assert doc["summary"] == {"tickets": 1, "changes_planned": 1, "written": 0, "unchanged": 0,
                              "skipped": 0, "failed": 0}


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_409_rereads_and_replans_with_the_new_stamp(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    fs = [finding("5")]
    old = ticket(5, tags=["a"], updated_at="2024-02-01T10:00:00Z")
    new = ticket(5, tags=["a", "b"], updated_at="2024-02-01T10:05:00Z")
    responses.get(SHOW_MANY, json={"tickets": [old]})
    responses.put(f"{BASE}/api/v2/tickets/5.json", status=409,
                  match=[matchers.json_params_matcher(
                      expected_note_body(old, fs, "2024-02-01T10:00:00Z"))])
    responses.get(f"{BASE}/api/v2/tickets/5.json", json={"ticket": new})
    responses.put(f"{BASE}/api/v2/tickets/5.json",
                  match=[matchers.json_params_matcher(
                      expected_note_body(new, fs, "2024-02-01T10:05:00Z"))],
                  json={"ticket": new})
    report = writeback(source, fs, apply=True, client=client)
    assert report.results[0].outcome == "written"
    assert report.results[0].details["attempts"] == 2


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_dropped_note_put_is_not_repeated_when_the_marker_landed(
    client: ZendeskClient, source: ZendeskSourceConfig, clock: FakeClock
) -> None:
    fs = [finding("5")]
    old = ticket(5, tags=[], updated_at="2024-02-01T10:00:00Z")
    plan = plan_writeback(fs, ticket_state(old), marker_tags=True)
    landed = ticket(5, tags=list(plan.add_labels), updated_at="2024-02-01T10:00:09Z")
    assert marker_label(plan.findings_hash) in landed["tags"]
    responses.get(SHOW_MANY, json={"tickets": [old]})
    responses.put(f"{BASE}/api/v2/tickets/5.json", body=requests.ConnectionError("reset"))
    responses.get(f"{BASE}/api/v2/tickets/5.json", json={"ticket": landed})
    # No second PUT is registered: strict mode would fail on one.
    report = writeback(source, fs, apply=True, client=client)
    assert report.results[0].outcome == "written"
    assert report.results[0].details["note"] == "create"
    # One bounded backoff before re-reading; never a blind second PUT.
    assert len(clock.sleeps) == 1
    assert 0 <= clock.sleeps[0] <= source.rate_limits.backoff_base_seconds


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_dropped_note_put_is_repeated_when_nothing_landed(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    fs = [finding("5")]
    old = ticket(5, tags=[], updated_at="2024-02-01T10:00:00Z")
    responses.get(SHOW_MANY, json={"tickets": [old]})
    responses.put(f"{BASE}/api/v2/tickets/5.json", status=503)
    responses.get(f"{BASE}/api/v2/tickets/5.json", json={"ticket": old})
    responses.put(f"{BASE}/api/v2/tickets/5.json",
                  match=[matchers.json_params_matcher(
                      expected_note_body(old, fs, "2024-02-01T10:00:00Z"))],
                  json={"ticket": old})
    report = writeback(source, fs, apply=True, client=client)
    assert report.results[0].outcome == "written"
    assert report.results[0].details["attempts"] == 2


@responses.activate(assert_all_requests_are_fired=True)
def test_closed_ticket_fails_and_deleted_ticket_is_skipped_per_ticket(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    responses.get(SHOW_MANY, json={"tickets": [ticket(5, tags=[], updated_at="x")]})
    responses.put(f"{BASE}/api/v2/tickets/5.json", status=422,
                  json={"error": "RecordInvalid", "description": "closed"})
    report = writeback(source, [finding("5"), finding("6")], apply=True, client=client)
    by_ticket = {r.ticket: r for r in report.results}
    assert by_ticket["5"].outcome == "failed"
    assert "RecordInvalid" in (by_ticket["5"].error or "")
    assert by_ticket["6"].to_json() == {"ticket": "6", "outcome": "skipped", "note": None,
                                        "added_tags": [], "removed_tags": [], "attempts": 0,
                                        "error": "ticket not found (deleted?)"}


@responses.activate(assert_all_requests_are_fired=True)
def test_a_closed_ticket_is_skipped_without_a_write(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    # Zendesk answers 422 to every update of a closed ticket: trying on every run is noise.
    responses.get(SHOW_MANY, json={"tickets": [ticket(5, tags=[], status="closed")]})
    report = writeback(source, [finding("5")], apply=True, client=client)
    assert report.results[0].outcome == "skipped"
    assert "closed" in (report.results[0].error or "")
    assert report.plans == []
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_tag_only_changes_go_through_update_many_in_batches_of_100_with_polling(
    client: ZendeskClient, source: ZendeskSourceConfig, clock: FakeClock
) -> None:
    ids = [str(i) for i in range(1, 251)]
    fs = [finding(i) for i in ids]
    plan = plan_writeback([fs[0]], ticket_state(ticket(1, tags=[])), marker_tags=True)
    marker = marker_label(plan.findings_hash)
    # Every ticket already carries our note marker, but someone removed the aggregate tag.
    tags = [t for t in plan.add_labels if t != AGGREGATE_LABEL]
    assert marker in tags
    raws = [ticket(int(i), tags=tags, updated_at="s") for i in ids]
    for start in (0, 100, 200):
        responses.get(SHOW_MANY, match=[matchers.query_param_matcher(
            {"ids": ",".join(ids[start:start + 100])})], json={"tickets": raws[start:start + 100]})
    for n, start in enumerate((0, 100, 200)):
        batch = ",".join(ids[start:start + 100])
        responses.put(UPDATE_MANY,
                      match=[matchers.query_param_matcher({"ids": batch}),
                             matchers.json_params_matcher(
                                 {"ticket": {"additional_tags": [AGGREGATE_LABEL]}})],
                      json={"job_status": {"id": f"job{n}", "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/job0.json",
                  json={"job_status": {"id": "job0", "status": "working"}})
    responses.get(f"{BASE}/api/v2/job_statuses/job1.json",
                  json={"job_status": {"id": "job1", "status": "completed", "results": [
                      {"id": int(i), "status": "Updated", "success": True} for i in ids[100:200]]}})
    responses.get(f"{BASE}/api/v2/job_statuses/job2.json",
                  json={"job_status": {"id": "job2", "status": "completed", "results": [
                      updated(int(i)) for i in ids[201:]] + [failed_result(201)]}})
    responses.get(f"{BASE}/api/v2/job_statuses/job0.json",
                  json={"job_status": {"id": "job0", "status": "completed", "results": [
                      updated(int(i)) for i in ids[:100]]}})
    report = writeback(source, fs, apply=True, client=client)
    outcomes = {r.ticket: r.outcome for r in report.results}
    assert outcomes["201"] == "failed"
    assert sum(1 for o in outcomes.values() if o == "written") == 249
    assert report.calls_by_endpoint["PUT /api/v2/tickets/update_many"] == 3
    assert "PUT /api/v2/tickets/{id}" not in report.calls_by_endpoint
    assert clock.sleeps == [source.job_poll_interval_seconds] * 2


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_no_more_jobs_in_flight_than_the_limit(clock: FakeClock) -> None:
    from tests.zendesk.conftest import make_source

    source = make_source(max_concurrent_jobs=1)
    from pydantic import SecretStr

    from connector.platforms.zendesk.auth import OAuthBearer

    session = requests.Session()
    client = ZendeskClient(source, OAuthBearer(f"{BASE}/oauth/tokens", session,
                                               access_token=SecretStr("t")),
                           session=session, sleeper=clock.sleep, clock=clock)
    ids = [str(i) for i in range(1, 151)]
    plan = plan_writeback([finding("1")], ticket_state(ticket(1, tags=[])), marker_tags=True)
    tags = [t for t in plan.add_labels if t != AGGREGATE_LABEL]
    for start in (0, 100):
        responses.get(SHOW_MANY, json={"tickets": [ticket(int(i), tags=tags, updated_at="s")
                                                   for i in ids[start:start + 100]]})
    # Job 2 is only submitted after job 1 has completed.
    responses.put(UPDATE_MANY, json={"job_status": {"id": "j1", "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/j1.json",
                  json={"job_status": {"id": "j1", "status": "completed",
                                       "results": [updated(int(i)) for i in ids[:100]]}})
    responses.put(UPDATE_MANY, json={"job_status": {"id": "j2", "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/j2.json",
                  json={"job_status": {"id": "j2", "status": "completed",
                                       "results": [updated(int(i)) for i in ids[100:]]}})
    report = writeback(source, [finding(i) for i in ids], apply=True, client=client)
    assert all(r.outcome == "written" for r in report.results)


def _tag_only(ids: list[str]) -> None:
    """show_many answers where only the aggregate tag is missing: a tag-only plan per ticket."""
    plan = plan_writeback([finding(ids[0])], ticket_state(ticket(1, tags=[])), marker_tags=True)
    tags = [t for t in plan.add_labels if t != AGGREGATE_LABEL]
    responses.get(SHOW_MANY, json={"tickets": [ticket(int(i), tags=tags, updated_at="s")
                                               for i in ids]})


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_a_failed_result_fails_only_its_ticket_and_says_why(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    """Job Statuses: a completed bulk job lists each ticket; a ``FailedResult`` carries
    ``error`` and ``details`` (Support API OpenAPI, components/schemas/FailedResult)."""
    ids = ["1", "2", "3"]
    _tag_only(ids)
    responses.put(UPDATE_MANY, json={"job_status": {"id": "j", "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/j.json", json={"job_status": {
        "id": "j", "status": "working", "progress": 1, "results": None}})
    responses.get(f"{BASE}/api/v2/job_statuses/j.json", json={"job_status": {
        "id": "j", "status": "completed", "progress": 3,
        "results": [updated(1), failed_result(2, "PermissionDenied", "closed"), updated(3)]}})
    report = writeback(source, [finding(i) for i in ids], apply=True, client=client)
    by_ticket = {r.ticket: r for r in report.results}
    assert [by_ticket[i].outcome for i in ids] == ["written", "failed", "written"]
    assert by_ticket["2"].error == "update_many job completed: PermissionDenied: closed"


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_a_ticket_without_a_result_is_failed_so_the_next_run_retries_it(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    """Only an explicit ``success: true`` result is evidence the tags landed: a ticket missing
    from ``results`` is reported failed (the journal retries failed tickets, not applied ones)."""
    ids = ["1", "2"]
    _tag_only(ids)
    responses.put(UPDATE_MANY, json={"job_status": {"id": "j", "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/j.json", json={"job_status": {
        "id": "j", "status": "completed", "results": [updated(1)]}})
    report = writeback(source, [finding(i) for i in ids], apply=True, client=client)
    by_ticket = {r.ticket: r for r in report.results}
    assert by_ticket["1"].outcome == "written"
    assert by_ticket["2"].outcome == "failed"
    assert "no result for this ticket" in by_ticket["2"].error


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_failed_and_killed_jobs_keep_the_per_ticket_successes(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    """Job Statuses ``status``: "failed" and "killed" are end states. A failed job's results still
    say which tickets were updated; a killed job's tickets are all failed (retried next run)."""
    ids = ["1", "2", "3"]
    plan = plan_writeback([finding("1")], ticket_state(ticket(1, tags=[])), marker_tags=True)
    tags = [t for t in plan.add_labels if t != AGGREGATE_LABEL]
    # Ticket 3 has an extra stale tag to remove: a second group, a second job.
    raws = [ticket(1, tags=tags, updated_at="s"), ticket(2, tags=tags, updated_at="s"),
            ticket(3, tags=[*tags, "iso10002-at-risk"], updated_at="s")]
    responses.get(SHOW_MANY, json={"tickets": raws})
    for name in ("a", "b"):
        responses.put(UPDATE_MANY, json={"job_status": {"id": name, "status": "queued"}})
    responses.get(f"{BASE}/api/v2/job_statuses/a.json", json={"job_status": {
        "id": "a", "status": "failed", "message": "worker crashed",
        "results": [updated(1)]}})
    responses.get(f"{BASE}/api/v2/job_statuses/b.json", json={"job_status": {
        "id": "b", "status": "killed", "message": None, "results": None}})
    report = writeback(source, [finding(i) for i in ids], apply=True, client=client)
    by_ticket = {r.ticket: r for r in report.results}
    assert {t: r.outcome for t, r in by_ticket.items()} == {
        "1": "written", "2": "failed", "3": "failed"}
    assert by_ticket["2"].error == (
        "update_many job failed: no result for this ticket (worker crashed)")
    assert by_ticket["3"].error == "update_many job killed: no result for this ticket"


def _note_conflict_then_marker_without_aggregate() -> tuple[list, list[str]]:
    """A 409 on the note PUT; the re-read shows the marker (the note is there, a parallel run's)
    but not the aggregate tag: the note must not be re-written, the tag still has to land."""
    fs = [finding("5")]
    old = ticket(5, tags=[], updated_at="2024-02-01T10:00:00Z")
    plan = plan_writeback(fs, ticket_state(old), marker_tags=True)
    assert marker_label(plan.findings_hash) in plan.add_labels
    present = [t for t in plan.add_labels if t != AGGREGATE_LABEL]
    responses.get(SHOW_MANY, json={"tickets": [old]})
    responses.put(f"{BASE}/api/v2/tickets/5.json", status=409,
                  match=[matchers.json_params_matcher(expected_note_body(old, fs, "2024-02-01T10:00:00Z"))])
    responses.get(f"{BASE}/api/v2/tickets/5.json",
                  json={"ticket": ticket(5, tags=present, updated_at="2024-02-01T10:00:05Z")})
    # Tags Add through update_many (idempotent), never a second note PUT.
    responses.put(UPDATE_MANY, match=[matchers.query_param_matcher({"ids": "5"}),
                                      matchers.json_params_matcher(
                                          {"ticket": {"additional_tags": [AGGREGATE_LABEL]}})],
                  json={"job_status": {"id": "j", "status": "queued"}})
    return fs, present


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_409_with_note_present_applies_the_leftover_tags_without_a_second_note(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    fs, _ = _note_conflict_then_marker_without_aggregate()
    responses.get(f"{BASE}/api/v2/job_statuses/j.json",
                  json={"job_status": {"id": "j", "status": "completed", "results": [updated(5)]}})
    report = writeback(source, fs, apply=True, client=client)
    [result] = report.results
    assert (result.outcome, result.details["note"], result.details["added_tags"], result.error) == (
        "written", None, [AGGREGATE_LABEL], None)
    assert report.calls_by_endpoint["PUT /api/v2/tickets/{id}"] == 1  # the one note PUT (409)


@responses.activate(registry=registries.OrderedRegistry, assert_all_requests_are_fired=True)
def test_409_with_note_present_and_failed_tags_is_failed_so_the_journal_retries(
    client: ZendeskClient, source: ZendeskSourceConfig
) -> None:
    fs, _ = _note_conflict_then_marker_without_aggregate()
    responses.get(f"{BASE}/api/v2/job_statuses/j.json",
                  json={"job_status": {"id": "j", "status": "completed", "results": [failed_result(5)]}})
    report = writeback(source, fs, apply=True, client=client)
    [result] = report.results
    assert result.outcome == "failed"
    assert "note present; tag changes failed" in (result.error or "")
