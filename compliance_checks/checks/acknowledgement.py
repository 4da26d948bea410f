"""Acknowledgement (7.4) and initial assessment (7.5) on time."""

from __future__ import annotations

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.checks.figures import FigureParams, with_confidence
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Severity
from compliance_checks.policy import Target, TargetField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    check,
    clock,
    example_ref,
    visibility_unknown,
)


class AcknowledgedParams(FigureParams):
    target: TargetField = Field(default_factory=lambda: Target(default=Duration.parse("2 business days")))
    #: Acknowledgement is a regulatory-style clock by default: waiting on the customer does not stop it.
    pausable: StrictBool = False


@check(
    id="acknowledged-in-time",
    title="Complaint acknowledged promptly",
    short_title="Acknowledged in time",
    clauses=("7.4",),
    severity=Severity.HIGH,
    params=AcknowledgedParams,
    remediation=(
        "Send the complainant a public acknowledgement (not an internal note) that explains the "
        "process and next steps (7.1), and record it on the ticket."
    ),
    # Received Mon 2026-03-02 10:00; 2 business days: due at the close of Wed 03-04.
    examples=(
        Example(
            "public reply the next morning",
            Status.PASS,
            {"acknowledged": example_ref("comment:10023", "2026-03-03T09:15:00+00:00")},
            now="2026-03-03T12:00:00+00:00",
        ),
        Example(
            "first reply on Thursday, after the target",
            Status.FAIL,
            {"acknowledged": example_ref("comment:10031", "2026-03-05T10:00:00+00:00")},
            now="2026-03-05T12:00:00+00:00",
        ),
        Example("no reply and the target passed", Status.FAIL, now="2026-03-05T09:00:00+00:00"),
        Example("no reply yet on the day of receipt", Status.PENDING),
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
    done = record.acknowledged
    # Replies before the acknowledgement (or until now) whose visibility is unknown were not counted.
    unknown = visibility_unknown(record, record.received_at, done.at if done is not None else ctx.now)
    return clock(
        what="Acknowledgement",
        started=record.received_at,
        due_at=due_at,
        done=done,
        ctx=ctx,
        fields_read=("received_at", "acknowledged"),
        evidence=unknown,
        facts={"target": str(target), **({"visibility_unknown": len(unknown)} if unknown else {})},
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
    short_title="Assessed in time",
    clauses=("7.5",),
    severity=Severity.MEDIUM,
    params=AssessedParams,
    remediation=(
        "Assess the complaint (severity, safety, complexity, impact, urgency): set its priority "
        "and category, and move it into assessment or investigation."
    ),
    examples=(
        Example(
            "medium severity assessed the next day (target 3 business days)",
            Status.PASS,
            {"assessed": example_ref("changelog:20001", "2026-03-03T10:00:00+00:00")},
            now="2026-03-03T12:00:00+00:00",
        ),
        Example("not assessed a week later", Status.FAIL, now="2026-03-09T10:00:00+00:00"),
        Example(
            "critical assessed after 5 hours (target 4 business hours)",
            Status.FAIL,
            {"severity": "critical", "assessed": example_ref("changelog:20002", "2026-03-02T15:00:00+00:00")},
            now="2026-03-02T16:00:00+00:00",
        ),
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
