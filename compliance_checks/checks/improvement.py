"""Analysis (8.2) and satisfaction with the handling (8.3)."""

from __future__ import annotations

from pydantic import Field

from compliance_checks.calendar import Duration
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Outcome, Severity, Stage
from compliance_checks.policy import DurationField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    absent,
    check,
    clock,
    example_ref,
    field_evidence,
    open_status,
)


class RootCauseParams(CheckParams):
    #: Outcomes that need a coded root cause (a complaint that was not upheld may have none).
    outcomes: list[Outcome] = Field(default_factory=lambda: [Outcome.UPHELD, Outcome.PARTLY_UPHELD])
    #: Time after the decision to code the root cause.
    within: DurationField = Duration.parse("5 business days")


@check(
    id="root-cause-recorded",
    title="Root cause coded for upheld complaints",
    short_title="Root cause coded",
    clauses=("8.2",),
    severity=Severity.MEDIUM,
    params=RootCauseParams,
    remediation="Code the root cause on the ticket so recurring and systemic problems can be analysed.",
    examples=(
        Example(
            "upheld and closed with a root cause",
            Status.PASS,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "outcome": "upheld",
                "root_cause": "billing_error",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
        Example(
            "upheld and closed without a root cause",
            Status.FAIL,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "outcome": "upheld",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
        Example(
            "not upheld: no root cause needed",
            Status.NOT_APPLICABLE,
            {
                "stage": "closed",
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "outcome": "not_upheld",
            },
            now="2026-03-10T10:00:00+00:00",
        ),
    ),
)
def root_cause_recorded(record: ComplaintRecord, p: RootCauseParams, ctx: CheckContext) -> CheckResult:
    """A coded root cause is recorded once an upheld complaint is decided."""
    fields = ("outcome", "root_cause", "decided")
    if record.decided is None:
        return CheckResult(Status.NOT_APPLICABLE, "No decision yet", fields_read=fields)
    if record.outcome is not None and record.outcome not in p.outcomes:
        return CheckResult(
            Status.NOT_APPLICABLE,
            f"Root cause not required for outcome {record.outcome.value}",
            fields_read=fields,
        )
    if record.root_cause:
        return CheckResult(
            Status.PASS,
            "Root cause recorded",
            None,
            (field_evidence("root_cause", record.root_cause),),
            {},
            fields,
        )
    due_at = ctx.calendar.due(record.decided.at, p.within)
    evidence = (absent("root cause field is empty"),)
    status = Status.FAIL if record.stage is Stage.CLOSED else open_status(due_at, ctx)
    message = "Root cause not recorded" if status is Status.FAIL else "Root cause not recorded yet"
    return CheckResult(status, message, due_at, evidence, {}, fields)


class SatisfactionParams(CheckParams):
    within: DurationField = Duration.parse("5 business days")
    #: Withdrawn complaints are not surveyed by default.
    skip_outcomes: list[Outcome] = Field(default_factory=lambda: [Outcome.WITHDRAWN])


@check(
    id="satisfaction-offered",
    title="Satisfaction with the complaints handling is measured",
    short_title="Satisfaction measured",
    clauses=("8.3",),
    severity=Severity.LOW,
    params=SatisfactionParams,
    remediation="Offer the complainant the satisfaction survey about how their complaint was handled.",
    examples=(
        Example(
            "survey sent the day after the decision",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "satisfaction_offered": example_ref("comment:10050", "2026-03-06T10:00:00+00:00"),
            },
            now="2026-03-09T10:00:00+00:00",
        ),
        Example(
            "no survey 7 business days after the decision",
            Status.FAIL,
            {"decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00")},
            now="2026-03-16T10:00:00+00:00",
        ),
    ),
)
def satisfaction_offered(record: ComplaintRecord, p: SatisfactionParams, ctx: CheckContext) -> CheckResult:
    """A satisfaction survey is offered within the target after the decision."""
    fields = ("decided", "outcome", "satisfaction_offered")
    if record.decided is None:
        return CheckResult(Status.NOT_APPLICABLE, "No decision yet", fields_read=fields)
    if record.outcome in p.skip_outcomes:
        return CheckResult(Status.NOT_APPLICABLE, "No survey for this outcome", fields_read=fields)
    return clock(
        what="Satisfaction survey",
        started=record.decided.at,
        due_at=ctx.calendar.due(record.decided.at, p.within),
        done=record.satisfaction_offered,
        ctx=ctx,
        fields_read=fields,
        facts={"within": str(p.within)},
    )
