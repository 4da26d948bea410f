"""Acknowledgement (7.4) and initial assessment (7.5) on time."""

from __future__ import annotations

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.checks.figures import FigureParams, with_confidence
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Severity
from compliance_checks.policy import Target, TargetField
from compliance_checks.registry import CheckContext, CheckParams, CheckResult, check, clock


class AcknowledgedParams(FigureParams):
    target: TargetField = Field(default_factory=lambda: Target(default=Duration.parse("2 business days")))
    #: Acknowledgement is a regulatory-style clock by default: waiting on the customer does not stop it.
    pausable: StrictBool = False


@check(
    id="acknowledged-in-time",
    title="Complaint acknowledged promptly",
    clauses=("7.4",),
    severity=Severity.HIGH,
    params=AcknowledgedParams,
    remediation=(
        "Send the complainant a public acknowledgement (not an internal note) that explains the "
        "process and next steps (7.1), and record it on the ticket."
    ),
)
def acknowledged_in_time(record: ComplaintRecord, p: AcknowledgedParams, ctx: CheckContext) -> CheckResult:
    """The first public agent reply (or an acknowledging status) comes within the target."""
    # A pack may mark its figure unconfirmed: the finding must say so (issue 8).
    return with_confidence(_acknowledged_in_time(record, p, ctx), p, ["target"])


def _acknowledged_in_time(record: ComplaintRecord, p: AcknowledgedParams, ctx: CheckContext) -> CheckResult:
    target = p.target.for_record(record)
    if target is None:
        return CheckResult(Status.NOT_APPLICABLE, "No acknowledgement target for this complaint")
    due_at = ctx.calendar.due(record.received_at, target, record.paused if p.pausable else (), now=ctx.now)
    return clock(
        what="Acknowledgement",
        started=record.received_at,
        due_at=due_at,
        done=record.acknowledged,
        ctx=ctx,
        fields_read=("received_at", "acknowledged"),
        facts={"target": str(target)},
    )


class AssessedParams(CheckParams):
    target: TargetField = Field(
        default_factory=lambda: Target(
            default=Duration.parse("3 business days"),
            by_severity={
                Severity.CRITICAL: Duration.parse("4 business hours"),
                Severity.HIGH: Duration.parse("1 business days"),
            },
        )
    )
    pausable: StrictBool = False


@check(
    id="assessed-in-time",
    title="Complaint assessed for severity and urgency in time",
    clauses=("7.5",),
    severity=Severity.MEDIUM,
    params=AssessedParams,
    remediation=(
        "Assess the complaint (severity, safety, complexity, impact, urgency): set its priority "
        "and category, and move it into assessment or investigation."
    ),
)
def assessed_in_time(record: ComplaintRecord, p: AssessedParams, ctx: CheckContext) -> CheckResult:
    """An agent assessed the complaint (priority set, moved to assessment) within the target."""
    target = p.target.for_record(record)
    if target is None:
        return CheckResult(Status.NOT_APPLICABLE, "No assessment target for this complaint")
    due_at = ctx.calendar.due(record.received_at, target, record.paused if p.pausable else (), now=ctx.now)
    return clock(
        what="Assessment",
        started=record.received_at,
        due_at=due_at,
        done=record.assessed,
        ctx=ctx,
        fields_read=("received_at", "severity", "assessed"),
        facts={
            "target": str(target),
            "severity": record.severity.value if record.severity else None,
        },
    )
