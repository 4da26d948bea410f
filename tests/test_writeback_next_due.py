"""Next-due write-back in the planner: a date field + one compact state tag, in the same update.

The date is the policy-zone calendar date of the earliest open due time: a Zendesk date custom
field takes ``YYYY-MM-DD`` only (Tickets API, "Setting custom field values": date fields), and
a Jira date custom field the same (REST v3 "Edit issue", date picker ``YYYY-MM-DD``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from compliance_checks.findings import Finding, Status
from compliance_checks.model import Severity
from connector.platforms.base import WritebackReport
from connector.writeback import TicketWriteState, plan_writeback

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
#: 23:30 UTC on the 24th is already the 25th in Sydney: the zone decides the date written.
DUE = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)


def finding(check: str, status: Status, due: datetime | None = DUE, **facts: float) -> Finding:
    return Finding(ticket="42", platform="zendesk", check=check, title=check, status=status,
                   clauses=("7.4",), severity=Severity.HIGH, due_at=due, message="m", facts=facts)


def applied(state: TicketWriteState, findings: list[Finding]) -> TicketWriteState:
    plan = plan_writeback(findings, state, marker_tags=True, due_zone=LONDON)
    labels = (set(state.labels) - set(plan.remove_labels)) | set(plan.add_labels)
    due = plan.due_value if plan.set_due else state.due_value
    return state.model_copy(update={"labels": tuple(sorted(labels)), "due_value": due})


def test_pending_clock_writes_the_date_and_on_track_without_a_note() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk", labels=("vip",))
    plan = plan_writeback([finding("kept-informed", Status.PENDING)], state, marker_tags=True,
                          due_zone=LONDON)
    assert plan.set_due and plan.due_value == "2026-11-24"
    assert plan.add_labels == ("iso10002-due-on-track",)
    assert plan.note is None


def test_the_date_is_the_policy_zone_date_of_the_earliest_open_due_time() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk")
    later = finding("response-in-time", Status.AT_RISK, DUE + timedelta(days=3))
    passed = finding("acknowledged-in-time", Status.PASS, DUE - timedelta(days=9))
    plan = plan_writeback([later, finding("kept-informed", Status.PENDING), passed], state,
                          marker_tags=True, due_zone=SYDNEY)
    assert plan.due_value == "2026-11-25"
    assert "iso10002-due-at-risk" in plan.add_labels


def test_a_failed_check_is_overdue_and_replaces_the_old_state_tag() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk",
                             labels=("iso10002-due-on-track",), due_value="2026-11-24")
    plan = plan_writeback([finding("kept-informed", Status.FAIL)], state, marker_tags=True,
                          due_zone=LONDON)
    assert "iso10002-due-overdue" in plan.add_labels
    assert plan.remove_labels == ("iso10002-due-on-track",)
    assert not plan.set_due  # the date did not change: not rewritten


def test_a_step_done_late_is_not_work_in_the_queue() -> None:
    """The acknowledgement went out 3 hours late: a breach on record (its label and note stay),
    but nothing left to do on the ticket, so it neither sets the date nor makes it overdue; the
    running response clock does."""
    state = TicketWriteState(ticket="42", platform="zendesk")
    late = finding("acknowledged-in-time", Status.FAIL, DUE - timedelta(days=20), late_by_hours=3.0)
    running = finding("response-in-time", Status.PENDING, DUE)
    plan = plan_writeback([late, running], state, marker_tags=True, due_zone=LONDON)
    assert plan.due_value == "2026-11-24"
    assert "iso10002-due-on-track" in plan.add_labels
    assert "iso10002-acknowledged-in-time" in plan.add_labels


def test_nothing_open_clears_the_date_and_says_compliant_once() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk",
                             labels=("iso10002-due-at-risk",), due_value="2026-11-24")
    plan = plan_writeback([finding("kept-informed", Status.PASS)], state, marker_tags=True,
                          due_zone=LONDON)
    assert plan.set_due and plan.due_value is None
    assert plan.add_labels == ("iso10002-due-compliant",)
    after = applied(state, [finding("kept-informed", Status.PASS)])
    assert plan_writeback([finding("kept-informed", Status.PASS)], after, marker_tags=True,
                          due_zone=LONDON).is_empty


def test_never_tracked_and_nothing_open_is_no_write() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk")
    plan = plan_writeback([finding("kept-informed", Status.PASS)], state, marker_tags=True,
                          due_zone=LONDON)
    assert plan.is_empty


def test_plans_converge_with_the_due_field() -> None:
    findings = [finding("kept-informed", Status.AT_RISK), finding("closure", Status.PENDING)]
    state = applied(TicketWriteState(ticket="42", platform="zendesk"), findings)
    # The marker tag of the note written with it keeps the note from being planned again.
    again = plan_writeback(findings, state, marker_tags=True, due_zone=LONDON)
    assert not again.set_due and not again.add_labels and not again.remove_labels


def test_without_a_configured_field_nothing_changes() -> None:
    state = TicketWriteState(ticket="42", platform="zendesk")
    plan = plan_writeback([finding("kept-informed", Status.PENDING)], state, marker_tags=True)
    assert plan.is_empty


def test_init_prints_the_work_queue_recipes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from connector.cli import app

    for platform, needle in (("zendesk", "ISO 10002: overdue by team"),
                             ("jira", "ORDER BY cf[<number>] ASC")):
        result = CliRunner().invoke(app, ["init", "--platform", platform,
                                          "--out", str(tmp_path / platform / "iso.yaml")])
        assert result.exit_code == 0, result.output
        assert "ISO 10002: breaching in the next business day" in result.output
        assert needle in result.output


def test_the_journal_sends_a_ticket_with_only_a_running_clock_to_the_planner(tmp_path: Path) -> None:
    """Which tickets reach the planner is decided before it, by what the write-back would say:
    with a next-due field, a ticket whose only open finding is a PENDING clock has a date and an
    on-track state to write (nothing flagged, so without the field there is nothing to say)."""
    from connector.store import Store
    from connector.writeback_journal import plan_unrecorded

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    seen: list[list[Finding]] = []

    def writer(findings: list[Finding], apply: bool) -> WritebackReport:
        seen.append(findings)
        return WritebackReport(applied=apply)

    fresh = {"42": [finding("kept-informed", Status.PENDING)]}
    try:
        assert plan_unrecorded(store, "zd", writer, fresh).candidates == 0
        assert plan_unrecorded(store, "zd", writer, fresh, due_zone=LONDON).candidates == 1
        assert [f.ticket for f in seen[0]] == ["42"]
        nothing_open = {"42": [finding("kept-informed", Status.PASS)]}
        assert plan_unrecorded(store, "zd", writer, nothing_open, due_zone=LONDON).candidates == 0
    finally:
        store.close()
