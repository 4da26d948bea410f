"""acknowledged-in-time (7.4) and assessed-in-time (7.5)."""

from __future__ import annotations

import pytest

from compliance_checks.model import ActorRole, Severity
from tests.checks.conftest import (
    Expected,
    assert_result,
    at,
    comment,
    derive,
    make_record,
    ref,
    run_check,
    status_change,
)

# Baseline target 2 business days from Mon 2026-03-02 10:00 -> close of Wed 03-04 = 17:30 GMT.
ACK_DUE = at(4, 17, 30)

ACKNOWLEDGED = [
    pytest.param(
        {"acknowledged": ref("comment:10023", at(3, 9, 15))},
        at(3, 12),
        Expected("PASS", ACK_DUE, ("on time",), ("comment:10023",)),
        id="public-reply-next-morning-passes",
    ),
    pytest.param(
        {"acknowledged": ref("comment:10024", at(4, 17, 30))},
        at(5, 9),
        Expected("PASS", ACK_DUE, ("on time",), ("comment:10024",)),
        id="reply-at-the-due-instant-passes",
    ),
    pytest.param(
        {"acknowledged": ref("comment:10031", at(5, 10))},
        at(5, 12),
        Expected(
            "FAIL",
            ACK_DUE,
            ("late", "done 2026-03-05 10:00 GMT", "due 2026-03-04 17:30 GMT"),
            ("comment:10031",),
            {"late_by_hours": 16.5},
        ),
        id="reply-next-day-fails-late",
    ),
    pytest.param(
        {},
        at(5, 9),
        Expected("FAIL", ACK_DUE, ("overdue since 2026-03-04 17:30 GMT",), (None,)),
        id="no-acknowledgement-overdue-fails",
    ),
    pytest.param(
        {},
        at(3, 12),
        # Tue 12:00 + warning window 1bd = Wed 17:30 >= due
        Expected("AT_RISK", ACK_DUE, ("due 2026-03-04 17:30 GMT",), (None,)),
        id="unacknowledged-day-before-due-at-risk",
    ),
    pytest.param(
        {},
        at(2, 12),
        # Mon 12:00 + 1bd = Tue 17:30 < Wed 17:30
        Expected("PENDING", ACK_DUE, ("due 2026-03-04 17:30 GMT",), (None,)),
        id="unacknowledged-on-day-of-receipt-pending",
    ),
    pytest.param(
        {"acknowledged": ref("comment:10040", at(4, 9))},
        at(3, 12),
        # evaluated as of Tue 12:00: the Wed reply has not happened yet
        Expected("AT_RISK", ACK_DUE, ("due",), (None,)),
        id="acknowledgement-after-now-is-ignored",
    ),
    pytest.param(
        {"received_at": at(6, 18)},
        at(9, 12),
        # Fri 03-06 18:00 is after closing: received at Mon 03-09 09:00; +2bd -> Wed 03-11 17:30
        Expected("PENDING", at(11, 17, 30), ("due 2026-03-11 17:30 GMT",), (None,)),
        id="received-after-hours-counts-from-next-opening",
    ),
    pytest.param(
        {"received_at": at(2, 10, month=4)},
        at(2, 12, month=4),
        # Thu 04-02 (BST); Good Friday 04-03 and Easter Monday 04-06 are bank holidays:
        # business day 1 = Tue 04-07, 2 = Wed 04-08 -> 17:30 BST
        Expected("PENDING", at(8, 17, 30, month=4), ("due 2026-04-08 17:30 BST",), (None,)),
        id="easter-bank-holidays-skipped",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), ACKNOWLEDGED)
def test_acknowledged_in_time(overrides, now, expected):
    assert_result(run_check("acknowledged-in-time", make_record(**overrides), now), expected)


# -- the evidence rules, through the mapping (derive) ---------------------------------------


def test_internal_note_never_acknowledges():
    record = derive(
        [
            comment("comment:10020", at(2, 11), public=False, text="internal: looking into it"),
            comment("comment:10031", at(5, 10)),
        ]
    )
    assert record.acknowledged is not None
    assert record.acknowledged.ref() == "comment:10031"
    result = run_check("acknowledged-in-time", record, at(5, 12))
    assert_result(result, Expected("FAIL", ACK_DUE, ("late",), ("comment:10031",)))


