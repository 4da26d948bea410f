"""kept-informed (7.3) and escalated-when-required (7.5, 7.6)."""

from __future__ import annotations

import pytest

from compliance_checks.model import ActorRole, Severity, Stage
from tests.checks.conftest import (
    Expected,
    assert_result,
    at,
    comment,
    make_record,
    pause,
    ref,
    run_check,
)

# kept-informed: max_gap 10 business days (pausable). Counting business days after the day of
# the last contact: from Mon 03-02 the 10th is Mon 03-16 (close 17:30 GMT); from Tue 03-03 it is
# Tue 03-17; from Thu 03-05 it is Thu 03-19.

KEPT_INFORMED = [
    pytest.param(
        {
            "timeline": (
                comment("comment:101", at(3, 10)),
                comment("comment:102", at(26, 10)),
            )
        },
        at(27, 12),
        # gap Tue 03-03 -> Thu 03-26; the update was due Tue 03-17 17:30
        {},
        Expected(
            "FAIL",
            at(17, 17, 30),
            ("longer than 10 business days", "silence from 2026-03-03 to 2026-03-26"),
            ("comment:101", "comment:102"),
        ),
        id="historic-gap-fails-citing-both-events",
    ),
    pytest.param(
        {
            "timeline": (
                comment("comment:101", at(3, 10)),
                comment("comment:102", at(12, 10)),
                comment("comment:103", at(20, 10)),
            ),
            "stage": Stage.RESOLVED,
            "decided": ref("changelog:900", at(20, 11)),
        },
        at(23, 12),
        {},
        Expected(
            "PASS",
            None,
            ("at least every 10 business days",),
            ("comment:101", "comment:102", "comment:103"),
            {"updates": 3},
        ),
        id="regular-updates-until-decision-pass",
    ),
    pytest.param(
        {"timeline": (comment("comment:101", at(3, 10)),)},
        at(9, 12),
        # open: running clock from the last contact (Tue 03-03) -> Tue 03-17 17:30;
        # Mon 03-09 12:00 + 1bd = Tue 03-10 17:30 < due
        {},
        Expected("PENDING", at(17, 17, 30), ("due 2026-03-17 17:30 GMT",), ("comment:101", None)),
        id="open-recent-update-pending",
    ),
    pytest.param(
        {"timeline": (comment("comment:101", at(2, 11)),)},
        at(13, 12),
        # last contact Mon 03-02 -> due Mon 03-16 17:30; Fri 03-13 12:00 + 1bd = Mon 17:30 >= due
        {},
        Expected("AT_RISK", at(16, 17, 30), ("due 2026-03-16 17:30 GMT",), ("comment:101", None)),
        id="open-update-due-next-business-day-at-risk",
    ),
    pytest.param(
        {},
        at(17, 9),
        # never updated: silence runs from receipt (Mon 03-02) -> due Mon 03-16 17:30
        {},
        Expected("FAIL", at(16, 17, 30), ("overdue since 2026-03-16 17:30 GMT",), ("derived:received", None)),
        id="never-updated-overdue-fails",
    ),
    pytest.param(
        {
            "timeline": (
                comment("comment:201", at(3, 10), public=False),
                comment("comment:202", at(4, 10), role=ActorRole.COMPLAINANT),
                comment("comment:203", at(5, 10), role=ActorRole.CONNECTOR),
            )
        },
        at(17, 9),
        # internal notes, the complainant's own replies and our own notes are not updates
        {},
        Expected("FAIL", at(16, 17, 30), ("overdue",), ("derived:received", None), {"updates": 0}),
        id="internal-complainant-and-connector-comments-are-not-updates",
    ),
    pytest.param(
        {"paused": (pause(at(3, 9), at(5, 9)),), "stage": Stage.INVESTIGATING},
        at(17, 9),
        # waiting on the complainant Tue 03-03 09:00 -> Thu 03-05 09:00 = 2 x 8.5 = 17 working
        # hours: Mon 03-16 17:30 + 17h -> Tue 03-17 (8.5h) -> Wed 03-18 17:30.
        # Tue 03-17 09:00 + 1bd = Wed 03-18 17:30 >= due -> AT_RISK (FAIL without the pause)
        {},
        Expected("AT_RISK", at(18, 17, 30), ("due 2026-03-18 17:30 GMT",), ("derived:received", None)),
        id="waiting-on-complainant-extends-the-gap",
    ),
    pytest.param(
        {"paused": (pause(at(3, 9), at(5, 9)),)},
        at(17, 9),
        {"pausable": False},
        Expected("FAIL", at(16, 17, 30), ("overdue since 2026-03-16 17:30 GMT",)),
        id="not-pausable-when-configured",
    ),
    pytest.param(
        {"paused": (pause(at(3, 9), None),), "stage": Stage.AWAITING_COMPLAINANT},
        at(5, 12),
        # still waiting on the complainant since Tue 03-03 09:00: paused so far (as of Thu 12:00)
        # 8.5 + 8.5 + 3 = 20 working hours; Mon 03-16 17:30 + 20h -> Thu 03-19 12:00
        {},
        Expected("PENDING", at(19, 12), ("due 2026-03-19 12:00 GMT",), ("derived:received", None)),
        id="currently-waiting-on-complainant-pending",
    ),
    pytest.param(
        {"stage": Stage.RESOLVED, "decided": ref("changelog:900", at(27, 10))},
        at(27, 12),
        # no update at all between receipt and a decision 19 business days later
        {},
        Expected(
            "FAIL",
            at(16, 17, 30),
            ("longer than 10 business days", "silence from 2026-03-02 to 2026-03-27"),
            ("derived:received", "changelog:900"),
        ),
        id="silence-until-a-late-decision-fails",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "params", "expected"), KEPT_INFORMED)
