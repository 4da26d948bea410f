"""closure-evidence (7.9)."""

from __future__ import annotations

import pytest

from compliance_checks.model import ComplainantResponse, Outcome, Stage
from tests.checks.conftest import Expected, assert_result, at, make_record, ref, run_check

FIELDS = (
    "field:outcome",
    "field:resolution_summary",
    "field:complainant_response",
    "field:closure_reason",
    "field:recourse_given",
)
# Decision Tue 03-10 11:00; grace 2 business days -> Thu 03-12 17:30 GMT.
DECIDED = ref("changelog:400", at(10, 11))
COMPLETE = {
    "stage": Stage.CLOSED,
    "decided": DECIDED,
    "closed": ref("changelog:401", at(11, 9)),
    "outcome": Outcome.UPHELD,
    "resolution_summary": "Duplicate charge refunded",
    "complainant_response": ComplainantResponse.ACCEPTED,
}

CLOSURE = [
    pytest.param(
        {}, at(12, 9), Expected("PASS", None, ("Closure evidence complete",), FIELDS), id="complete-pass"
    ),
    pytest.param(
        {"complainant_response": ComplainantResponse.REJECTED, "recourse_given": False},
        at(12, 9),
        Expected(
            "FAIL", None, ("Closure evidence missing: recourse information (decision rejected)",), FIELDS
        ),
        id="rejected-without-recourse-fail",
    ),
    pytest.param(
        {"complainant_response": ComplainantResponse.REJECTED, "recourse_given": True},
        at(12, 9),
        Expected("PASS", None, ("complete",), FIELDS),
        id="rejected-with-recourse-pass",
    ),
    pytest.param(
        {"complainant_response": None, "closure_reason": "No reply after 14 days"},
        at(12, 9),
        Expected("PASS", None, ("complete",), FIELDS),
        id="closure-reason-instead-of-response-pass",
    ),
    pytest.param(
        {"outcome": None, "resolution_summary": "", "complainant_response": ComplainantResponse.NONE},
        at(12, 9),
        Expected(
            "FAIL",
            None,
            ("missing: outcome, resolution summary, complainant response or closure reason",),
            FIELDS,
            {"missing": "outcome, resolution summary, complainant response or closure reason"},
        ),
        id="closed-with-nothing-recorded-fail",
    ),
    pytest.param(
        {"stage": Stage.RESOLVED, "closed": None, "resolution_summary": None},
        at(10, 12),
        # Tue 12:00 + 1bd = Wed 03-11 17:30 < Thu 17:30
        Expected("PENDING", at(12, 17, 30), ("resolution summary",), FIELDS),
        id="resolved-incomplete-within-grace-pending",
    ),
    pytest.param(
        {"stage": Stage.RESOLVED, "closed": None, "resolution_summary": None},
        at(11, 12),
        Expected("AT_RISK", at(12, 17, 30), ("resolution summary",), FIELDS),
        id="resolved-incomplete-grace-ends-tomorrow-at-risk",
    ),
    pytest.param(
        {"stage": Stage.RESOLVED, "closed": None, "resolution_summary": None},
        at(13, 9),
        Expected("FAIL", at(12, 17, 30), ("resolution summary",), FIELDS),
        id="resolved-incomplete-after-grace-fail",
    ),
    pytest.param(
        {"stage": Stage.INVESTIGATING, "decided": None, "closed": None},
        at(12, 9),
        Expected("NOT_APPLICABLE", None, ("not resolved",), ()),
        id="open-not-applicable",
    ),
]


@pytest.mark.parametrize(("overrides", "now", "expected"), CLOSURE)
def test_closure_evidence(overrides, now, expected):
    record = make_record(**{**COMPLETE, **overrides})
    assert_result(run_check("closure-evidence", record, now), expected)


def test_recourse_required_for_configured_outcomes():
    record = make_record(**{**COMPLETE, "outcome": Outcome.NOT_UPHELD})
    result = run_check("closure-evidence", record, at(12, 9), recourse_required_for=["not_upheld"])
    assert result.status.value == "FAIL"
    assert result.message.endswith("recourse information")


def test_closure_evidence_shows_values():
    result = run_check("closure-evidence", make_record(**COMPLETE), at(12, 9))
    notes = [e.note for e in result.evidence]
    assert "outcome = upheld" in notes
    assert "closure_reason = (empty)" in notes
