"""response-in-time (7.7) and decision-communicated (7.8)."""

from __future__ import annotations

import pytest

from compliance_checks.model import Interval, Severity, Stage
from tests.checks.conftest import (
    Expected,
    assert_result,
    at,
    comment,
    derive,
    make_record,
    pause,
    ref,
    run_check,
    status_change,
)

# Baseline response targets from Mon 2026-03-02 10:00:
#   default 20 business days -> Mon 03-30 17:30 BST (clocks went forward on Sun 03-29)
#   critical 5 business days -> Mon 03-09 17:30 GMT
#   high 10 business days    -> Mon 03-16 17:30 GMT

RESPONSE = [
    pytest.param(
        {"stage": Stage.RESOLVED, "decided": ref("changelog:400", at(20, 10))},
        at(23, 9),
        {},
        Expected("PASS", at(30, 17, 30), ("on time",), ("changelog:400",), {"target": "20 business days"}),
        id="medium-decided-within-20-business-days-pass",
    ),
    pytest.param(
        {"severity": Severity.HIGH, "stage": Stage.RESOLVED, "decided": ref("changelog:401", at(17, 10))},
        at(18, 9),
        {},
        Expected(
            "FAIL",
            at(16, 17, 30),
            ("late", "done 2026-03-17 10:00 GMT", "due 2026-03-16 17:30 GMT"),
            ("changelog:401",),
            {"target": "10 business days"},
        ),
        id="high-decided-after-10-business-days-fail",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(10, 9),
        {},
        Expected("FAIL", at(9, 17, 30), ("overdue since 2026-03-09 17:30 GMT",), (None,)),
        id="critical-open-past-5-business-days-fail",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(6, 12),
        {},
        # Fri 03-06 12:00 + 1bd = Mon 03-09 17:30 >= due
        Expected("AT_RISK", at(9, 17, 30), ("due 2026-03-09 17:30 GMT",), (None,)),
        id="critical-due-next-business-day-at-risk",
    ),
    pytest.param(
        {},
        at(2, 12),
        {},
        Expected("PENDING", at(30, 17, 30), ("due 2026-03-30 17:30 BST",), (None,)),
        id="medium-just-received-pending",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL, "paused": (pause(at(3, 9), at(5, 9)),)},
        at(10, 12),
        {},
        # waiting on the complainant Tue 09:00 -> Thu 09:00 = 17 working hours:
        # Mon 03-09 17:30 + 17h -> Tue 03-10 (8.5h) -> Wed 03-11 17:30.
        # Tue 12:00 + 1bd = Wed 17:30 >= due -> AT_RISK (FAIL without the pause)
        Expected("AT_RISK", at(11, 17, 30), ("due 2026-03-11 17:30 GMT",), (None,)),
        id="waiting-on-complainant-extends-the-target",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL, "paused": (pause(at(3, 9), at(5, 9)),)},
        at(10, 12),
        {"pausable": False},
        Expected("FAIL", at(9, 17, 30), ("overdue",), (None,)),
        id="regulatory-clock-never-pauses",
    ),
    pytest.param(
        {
            "severity": Severity.CRITICAL,
            "stage": Stage.AWAITING_COMPLAINANT,
            "paused": (pause(at(3, 9), None),),
        },
        at(5, 12),
        {},
        # still waiting since Tue 09:00; paused so far 8.5 + 8.5 + 3 = 20 working hours:
        # Mon 03-09 17:30 + 20h -> Tue (8.5) -> Wed (8.5) -> Thu 03-12 12:00
        Expected("PENDING", at(12, 12), ("due 2026-03-12 12:00 GMT",), (None,)),
        id="running-pause-counts-until-now",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "params", "expected"), RESPONSE)
def test_response_in_time(overrides, now, params, expected):
    assert_result(run_check("response-in-time", make_record(**overrides), now, **params), expected)


BY_SEVERITY_AND_CATEGORY = {
    "default": "20 business days",
    "by_severity": {"critical": "5 business days", "high": "10 business days"},
    "by_category": {"Billing": "2 business days"},
}

TARGETS = [
    pytest.param(
        {"severity": Severity.CRITICAL, "category": "billing"},
        at(4, 17, 30),
        "2 business days",
        id="category-wins-over-severity-case-insensitive",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL, "category": "Delivery"},
        at(9, 17, 30),
        "5 business days",
        id="critical-by-severity",
    ),
    pytest.param(
        {"severity": Severity.HIGH, "category": None},
        at(16, 17, 30),
        "10 business days",
        id="high-by-severity",
    ),
    pytest.param(
        {"severity": Severity.LOW, "category": "Delivery"},
        at(30, 17, 30),
        "20 business days",
        id="low-falls-back-to-default",
    ),
]


@pytest.mark.parametrize(("overrides", "due_at", "target"), TARGETS)
def test_targets_by_severity_and_category(overrides, due_at, target):
    result = run_check(
        "response-in-time", make_record(**overrides), at(2, 12), target=BY_SEVERITY_AND_CATEGORY
    )
    assert result.due_at == due_at
    assert result.facts["target"] == target


