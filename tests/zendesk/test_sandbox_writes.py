"""The Zendesk sandbox's write rules are at least as strict as Zendesk's documented ones.

Sources: Support API OpenAPI (``../shared/specs/zendesk-support-v2.yaml``: Ticket ``safe_update``,
``JobStatus``, ``FailedResult``, ``UpdateResourceResult``), the Job Statuses reference
(developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/: "queued",
"working", "failed", "completed", "killed"), the Tags API "Safe Update" section and
platform-zendesk.md §3b (5,000 comments per ticket, then 422) and §4 (closed tickets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.platforms.zendesk.commands import writeback
from devtools.sandboxes.zendesk.model import Audit
from devtools.sandboxes.zendesk.state import MAX_COMMENTS, ApiError, SandboxState
from tests.zendesk import scenarios as sc

#: ``FailedResult.required`` and ``UpdateResourceResult.required`` in the Support API OpenAPI.
FAILED_RESULT_KEYS = {"id", "action", "error", "success", "details"}
UPDATED_RESULT_KEYS = {"id", "action", "success", "status"}


@pytest.fixture
def state() -> SandboxState:
    return sc.SandboxState.seeded(3, 6, start=sc.START)


def _open_ticket(state: SandboxState) -> dict[str, Any]:
    return next(t for t in state.world.tickets.values() if t["status"] in ("new", "open"))


def test_updated_stamp_alone_is_not_a_safe_update(state: SandboxState) -> None:
    """Ticket ``safe_update``: "Omit the property to force the updates to not be safe"."""
    ticket = _open_ticket(state)
    out = state.update_ticket(ticket["id"], {"tags": ["a"], "updated_stamp": "2000-01-01T00:00:00Z"},
                              1)
    assert out["ticket"]["tags"] == ["a"]


@pytest.mark.parametrize("flag", [True, "true", False])
def test_safe_update_with_a_stale_stamp_is_a_409(state: SandboxState, flag: object) -> None:
    """Ticket ``safe_update``: "A value of false has the same effect as true"; a stale stamp is
    409 Conflict (Tags API, "Safe Update"; platform-zendesk.md §4)."""
    ticket = _open_ticket(state)
    stale = "2000-01-01T00:00:00Z"
    with pytest.raises(ApiError) as err:
        state.update_ticket(ticket["id"], {"tags": ["a"], "safe_update": flag,
                                           "updated_stamp": stale}, 1)
    assert err.value.status == 409
    with pytest.raises(ApiError) as tag_err:
        state.change_tags(ticket["id"], {"tags": ["a"], "safe_update": flag,
                                         "updated_stamp": stale}, 1, "add")
    assert tag_err.value.status == 409
    fresh = state.update_ticket(ticket["id"], {"tags": ["a"], "safe_update": flag,
                                               "updated_stamp": ticket["updated_at"]}, 1)
    assert fresh["ticket"]["tags"] == ["a"]
    # The Tags API takes the stamp the same way: without safe_update it is not checked.
    assert "b" in state.change_tags(ticket["id"], {"tags": ["b"], "updated_stamp": stale}, 1,
                                    "add")


def test_closed_tickets_refuse_tag_writes_too(state: SandboxState) -> None:
    ticket = _open_ticket(state)
    ticket["status"] = "closed"
    for mode in ("add", "set", "remove"):
        with pytest.raises(ApiError) as err:
            state.change_tags(ticket["id"], {"tags": ["x"]}, 1, mode)
        assert err.value.status == 422
    assert "x" not in ticket["tags"]


def test_the_5000th_comment_is_the_last(state: SandboxState) -> None:
    ticket = _open_ticket(state)
    have = state._comment_count(ticket["id"])
    filler = Audit(state.world.new_id(), ticket["id"], 0, 1, "api", [
        {"id": 0, "type": "Comment", "public": False} for _ in range(MAX_COMMENTS - have)])
    state.by_ticket.setdefault(ticket["id"], []).append(filler)
    with pytest.raises(ApiError) as err:
        state.update_ticket(ticket["id"], {"comment": {"body": "one more", "public": False}}, 1)
    assert err.value.status == 422
    # An update without a comment still goes through.
    assert state.update_ticket(ticket["id"], {"tags": ["t"]}, 1)["ticket"]["tags"] == ["t"]


def test_a_bulk_job_is_queued_then_working_then_completed_with_spec_results(
    state: SandboxState,
) -> None:
    opened = _open_ticket(state)
    closed = next(t for t in state.world.tickets.values() if t["id"] != opened["id"])
    closed["status"] = "closed"
    job = state.update_many([opened["id"], closed["id"]], {"additional_tags": ["z"]}, 1)
    seen = []
    for _ in range(3):
        view = state.job_view(job.id, "http://sandbox")["job_status"]
        seen.append((view["status"], view["progress"], view["results"] is None))
        state.clock.advance(state.limits.job_latency_seconds)
    assert seen == [("queued", None, True), ("working", 1, True), ("completed", 2, False)]
    results = {r["id"]: r for r in view["results"]}
    assert set(results[opened["id"]]) == UPDATED_RESULT_KEYS
    assert results[opened["id"]]["success"] is True
    failed = results[closed["id"]]
    assert set(failed) == FAILED_RESULT_KEYS
    assert failed["success"] is False
    assert isinstance(failed["error"], str) and isinstance(failed["details"], str)
    assert "z" not in closed["tags"]


@pytest.mark.parametrize("end", ["failed", "killed"])
def test_a_job_can_end_failed_or_killed(state: SandboxState, end: str) -> None:
    ticket = _open_ticket(state)
    state.end_next_job(end, "stopped")
    job = state.update_many([ticket["id"]], {"additional_tags": ["z"]}, 1)
    state.clock.advance(2 * state.limits.job_latency_seconds)
    view = state.job_view(job.id, "http://sandbox")["job_status"]
    assert (view["status"], view["message"]) == (end, "stopped")
    assert (view["results"] is None) == (end == "killed")
    assert ("z" in ticket["tags"]) == (end == "failed")


@pytest.mark.slow
def test_writer_reports_a_failed_result_per_ticket_and_retries_it_next_run(
    tmp_path: Path,
) -> None:
    """End to end on the sandbox: a ticket closed while its bulk job runs gets a FailedResult;
    only that ticket fails, and a killed job's tickets are all written by the next run."""
    server = sc.start_sandbox(tickets=12)
    try:
        findings = sc.fixed_findings(server)
        out = sc.full_cycle(server, tmp_path, findings, job_poll_interval_seconds=1.0)
        flagged = sorted(t["id"] for t in server.state.world.tickets.values()
                         if "iso10002-noncompliant" in t["tags"])
        assert len(flagged) >= 3
        for tid in flagged:
            server.state.change_tags(tid, {"tags": ["iso10002-noncompliant"]}, 2, "remove")
        victim = flagged[0]

        def close_victim(ids: list[int]) -> None:
            if victim in ids:
                server.state.world.tickets[victim]["status"] = "closed"

        server.state.before_update_many.append(close_victim)
        report = writeback(out["source"], findings, apply=True, client=out["client"])
        server.state.before_update_many.clear()
        outcomes = {r.ticket: r for r in report.results}
        assert outcomes[str(victim)].outcome == "failed"
        assert "TicketUpdateFailed" in (outcomes[str(victim)].error or "")
        assert all(outcomes[str(t)].outcome == "written" for t in flagged[1:])
        # Each job polled twice: "working" (one poll interval in), then "completed".
        jobs = report.calls_by_endpoint["PUT /api/v2/tickets/update_many"]
        assert report.calls_by_endpoint["GET /api/v2/job_statuses/{id}"] == 2 * jobs

        # A killed job: nothing written, every ticket failed; the next run writes them.
        for tid in flagged[1:]:
            server.state.change_tags(tid, {"tags": ["iso10002-noncompliant"]}, 2, "remove")
        server.state.end_next_job("killed", "killed by an admin")
        rest = {str(t) for t in flagged[1:]}
        killed = writeback(out["source"], findings, apply=True, client=out["client"])
        assert {r.ticket: r.outcome for r in killed.results if r.ticket in rest} \
            == dict.fromkeys(rest, "failed")
        # The closed ticket is skipped from now on (Zendesk refuses it), not failed each run.
        assert {r.ticket: r.outcome for r in killed.results}[str(victim)] == "skipped"
        again = writeback(out["source"], findings, apply=True, client=out["client"])
        assert {r.ticket: r.outcome for r in again.results if r.ticket in rest} \
            == dict.fromkeys(rest, "written")
        assert all("iso10002-noncompliant" in server.state.world.tickets[t]["tags"]
                   for t in flagged[1:])
    finally:
        server.stop()
