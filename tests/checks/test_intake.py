"""record-complete and remedy-recorded (7.2)."""

from __future__ import annotations

import pytest

from compliance_checks.model import Party, Stage
from tests.checks.conftest import Expected, assert_result, at, make_record, run_check

ALL_FIELDS = (
    "field:received_at",
    "field:channel",
    "field:complainant",
    "field:complainant_contact",
    "field:description",
    "field:product",
    "field:category",
)

# record-complete: baseline grace 1 business days -> due at the close of the first business
# day after Mon 2026-03-02, i.e. Tue 2026-03-03 17:30 GMT.
GRACE_DUE = at(3, 17, 30)

RECORD_COMPLETE = [
    pytest.param(
        {},
        at(2, 12),
        {},
        Expected("PASS", None, ("All required intake fields are recorded",), ALL_FIELDS),
        id="complete-record-passes",
    ),
    pytest.param(
        {"description": None, "summary": "Charged twice"},
        at(2, 12),
        {},
        Expected("PASS", None, ("recorded",), ALL_FIELDS),
        id="summary-stands-in-for-description",
    ),
    pytest.param(
        {"channel": None},
        at(2, 12),
        {},
        # now Mon 12:00 + warning window 1 business days = Tue 17:30 >= due -> AT_RISK
        Expected("AT_RISK", GRACE_DUE, ("Missing intake fields: channel",), ("field:channel",)),
        id="missing-channel-inside-warning-window-at-risk",
    ),
    pytest.param(
        {"channel": None},
        at(2, 12),
        {"grace": "3 business days"},
        # 3 business days after Mon 03-02 -> Thu 03-05 17:30; Mon 12:00 + 1bd = Tue 17:30 < due
        Expected("PENDING", at(5, 17, 30), ("channel",), ("field:channel",)),
        id="missing-channel-long-grace-pending",
    ),
    pytest.param(
        {"complainant": Party(id="cust-1"), "product": "  "},
        at(4, 9),
        {},
        # Wed 03-04 09:00 > Tue 03-03 17:30 -> FAIL; blank text counts as missing
        Expected(
            "FAIL",
            GRACE_DUE,
            ("Missing intake fields: complainant contact, product",),
            ("field:complainant_contact", "field:product"),
        ),
        id="missing-contact-and-blank-product-after-grace-fail",
    ),
    pytest.param(
        {"category": None, "stage": Stage.RESOLVED},
        at(2, 12),
        {},
        # a finished complaint has no grace left: FAIL without a clock
        Expected("FAIL", None, ("category",), ("field:category",)),
        id="resolved-with-missing-category-fails-at-once",
    ),
    pytest.param(
        {"channel": None},
        at(2, 12),
        {"grace": None},
        Expected("FAIL", None, ("channel",), ("field:channel",)),
        id="no-grace-fails-at-once",
    ),
    pytest.param(
        {"severity": None},
        at(2, 12),
        {"fields": ["received_at", "severity"]},
        Expected("AT_RISK", GRACE_DUE, ("severity",), ("field:severity",)),
        id="configured-field-list-is-used",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "params", "expected"), RECORD_COMPLETE)
def test_record_complete(overrides, now, params, expected):
    assert_result(run_check("record-complete", make_record(**overrides), now, **params), expected)


def test_record_complete_rejects_unknown_field_names():
    with pytest.raises(ValueError, match="unknown fields"):
        run_check("record-complete", make_record(), fields=["channel", "shoe_size"])


# remedy-recorded: baseline grace 2 business days -> Wed 2026-03-04 17:30 GMT.
REMEDY_DUE = at(4, 17, 30)

REMEDY_RECORDED = [
    pytest.param(
        {},
        at(2, 12),
        Expected("PASS", None, ("Remedy sought is recorded",), ("field:remedy_sought",)),
        id="remedy-recorded-passes",
    ),
    pytest.param(
        {"remedy_sought": None},
        at(2, 12),
        # Mon 12:00 + 1bd = Tue 03-03 17:30 < Wed 17:30 -> PENDING
        Expected("PENDING", REMEDY_DUE, ("Remedy sought not recorded",), ("field:remedy_sought",)),
        id="missing-remedy-early-pending",
    ),
    pytest.param(
        {"remedy_sought": ""},
        at(3, 12),
        # Tue 12:00 + 1bd = Wed 17:30 >= due -> AT_RISK
        Expected("AT_RISK", REMEDY_DUE, ("Remedy sought not recorded",), ("field:remedy_sought",)),
        id="empty-remedy-day-before-due-at-risk",
    ),
    pytest.param(
        {"remedy_sought": None},
        at(5, 9),
        Expected("FAIL", REMEDY_DUE, ("Remedy sought not recorded",), ("field:remedy_sought",)),
        id="missing-remedy-after-grace-fail",
    ),
    pytest.param(
        {"remedy_sought": None},
        at(4, 17, 30),
        # exactly at the due instant it is not overdue yet
        Expected("AT_RISK", REMEDY_DUE, (), ("field:remedy_sought",)),
        id="at-the-due-instant-not-yet-fail",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), REMEDY_RECORDED)
def test_remedy_recorded(overrides, now, expected):
    assert_result(run_check("remedy-recorded", make_record(**overrides), now), expected)


def test_remedy_evidence_shows_the_value():
    result = run_check("remedy-recorded", make_record())
    assert result.evidence[0].note == "remedy_sought = Refund the duplicate charge"


def test_messages_name_fields_as_a_person_reads_them():
    """A finding's message is read on the ticket and in reports: field titles, not record keys
    (the keys stay in the evidence refs and the ``missing`` fact)."""
    incomplete = run_check("record-complete", make_record(channel=None, complainant=Party(id="c")), at(9, 9))
    assert incomplete.message == "Missing intake fields: channel, complainant contact"
    assert incomplete.facts["missing"] == "channel, complainant_contact"
    remedy = run_check("remedy-recorded", make_record(remedy_sought=None), at(9, 9))
    assert remedy.message == "Remedy sought not recorded"
    assert [e.ref for e in remedy.evidence] == ["field:remedy_sought"]