def test_pausing_extends_response_but_not_acknowledgement():
    """Waiting on the complainant (a pausing stage in the mapping) stops response-in-time only."""
    record = derive(
        [
            status_change("changelog:601", at(3, 9), "Waiting for customer", "In Progress"),
            status_change("changelog:602", at(5, 9), "In Progress", "Waiting for customer"),
            comment("comment:10050", at(5, 10)),
            status_change("changelog:603", at(11, 10), "Resolved", "In Progress"),
        ],
        status="Resolved",
        priority="Highest",
    )
    assert record.severity is Severity.CRITICAL
    assert record.paused == (Interval(start=at(3, 9), end=at(5, 9)),)
    # response: 5 business days (Mon 03-09 17:30) + 17 paused working hours -> Wed 03-11 17:30
    assert_result(
        run_check("response-in-time", record, at(12, 9)),
        Expected("PASS", at(11, 17, 30), ("on time",), ("changelog:603",)),
    )
    # acknowledgement is not pausable: still due Wed 03-04 17:30, the Thu reply is late
    assert_result(
        run_check("acknowledged-in-time", record, at(12, 9)),
        Expected("FAIL", at(4, 17, 30), ("late", "due 2026-03-04 17:30 GMT"), ("comment:10050",)),
    )


# -- decision-communicated: within 1 business days of the decision -----------------------------
# Decision Tue 03-10 11:00 -> due at the close of Wed 03-11 (17:30 GMT).
DECIDED = ref("changelog:400", at(10, 11))

COMMUNICATED = [
    pytest.param(
        {"decision_communicated": ref("comment:10060", at(10, 11, 5))},
        at(10, 12),
        {},
        Expected("PASS", at(11, 17, 30), ("on time",), ("comment:10060",)),
        id="reply-right-after-decision-pass",
    ),
    pytest.param(
        {"decision_communicated": ref("comment:10061", at(12, 10))},
        at(12, 12),
        {},
        Expected(
            "FAIL",
            at(11, 17, 30),
            ("late", "done 2026-03-12 10:00 GMT", "due 2026-03-11 17:30 GMT"),
            ("comment:10061",),
        ),
        id="reply-two-days-later-fail",
    ),
    pytest.param(
        {},
        at(12, 9),
        {},
        Expected("FAIL", at(11, 17, 30), ("overdue since 2026-03-11 17:30 GMT",), (None,)),
        id="never-communicated-fail",
    ),
    pytest.param(
        {},
        at(10, 12),
        {},
        Expected("AT_RISK", at(11, 17, 30), ("due 2026-03-11 17:30 GMT",), (None,)),
        id="not-yet-communicated-at-risk",
    ),
    pytest.param(
        {},
        at(10, 12),
        {"within": "3 business days"},
        # 3 business days after Tue 03-10 -> Fri 03-13, which closes at 17:00
        Expected("PENDING", at(13, 17), ("due 2026-03-13 17:00 GMT",), (None,)),
        id="longer-allowance-pending-friday-close",
    ),
    pytest.param(
        {"decided": None, "stage": Stage.INVESTIGATING},
        at(10, 12),
        {},
        Expected("NOT_APPLICABLE", None, ("No decision yet",), ()),
        id="no-decision-not-applicable",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "params", "expected"), COMMUNICATED)
def test_decision_communicated(overrides, now, params, expected):
    record = make_record(**{"stage": Stage.RESOLVED, "decided": DECIDED, **overrides})
    assert_result(run_check("decision-communicated", record, now, **params), expected)


SAME_UPDATE = [
    pytest.param(at(10, 10, 59, second=30), "comment:10070", id="reply-30s-before-resolving-same-update"),
    pytest.param(at(10, 11), "comment:10070", id="reply-at-the-decision-instant"),
    pytest.param(at(10, 10, 55), None, id="reply-5min-before-is-not-the-decision"),
]


@pytest.mark.parametrize(("reply_at", "expected_ref"), SAME_UPDATE)
def test_decision_communicated_same_update_tolerance(reply_at, expected_ref):
    record = derive(
        [
            comment("comment:10070", reply_at),
            status_change("changelog:400", at(10, 11), "Resolved", "In Progress"),
        ],
        status="Resolved",
    )
    assert record.decided is not None
    assert record.decided.ref() == "changelog:400"
    communicated = record.decision_communicated
    assert (communicated.ref() if communicated else None) == expected_ref
    result = run_check("decision-communicated", record, at(12, 9))
    assert result.status.value == ("PASS" if expected_ref else "FAIL")


def test_internal_note_after_decision_does_not_communicate_it():
    record = derive(
        [
            status_change("changelog:400", at(10, 11), "Resolved", "In Progress"),
            comment("comment:10071", at(10, 12), public=False),
        ],
        status="Resolved",
    )
    assert record.decision_communicated is None


def test_reply_after_closure_does_not_communicate_the_decision():
    record = derive(
        [
            status_change("changelog:400", at(10, 11), "Resolved", "In Progress"),
            status_change("changelog:401", at(11, 11), "Closed", "Resolved"),
            comment("comment:10072", at(11, 12)),
        ],
        status="Closed",
    )
    assert record.closed is not None
    assert record.closed.ref() == "changelog:401"
    assert record.decision_communicated is None
