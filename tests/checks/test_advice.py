"""Advice that can be followed: what a finding asks someone to do, on every surface.

Records follow the baseline policy (Europe/London calendar); see ``conftest``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from rich.console import Console

from compliance_checks.advice import CLOSED_ADVICE, LATE_ADVICE, advice
from compliance_checks.engine import context_for, evaluate
from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Outcome, Stage
from connector.checking import TicketEvaluation
from connector.explain import explain_ticket
from tests.checks.conftest import POLICY, at, make_record, ref

LATER = at(30, 10)  # four weeks after receipt: every clock of a silent complaint has run out


def findings(record: ComplaintRecord, now: datetime = LATER) -> dict[str, Finding]:
    return {f.check: f for f in evaluate(record, POLICY, context_for(POLICY, now))}


def closed_without_updates() -> ComplaintRecord:
    """Decided on day 19 and closed, with no public update while it was open."""
    return make_record(
        stage=Stage.CLOSED,
        acknowledged=ref("comment:10023", at(2, 11)),
        decided=ref("changelog:30001", at(27)),
        closed=ref("changelog:30002", at(27, 11)),
        outcome=Outcome.NOT_UPHELD,
    )


def test_not_applicable_root_cause_asks_for_nothing():
    found = findings(closed_without_updates())["root-cause-recorded"]
    assert found.status is Status.NOT_APPLICABLE
    assert found.remediation is None  # the engine no longer attaches "code the root cause"
    stale = dataclasses.replace(found, remediation="Code the root cause on the ticket.")
    assert advice(stale, closed=True) is None  # nor does a stored finding that still carries it


def test_pass_asks_for_nothing():
    found = findings(closed_without_updates())["acknowledged-in-time"]
    assert found.status is Status.PASS
    assert advice(found, closed=True) is None


def test_fail_on_a_closed_complaint_asks_for_the_corrective_action():
    found = findings(closed_without_updates())["kept-informed"]
    assert found.status is Status.FAIL
    assert found.remediation and "progress update now" in found.remediation
    assert advice(found, closed=True) == CLOSED_ADVICE


def test_late_step_on_an_open_complaint_cannot_be_undone():
    record = make_record(acknowledged=ref("comment:10031", at(5, 10)))  # due Wed 03-04 17:30
    found = findings(record, at(5, 12))["acknowledged-in-time"]
    assert found.status is Status.FAIL
    assert advice(found, closed=False) == LATE_ADVICE


def test_overdue_step_on_an_open_complaint_keeps_its_remedy():
    found = findings(make_record(), at(5, 12))["acknowledged-in-time"]
    assert found.status is Status.FAIL
    assert advice(found, closed=False) == found.remediation
    assert found.remediation and "public acknowledgement" in found.remediation


def test_explain_on_a_closed_complaint_does_not_ask_for_a_progress_update_now():
    record = closed_without_updates()
    result = TicketEvaluation(record.id, record, list(findings(record).values()))
    console = Console(record=True, width=400)
    explain_ticket(console, [result], record.id, POLICY, LATER)
    shown = console.export_text()
    assert "kept-informed" in shown
    assert "progress update now" not in shown
    assert "code the root cause" not in shown.lower()
    assert "can no longer be fixed on the ticket" in shown