def test_only_internal_notes_and_complainant_replies_leave_it_unacknowledged():
    record = derive(
        [
            comment("comment:10020", at(2, 11), public=False),
            comment("comment:10021", at(2, 15), role=ActorRole.COMPLAINANT),
            comment("comment:10022", at(3, 9), role=ActorRole.CONNECTOR, text="[iso10002] findings"),
            comment("comment:10023", at(3, 10), role=ActorRole.SYSTEM),
        ]
    )
    assert record.acknowledged is None
    assert_result(
        run_check("acknowledged-in-time", record, at(5, 9)),
        Expected("FAIL", ACK_DUE, ("overdue since 2026-03-04 17:30 GMT",), (None,)),
    )


def test_acknowledging_status_counts():
    record = derive(
        [status_change("changelog:500", at(3, 9, 30), "Acknowledged", "Open")],
        status="Acknowledged",
    )
    assert record.acknowledged is not None
    assert record.acknowledged.note == "acknowledging status"
    assert_result(
        run_check("acknowledged-in-time", record, at(3, 12)),
        Expected("PASS", ACK_DUE, ("on time",), ("changelog:500",)),
    )


def test_acknowledging_status_set_by_the_connector_does_not_count():
    record = derive(
        [status_change("changelog:501", at(3, 9, 30), "Acknowledged", "Open", role=ActorRole.CONNECTOR)],
        status="Acknowledged",
    )
    assert record.acknowledged is None


def test_earliest_of_reply_and_status_wins():
    record = derive(
        [
            comment("comment:10050", at(3, 11)),
            status_change("changelog:502", at(3, 9), "Acknowledged", "Open"),
        ],
        status="Acknowledged",
    )
    assert record.acknowledged is not None
    assert record.acknowledged.ref() == "changelog:502"


# -- assessed-in-time -------------------------------------------------------------------------
# Baseline: default 3 business days (Thu 03-05 17:30), critical 4 business hours
# (Mon 10:00 + 4h of working time = Mon 14:00), high 1 business days (Tue 03-03 17:30).

ASSESSED = [
    pytest.param(
        {"severity": Severity.HIGH, "assessed": ref("changelog:700", at(3, 10))},
        at(3, 12),
        Expected("PASS", at(3, 17, 30), ("on time",), ("changelog:700",), {"target": "1 business day"}),
        id="high-assessed-next-day-passes",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL, "assessed": ref("changelog:701", at(2, 15))},
        at(2, 16),
        Expected(
            "FAIL",
            at(2, 14),
            ("late", "done 2026-03-02 15:00 GMT", "due 2026-03-02 14:00 GMT"),
            ("changelog:701",),
            {"target": "4 business hours", "late_by_hours": 1.0},
        ),
        id="critical-assessed-after-four-business-hours-fails",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(2, 12),
        Expected("AT_RISK", at(2, 14), ("due 2026-03-02 14:00 GMT",), (None,)),
        id="critical-unassessed-at-risk",
    ),
    pytest.param(
        {"severity": Severity.MEDIUM},
        at(2, 12),
        Expected(
            "PENDING", at(5, 17, 30), ("due 2026-03-05 17:30 GMT",), (None,), {"target": "3 business days"}
        ),
        id="medium-unassessed-pending",
    ),
    pytest.param(
        {"severity": None},
        at(6, 9),
        Expected("FAIL", at(5, 17, 30), ("overdue since 2026-03-05 17:30 GMT",), (None,)),
        id="no-severity-uses-default-target-and-fails-overdue",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), ASSESSED)
def test_assessed_in_time(overrides, now, expected):
    assert_result(run_check("assessed-in-time", make_record(**overrides), now), expected)


def test_assessment_from_priority_change_by_agent_only():
    from compliance_checks.model import Event, EventKind, SourceKind

    def priority(source_id, when, role):
        return Event(
            at=when,
            kind=EventKind.PRIORITY_CHANGE,
            source_kind=SourceKind.CHANGELOG,
            source_id=source_id,
            actor_role=role,
            field="priority",
            from_value="Medium",
            to_value="High",
        )

    record = derive(
        [priority("800", at(2, 10, 30), ActorRole.COMPLAINANT), priority("801", at(2, 11), ActorRole.AGENT)],
        status="Open",
    )
    assert record.assessed is not None
    assert record.assessed.ref() == "changelog:801"


def test_no_target_is_not_applicable():
    result = run_check("acknowledged-in-time", make_record(), target={"by_severity": {"critical": "1 hours"}})
    assert result.status.value == "NOT_APPLICABLE"
    assert result.due_at is None
