"""root-cause-recorded (8.2) and satisfaction-offered (8.3)."""

from __future__ import annotations

import pytest

from compliance_checks.model import Outcome, Stage
from tests.checks.conftest import Expected, assert_result, at, make_record, ref, run_check

# Decision Tue 03-10 11:00; 5 business days after -> Tue 03-17 17:30 GMT (both checks).
DECIDED = ref("changelog:400", at(10, 11))
DUE = at(17, 17, 30)
RESOLVED = {"stage": Stage.RESOLVED, "decided": DECIDED}

ROOT_CAUSE = [
    pytest.param(
        {"outcome": Outcome.UPHELD, "root_cause": "RC-BILLING-03"},
        at(11, 9),
        Expected("PASS", None, ("Root cause recorded",), ("field:root_cause",)),
        id="upheld-with-root-cause-pass",
    ),
    pytest.param(
        {"outcome": Outcome.PARTLY_UPHELD},
        at(11, 12),
        # Wed 12:00 + 1bd = Thu 03-12 17:30 < due
        Expected("PENDING", DUE, ("not recorded yet",), (None,)),
        id="partly-upheld-missing-pending",
    ),
    pytest.param(
        {"outcome": Outcome.UPHELD},
        at(16, 12),
        # Mon 03-16 12:00 + 1bd = Tue 03-17 17:30 >= due
        Expected("AT_RISK", DUE, ("not recorded yet",), (None,)),
        id="upheld-missing-due-tomorrow-at-risk",
    ),
    pytest.param(
        {"outcome": Outcome.UPHELD},
        at(18, 9),
        Expected("FAIL", DUE, ("Root cause not recorded",), (None,)),
        id="upheld-missing-after-5-business-days-fail",
    ),
    pytest.param(
        {"outcome": Outcome.UPHELD, "stage": Stage.CLOSED},
        at(11, 9),
        Expected("FAIL", DUE, ("Root cause not recorded",), (None,)),
        id="closed-without-root-cause-fails-before-due",
    ),
    pytest.param(
        {"outcome": Outcome.NOT_UPHELD},
        at(18, 9),
        Expected("NOT_APPLICABLE", None, ("not required for outcome not_upheld",), ()),
        id="not-upheld-not-applicable",
    ),
    pytest.param(
        {"outcome": Outcome.WITHDRAWN},
        at(18, 9),
        Expected("NOT_APPLICABLE", None, ("withdrawn",), ()),
        id="withdrawn-not-applicable",
    ),
    pytest.param(
        {"stage": Stage.INVESTIGATING, "decided": None, "outcome": Outcome.UPHELD},
        at(18, 9),
        Expected("NOT_APPLICABLE", None, ("No decision yet",), ()),
        id="undecided-not-applicable",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), ROOT_CAUSE)
def test_root_cause_recorded(overrides, now, expected):
    assert_result(run_check("root-cause-recorded", make_record(**{**RESOLVED, **overrides}), now), expected)


SATISFACTION = [
    pytest.param(
        {"satisfaction_offered": ref("ticket_event:555", at(11, 10))},
        at(12, 9),
        Expected("PASS", DUE, ("on time",), ("ticket_event:555",)),
        id="survey-next-day-pass",
    ),
    pytest.param(
        {"satisfaction_offered": ref("ticket_event:556", at(18, 10))},
        at(18, 12),
        Expected(
            "FAIL",
            DUE,
            ("late", "done 2026-03-18 10:00 GMT", "due 2026-03-17 17:30 GMT"),
            ("ticket_event:556",),
        ),
        id="survey-late-fail",
    ),
    pytest.param(
        {},
        at(18, 9),
        Expected("FAIL", DUE, ("overdue since 2026-03-17 17:30 GMT",), (None,)),
        id="no-survey-overdue-fail",
    ),
    pytest.param(
        {},
        at(16, 12),
        Expected("AT_RISK", DUE, ("due 2026-03-17 17:30 GMT",), (None,)),
        id="no-survey-due-tomorrow-at-risk",
    ),
    pytest.param(
        {},
        at(11, 12),
        Expected("PENDING", DUE, ("due 2026-03-17 17:30 GMT",), (None,)),
        id="no-survey-yet-pending",
    ),
    pytest.param(
        {"outcome": Outcome.WITHDRAWN},
        at(18, 9),
        Expected("NOT_APPLICABLE", None, ("No survey for this outcome",), ()),
        id="withdrawn-skipped",
    ),
    pytest.param(
        {"stage": Stage.INVESTIGATING, "decided": None},
        at(18, 9),
        Expected("NOT_APPLICABLE", None, ("No decision yet",), ()),
        id="undecided-not-applicable",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), SATISFACTION)
def test_satisfaction_offered(overrides, now, expected):
    record = make_record(**{**RESOLVED, "outcome": Outcome.UPHELD, **overrides})
    assert_result(run_check("satisfaction-offered", record, now), expected)
