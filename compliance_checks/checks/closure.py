"""Closing the complaint (7.9): the evidence a closed complaint must carry."""

from __future__ import annotations

from pydantic import Field

from compliance_checks.calendar import Duration
from compliance_checks.findings import Evidence, Status
from compliance_checks.model import ComplainantResponse, ComplaintRecord, Outcome, Severity
from compliance_checks.policy import DurationField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    check,
    example_ref,
    field_evidence,
    open_status,
)


class ClosureEvidenceParams(CheckParams):
    #: Time after the decision to complete the closure record while the ticket is resolved.
    grace: DurationField = Duration.parse("2 business days")
    #: Outcomes for which recourse information is required even without a recorded rejection.
    recourse_required_for: list[Outcome] = Field(default_factory=list)


@check(
    id="closure-evidence",
    title="Closed complaint carries its closure evidence",
    short_title="Closure evidence",
    clauses=("7.9",),
    severity=Severity.MEDIUM,
    params=ClosureEvidenceParams,
    remediation=(
        "Record the outcome, a resolution summary, the complainant's response (or the closure "
        "reason) and, if the decision was rejected, the internal and external recourse you offered."
    ),
    examples=(
        Example(
            "closed with outcome, summary and the complainant's acceptance",
            Status.PASS,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "outcome": "upheld",
                "resolution_summary": "Duplicate charge refunded",
                "complainant_response": "accepted",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
        Example(
            "closed without outcome or resolution summary",
            Status.FAIL,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "complainant_response": "accepted",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
        Example(
            "closed, decision rejected, no recourse information",
            Status.FAIL,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "outcome": "not_upheld",
                "resolution_summary": "Charge was correct",
                "complainant_response": "rejected",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
    ),
)
def closure_evidence(record: ComplaintRecord, p: ClosureEvidenceParams, ctx: CheckContext) -> CheckResult:
    """Outcome, summary, complainant response or closure reason, and recourse when rejected."""
    fields = (
        "outcome",
        "resolution_summary",
        "complainant_response",
        "closure_reason",
        "recourse_given",
    )
    if not record.stage.is_finished or record.decided is None:
        return CheckResult(Status.NOT_APPLICABLE, "Complaint not resolved yet", fields_read=fields)
    missing = []
    if record.outcome is None:
        missing.append("outcome")
    if not record.resolution_summary:
        missing.append("resolution summary")
    answered = record.complainant_response in (
        ComplainantResponse.ACCEPTED,
        ComplainantResponse.REJECTED,
    )
    if not answered and not record.closure_reason:
        missing.append("complainant response or closure reason")
    rejected = record.complainant_response is ComplainantResponse.REJECTED
    if (rejected or record.outcome in p.recourse_required_for) and not record.recourse_given:
        missing.append("recourse information (decision rejected)" if rejected else "recourse information")
    evidence: tuple[Evidence, ...] = tuple(field_evidence(name, getattr(record, name)) for name in fields)
    if not missing:
        return CheckResult(Status.PASS, "Closure evidence complete", None, evidence, {}, fields)
    message = f"Closure evidence missing: {', '.join(missing)}"
    facts: dict[str, str | int | float | bool | None] = {"missing": ", ".join(missing)}
    if record.stage.value == "closed":
        return CheckResult(Status.FAIL, message, None, evidence, facts, fields)
    due_at = ctx.calendar.due(record.decided.at, p.grace)
    return CheckResult(open_status(due_at, ctx), message, due_at, evidence, facts, fields)
