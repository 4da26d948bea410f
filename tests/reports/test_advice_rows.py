"""The audit's exception rows show the advice that can still be followed (``compliance_checks.advice``)."""

from __future__ import annotations

from compliance_checks.advice import CLOSED_ADVICE, LATE_ADVICE
from compliance_checks.findings import Status
from compliance_checks.model import Stage
from report_templates.audit_rows import exception_row_html
from report_templates.views.audit import exception_row
from tests.reports.builders import at, finding, record

TZ = "Europe/London"
CLOSED = record("CS-1", at("2026-10-01"), stage=Stage.CLOSED)


def test_a_breach_on_a_closed_complaint_asks_for_the_corrective_action() -> None:
    f = finding("CS-1", "kept-informed", Status.FAIL, at("2026-10-06"))
    assert exception_row(f, TZ).remediation == "Act on it."
    row = exception_row(f, TZ, CLOSED)
    assert row.remediation == CLOSED_ADVICE
    assert "can no longer be fixed on the ticket" in exception_row_html(row)


def test_a_step_done_late_cannot_be_undone_on_an_open_complaint() -> None:
    f = finding("CS-2", "acknowledged-in-time", Status.FAIL, at("2026-10-06"), facts={"late_by_hours": 3.0})
    assert exception_row(f, TZ).remediation == LATE_ADVICE


def test_a_waived_exception_has_no_remedy() -> None:
    from datetime import date

    from compliance_checks.findings import WaiverApplied

    waiver = WaiverApplied(reason="agreed", approver="Head of Complaints", expires=date(2027, 1, 1),
                           original_status=Status.FAIL)
    f = finding("CS-3", "kept-informed", Status.WAIVED, at("2026-10-06"), waiver=waiver)
    assert exception_row(f, TZ, CLOSED).remediation is None
