"""The shared write-back planner: minimal plans, our namespace only, convergence."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_checks.findings import Finding, Status
from compliance_checks.model import Severity
from connector.writeback import (
    AGGREGATE_LABEL,
    MARKER_PREFIX,
    RESOLVED_HASH,
    TicketWriteState,
    WritebackPlan,
    marker_label,
    note_hash_from_labels,
    plan_writeback,
)

CHECKS = ("acknowledged-in-time", "kept-informed", "response-in-time", "closure-evidence")
DUE = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)


def finding(check: str, status: Status, message: str = "msg") -> Finding:
    return Finding(
        ticket="CS-1",
        platform="jira",
        check=check,
        title=check,
        status=status,
        clauses=("7.4",),
        severity=Severity.HIGH,
        due_at=DUE,
        message=message,
    )


def apply(plan: WritebackPlan, state: TicketWriteState, *, marker_tags: bool) -> TicketWriteState:
    """What the ticket looks like after a plan was applied (as the connectors do it)."""
    labels = (set(state.labels) - set(plan.remove_labels)) | set(plan.add_labels)
    note_hash = state.note_hash
    note_id = state.note_id
    if plan.note is not None:
        note_id = note_id or "9001"
        if not marker_tags:
            note_hash = plan.findings_hash
    return state.model_copy(
        update={
            "labels": tuple(sorted(labels)),
            "note_hash": None if marker_tags else note_hash,
            "note_id": None if marker_tags else note_id,
        }
    )


def test_first_failure_adds_aggregate_and_check_labels_and_creates_the_note() -> None:
    state = TicketWriteState(ticket="CS-1", platform="jira", labels=("vip", "billing"))
    plan = plan_writeback(
        [finding("acknowledged-in-time", Status.FAIL), finding("kept-informed", Status.PASS)],
        state,
        marker_tags=False,
    )
    assert set(plan.add_labels) == {AGGREGATE_LABEL, "iso10002-acknowledged-in-time"}
    assert plan.remove_labels == ()
    assert plan.note is not None and plan.note.action == "create"
    assert [f.check for f in plan.note.findings] == ["acknowledged-in-time"]


def test_nothing_to_flag_and_never_flagged_is_an_empty_plan() -> None:
    state = TicketWriteState(ticket="CS-1", platform="zendesk", labels=("complaint",))
    plan = plan_writeback([finding("kept-informed", Status.PENDING)], state, marker_tags=True)
    assert plan.is_empty


def test_fixed_ticket_loses_its_labels_and_gets_one_resolved_note() -> None:
    flagged_state = TicketWriteState(
        ticket="CS-1",
        platform="jira",
        labels=("vip", AGGREGATE_LABEL, "iso10002-kept-informed"),
        note_hash="abc",
        note_id="77",
    )
    plan = plan_writeback([finding("kept-informed", Status.PASS)], flagged_state, marker_tags=False)
    assert set(plan.remove_labels) == {AGGREGATE_LABEL, "iso10002-kept-informed"}
    assert plan.add_labels == ()
    assert plan.note is not None and plan.note.action == "resolve" and plan.note.note_id == "77"
    assert plan.findings_hash == RESOLVED_HASH


def test_at_risk_is_flagged_but_waived_and_error_are_not() -> None:
    state = TicketWriteState(ticket="CS-1", platform="jira")
    plan = plan_writeback(
        [
            finding("kept-informed", Status.AT_RISK),
            finding("acknowledged-in-time", Status.WAIVED),
            finding("response-in-time", Status.ERROR),
        ],
        state,
        marker_tags=False,
    )
    assert set(plan.add_labels) == {AGGREGATE_LABEL, "iso10002-kept-informed"}


def test_changed_message_rewrites_the_note_in_place() -> None:
    first = plan_writeback(
        [finding("kept-informed", Status.AT_RISK, "due Tuesday")],
        TicketWriteState(ticket="CS-1", platform="jira"),
        marker_tags=False,
    )
    state = TicketWriteState(
        ticket="CS-1",
        platform="jira",
        labels=first.add_labels,
        note_hash=first.findings_hash,
        note_id="55",
    )
    second = plan_writeback(
        [finding("kept-informed", Status.FAIL, "overdue since Tuesday")], state, marker_tags=False
    )
    assert second.note is not None and second.note.action == "update" and second.note.note_id == "55"
    assert second.add_labels == () and second.remove_labels == ()


def test_zendesk_marker_tag_carries_the_hash_and_replaces_the_stale_one() -> None:
    state = TicketWriteState(
        ticket="42", platform="zendesk", labels=("complaint", f"{MARKER_PREFIX}0000000000000000")
    )
    plan = plan_writeback([finding("kept-informed", Status.FAIL)], state, marker_tags=True)
    assert marker_label(plan.findings_hash) in plan.add_labels
    assert f"{MARKER_PREFIX}0000000000000000" in plan.remove_labels
    assert note_hash_from_labels(plan.add_labels) == plan.findings_hash
    assert plan.note is not None and plan.note.action == "create"


statuses = st.sampled_from([Status.PASS, Status.FAIL, Status.AT_RISK, Status.PENDING, Status.WAIVED])
findings_strategy = st.lists(
    st.tuples(st.sampled_from(CHECKS), statuses, st.sampled_from(["a", "b"])),
    max_size=4,
    unique_by=lambda t: t[0],
).map(lambda items: [finding(c, s, m) for c, s, m in items])
foreign = st.lists(st.sampled_from(["vip", "billing", "complaint", "iso10002ish"]), max_size=3)
ours = st.lists(
    st.sampled_from([AGGREGATE_LABEL, "iso10002-kept-informed", "iso10002-old-check"]), max_size=2
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    before=findings_strategy,
    after=findings_strategy,
    foreign_labels=foreign,
    our_labels=ours,
    marker_tags=st.booleans(),
)
def test_plans_converge_and_never_touch_foreign_labels(
    before: list[Finding],
    after: list[Finding],
    foreign_labels: list[str],
    our_labels: list[str],
    marker_tags: bool,
) -> None:
    state = TicketWriteState(
        ticket="CS-1", platform="x", labels=tuple(sorted(set(foreign_labels) | set(our_labels)))
    )
    for findings in (before, after):
        plan = plan_writeback(findings, state, marker_tags=marker_tags)
        touched = set(plan.add_labels) | set(plan.remove_labels)
        assert not touched & set(foreign_labels), "only labels in our namespace are touched"
        state = apply(plan, state, marker_tags=marker_tags)
        again = plan_writeback(findings, state, marker_tags=marker_tags)
        assert again.is_empty, f"re-planning after apply must be empty, got {again}"
        assert set(foreign_labels) <= set(state.labels)


def test_a_late_acknowledgement_keeps_its_label_as_the_record_of_the_breach() -> None:
    """The demo's fix: a public reply after the deadline turns "overdue" into "late"; the check
    stays FAIL (a late step cannot be un-late), so its label stays, and the demo says why."""
    from devtools.demo.driver import historic_labels

    late = finding("acknowledged-in-time", Status.FAIL,
                   "Acknowledgement late: done 2026-11-25 10:00 GMT, due 2026-11-24 17:30 GMT")
    labels = (AGGREGATE_LABEL, "iso10002-acknowledged-in-time", "iso10002-kept-informed")
    state = TicketWriteState(ticket="CS-1", platform="jira", labels=labels, note_hash="old", note_id="9")
    plan = plan_writeback([late, finding("kept-informed", Status.PENDING)], state, marker_tags=False)
    assert plan.remove_labels == ("iso10002-kept-informed",)
    assert "iso10002-acknowledged-in-time" not in plan.add_labels + plan.remove_labels
    after = (AGGREGATE_LABEL, "iso10002-acknowledged-in-time")
    statuses = {"acknowledged-in-time": "FAIL", "kept-informed": "PENDING"}
    assert historic_labels(after, statuses) == ["iso10002-acknowledged-in-time"]
