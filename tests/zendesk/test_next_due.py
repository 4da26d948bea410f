"""Next-due write-back on Zendesk: a date custom field + ``iso10002-due-<state>`` tag.

Vendor shapes: ticket ``custom_fields: [{id, value}]`` with a date field's value ``YYYY-MM-DD``
(Tickets API, "Setting custom field values"); a datetime in a date field is refused with 422
RecordInvalid / ``InvalidValue`` / ``ticket_field_type: FieldDate`` (recorded in facetoe/zenpy
issue #425, "Error on a Date Custom Field"). Views: conditions ``status less_than solved`` and
``current_tags includes``, ``output.sort_by`` a custom field id, ``sort_order`` asc (Views API,
"Create View" example and "View sorting", zendesk-support-v2.yaml).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance_checks import BASELINE_POLICY, load_policy
from compliance_checks.findings import Finding, Status
from connector.files import evaluate_files
from connector.platforms.zendesk.commands import writeback
from connector.platforms.zendesk.recipes import view_bodies
from connector.writeback import OPEN, actionable, next_due
from devtools.generator.zendesk_render import NEXT_DUE_FIELD
from devtools.sandboxes.zendesk import SandboxServer, SandboxState
from devtools.sandboxes.zendesk.state import ApiError
from mappings.loader import load_mapping
from tests.zendesk import scenarios as sc

ZONE = ZoneInfo("Europe/London")
WARNING_TAGS = {"iso10002-due-at-risk", "iso10002-due-overdue"}


def field_value(ticket: dict[str, Any]) -> str | None:
    for entry in ticket.get("custom_fields") or ():
        if entry["id"] == NEXT_DUE_FIELD:
            value: str | None = entry["value"]
            return value
    return None


def test_the_sandbox_date_field_takes_a_date_and_refuses_a_datetime() -> None:
    state = SandboxState.seeded(11, 3, start=sc.START)
    tid = min(state.world.tickets)
    for bad in ("2026-11-24T17:30:00Z", "2026-02-30", "24/11/2026", 20261124):
        with pytest.raises(ApiError) as err:
            state.update_ticket(tid, {"custom_fields": [{"id": NEXT_DUE_FIELD, "value": bad}]}, 1)
        assert err.value.status == 422
        assert err.value.body["details"]["base"][0]["ticket_field_type"] == "FieldDate"
    with pytest.raises(ApiError):  # a field the account does not have
        state.update_ticket(tid, {"custom_fields": [{"id": 1, "value": "2026-11-24"}]}, 1)
    state.update_ticket(tid, {"custom_fields": [{"id": NEXT_DUE_FIELD, "value": "2026-11-24"}]}, 1)
    assert field_value(state.world.tickets[tid]) == "2026-11-24"
    job = state.update_many([tid], {"custom_fields": [{"id": NEXT_DUE_FIELD,
                                                       "value": "2026-11-24T00:00:00Z"}]}, 1)
    assert [r["success"] for r in job.results] == [False]
    state.update_many([tid], {"custom_fields": [{"id": NEXT_DUE_FIELD, "value": None}]}, 1)
    assert field_value(state.world.tickets[tid]) is None


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox()
    yield srv
    srv.stop()


def evaluated(server: SandboxServer, tmp_path: Path) -> list[Finding]:
    source = sc.sandbox_source(server)
    result = sc.do_pull(server, source, sc.sandbox_client(server, source), tmp_path / "p.jsonl")
    mapping, policy = load_mapping(source.mapping), load_policy(BASELINE_POLICY)
    return [f for r in evaluate_files([result.out], mapping, policy, as_of=sc.virtual_now(server))
            for f in r.findings]


def expected_dates(findings: list[Finding]) -> dict[str, date]:
    by_ticket: dict[str, list[Finding]] = {}
    for f in findings:
        by_ticket.setdefault(f.ticket, []).append(f)
    out: dict[str, date] = {}
    for ticket, fs in by_ticket.items():
        due = next_due(fs)
        if due is not None:
            out[ticket] = due.astimezone(ZONE).date()
    return out


STATUS_ORDER = ["new", "open", "pending", "hold", "solved", "closed"]


def matches(ticket: dict[str, Any], condition: dict[str, str]) -> bool:
    """One view condition, by the Conditions reference: ``status less_than`` compares in the
    status order; ``current_tags includes`` any of the space-separated tags."""
    field, op, value = condition["field"], condition["operator"], condition["value"]
    if (field, op) == ("status", "less_than"):
        return STATUS_ORDER.index(ticket["status"]) < STATUS_ORDER.index(value)
    if (field, op) == ("current_tags", "includes"):
        return bool(set(value.split()) & set(ticket["tags"]))
    raise AssertionError(f"condition not reproduced here: {condition}")


def run_view(body: dict[str, Any], tickets: dict[int, dict[str, Any]]
             ) -> list[tuple[int, int | None, str | None]]:
    """The recipe view's result from the sandbox's stored tickets: every ``all`` condition,
    then ``group_by`` (group id) and ``sort_by`` the date field, ascending. Where Zendesk puts an
    empty date is not documented: the tests check that no row of these views lacks one."""
    view = body["view"]
    rows = [(tid, t.get("group_id"), field_value(t)) for tid, t in tickets.items()
            if t["status"] in STATUS_ORDER and all(matches(t, c) for c in view["all"])]
    assert view["output"]["sort_by"] == str(NEXT_DUE_FIELD)
    grouped = view["output"].get("group_by") == "group"
    return sorted(rows, key=lambda r: ((r[1] or 0) if grouped else 0, r[2] or "", r[0]))


def test_every_open_tracked_ticket_gets_the_date_and_the_view_sorts_by_it(
    server: SandboxServer, tmp_path: Path
) -> None:
    findings = evaluated(server, tmp_path)
    source = sc.sandbox_source(server, next_due={"field_id": NEXT_DUE_FIELD})
    client = sc.sandbox_client(server, source)
    report = writeback(source, findings, apply=True, client=client, zone=ZONE)
    assert report.failed == []
    tickets = server.state.world.tickets
    expected = expected_dates(findings)
    open_ids = [tid for tid, t in tickets.items() if t["status"] in ("new", "open", "pending")]
    tracked = [tid for tid in open_ids if str(tid) in expected]
    assert tracked, "the generator makes complaints with running clocks"
    for tid in tracked:
        assert field_value(tickets[tid]) == expected[str(tid)].isoformat()
        assert sum(t.startswith("iso10002-due-") for t in tickets[tid]["tags"]) == 1
    # A step done late is a breach on record, not work in the queue (connector.writeback.actionable).
    work = actionable(findings)
    flagged = {f.ticket for f in work if f.status in OPEN[:2]}
    for tid in open_ids:
        if str(tid) in flagged:
            assert WARNING_TAGS & set(tickets[tid]["tags"])
    views = view_bodies(str(NEXT_DUE_FIELD))
    breaching = run_view(views["breaching"], tickets)
    at_risk = {f.ticket for f in work if f.status is Status.AT_RISK}
    overdue_ids = {f.ticket for f in work if f.status is Status.FAIL}
    assert {str(t) for t, _g, _d in breaching} == {
        str(t) for t in open_ids if str(t) in at_risk - overdue_ids}
    assert breaching, "the generator makes complaints about to breach"
    assert [d for _t, _g, d in breaching] == sorted(
        expected[str(t)].isoformat() for t, _g, _d in breaching)
    by_team = run_view(views["overdue"], tickets)
    assert {str(t) for t, _g, _d in by_team} == {str(t) for t in open_ids
                                                if str(t) in overdue_ids}
    assert by_team, "the generator makes overdue complaints"
    for team in {g for _t, g, _d in by_team}:
        dates = [d for _t, g, d in by_team if g == team]
        assert None not in dates and dates == sorted(dates)
    # Written only when it changes: a second run writes nothing.
    again = writeback(source, findings, apply=True, client=client, zone=ZONE)
    assert {r.outcome for r in again.results} <= {"unchanged", "skipped"}


def test_the_field_adds_no_call_per_ticket(tmp_path: Path) -> None:
    """Same sandbox, same findings, with and without the field: the per-ticket PUTs (notes) are
    the same; the field rides in them and in the ``update_many`` jobs (one per date group)."""
    calls: list[dict[str, int]] = []
    written: list[int] = []
    for overrides in ({}, {"next_due": {"field_id": NEXT_DUE_FIELD}}):
        srv = sc.start_sandbox()
        try:
            (tmp_path / str(len(calls))).mkdir()
            findings = evaluated(srv, tmp_path / str(len(calls)))
            source = sc.sandbox_source(srv, **overrides)
            client = sc.sandbox_client(srv, source)
            before = dict(client.stats.calls)
            report = writeback(source, findings, apply=True, client=client, zone=ZONE)
            calls.append({k: v - before.get(k, 0) for k, v in report.calls_by_endpoint.items()})
            written.append(sum(r.outcome == "written" for r in report.results))
        finally:
            srv.stop()
    without, with_field = calls
    put_ticket = "PUT /api/v2/tickets/{id}"
    assert with_field.get(put_ticket, 0) == without.get(put_ticket, 0)
    assert set(with_field) <= set(without) | {"PUT /api/v2/tickets/update_many",
                                              "GET /api/v2/job_statuses/{id}"}
    bulk = with_field.get("PUT /api/v2/tickets/update_many", 0)
    assert bulk < written[1] - with_field.get(put_ticket, 0)  # bulk, not one call per ticket