def test_kept_informed(overrides, now, params, expected):
    assert_result(run_check("kept-informed", make_record(**overrides), now, **params), expected)


def test_update_after_the_decision_does_not_count():
    record = make_record(
        timeline=(comment("comment:101", at(3, 10)), comment("comment:102", at(30, 10))),
        stage=Stage.RESOLVED,
        decided=ref("changelog:900", at(27, 10)),
    )
    result = run_check("kept-informed", record, at(30, 12))
    assert result.status.value == "FAIL"
    assert [e.ref for e in result.evidence] == ["comment:101", "changelog:900"]


# -- escalated-when-required ------------------------------------------------------------------
# Critical: escalate within 4 business hours of Mon 10:00 -> Mon 14:00 GMT.
# Others: escalate once the response target passes (20 business days from Mon 03-02 ->
# Mon 03-30 17:30 BST, after the clocks change on 03-29; high 10 business days -> Mon 03-16).

ESCALATION = [
    pytest.param(
        {"severity": Severity.CRITICAL, "escalated": ref("changelog:300", at(2, 13))},
        at(2, 16),
        {},
        Expected("PASS", at(2, 14), ("on time",), ("changelog:300",)),
        id="critical-escalated-within-4-business-hours-pass",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL, "escalated": ref("changelog:301", at(2, 15))},
        at(2, 16),
        {},
        Expected(
            "FAIL",
            at(2, 14),
            ("late", "done 2026-03-02 15:00 GMT", "due 2026-03-02 14:00 GMT"),
            ("changelog:301",),
        ),
        id="critical-escalated-after-4-business-hours-fail",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(2, 14, 30),
        {},
        Expected("FAIL", at(2, 14), ("overdue since 2026-03-02 14:00 GMT",), (None,)),
        id="critical-not-escalated-overdue-fail",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(2, 12),
        {},
        Expected("AT_RISK", at(2, 14), ("due 2026-03-02 14:00 GMT",), (None,)),
        id="critical-not-escalated-yet-at-risk",
    ),
    pytest.param(
        {"severity": Severity.CRITICAL},
        at(2, 12),
        {"target": "3 business days"},
        Expected("PENDING", at(5, 17, 30), ("due 2026-03-05 17:30 GMT",), (None,)),
        id="critical-longer-target-pending",
    ),
    pytest.param(
        {"severity": Severity.MEDIUM},
        at(9, 12),
        {},
        Expected("NOT_APPLICABLE", at(30, 17, 30), ("not required",), ()),
        id="medium-within-response-target-not-applicable",
    ),
    pytest.param(
        {"severity": Severity.MEDIUM},
        at(31, 10),
        {},
        Expected(
            "FAIL", at(30, 17, 30), ("Response target (20 business days) passed without escalation",), (None,)
        ),
        id="medium-open-past-response-target-not-escalated-fail",
    ),
    pytest.param(
        {"severity": Severity.MEDIUM, "escalated": ref("changelog:302", at(31, 9, 30))},
        at(31, 10),
        {},
        Expected("PASS", at(30, 17, 30), ("Overdue complaint was escalated",), ("changelog:302",)),
        id="medium-overdue-and-escalated-pass",
    ),
    pytest.param(
        {"severity": Severity.HIGH, "stage": Stage.RESOLVED, "decided": ref("changelog:303", at(18, 10))},
        at(20, 10),
        {},
        Expected("FAIL", at(16, 17, 30), ("passed without escalation",), (None,)),
        id="high-decided-late-without-escalation-fail",
    ),
    pytest.param(
        {"severity": Severity.MEDIUM},
        at(31, 10),
        {"escalate_when_response_overdue": False},
        Expected("NOT_APPLICABLE", None, ("not required",), ()),
        id="overdue-rule-switched-off",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "params", "expected"), ESCALATION)
def test_escalated_when_required(overrides, now, params, expected):
    assert_result(run_check("escalated-when-required", make_record(**overrides), now, **params), expected)


def test_escalation_overdue_rule_with_running_pause_does_not_crash():
    # open and currently waiting on the complainant since Mon 03-02 11:00
    record = make_record(stage=Stage.AWAITING_COMPLAINANT, paused=(pause(at(2, 11), None),))
    result = run_check("escalated-when-required", record, at(9, 12))
    assert result.status.value == "NOT_APPLICABLE"
