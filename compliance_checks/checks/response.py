"""Response (7.7) and communicating the decision (7.8)."""

from __future__ import annotations

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Severity
from compliance_checks.policy import DurationField, Target, TargetField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    check,
    clock,
    example_ref,
)


class ResponseParams(CheckParams):
    target: TargetField = Field(
        default_factory=lambda: Target(
            default=Duration.parse("20 business days"),
            by_severity={
                Severity.CRITICAL: Duration.parse("5 business days"),
                Severity.HIGH: Duration.parse("10 business days"),
            },
        )
    )
    #: Operational clock: time waiting on the complainant does not count.
    pausable: StrictBool = True


@check(
    id="response-in-time",
    title="Decision reached within the response target",
    short_title="Decided in time",
    clauses=("7.7",),
    severity=Severity.HIGH,
    params=ResponseParams,
    remediation=(
        "Complete the investigation and record the decision (resolve the ticket with its outcome), "
        "or escalate if the target cannot be met."
    ),
    # Medium severity: 20 business days from Mon 2026-03-02 10:00, due at the close of Mon 03-30.
    examples=(
        Example(
            "decided on day 14",
            Status.PASS,
            {"decided": example_ref("changelog:30001", "2026-03-20T10:00:00+00:00")},
            now="2026-03-23T10:00:00+00:00",
        ),
        Example("no decision after the target", Status.FAIL, now="2026-04-01T10:00:00+00:00"),
        Example(
            "critical (5 business days) decided on day 8",
            Status.FAIL,
            {"severity": "critical", "decided": example_ref("changelog:30001", "2026-03-12T10:00:00+00:00")},
            now="2026-03-13T10:00:00+00:00",
        ),
    ),
)
def response_in_time(record: ComplaintRecord, p: ResponseParams, ctx: CheckContext) -> CheckResult:
    """The decision (resolution) is reached within the target for the complaint's severity."""
    target = p.target.for_record(record)
    if target is None:
        return CheckResult(Status.NOT_APPLICABLE, "No response target for this complaint")
    due_at = ctx.calendar.due(record.received_at, target, record.paused if p.pausable else (), now=ctx.now)
    return clock(
        what="Decision",
        started=record.received_at,
        due_at=due_at,
        done=record.decided,
        ctx=ctx,
        fields_read=("received_at", "severity", "decided", "paused"),
        facts={
            "target": str(target),
            "severity": record.severity.value if record.severity else None,
        },
    )


class DecisionCommunicatedParams(CheckParams):
    #: "As soon as the decision is taken": the time allowed to tell the complainant.
    within: DurationField = Duration.parse("1 business days")


@check(
    id="decision-communicated",
    title="Decision communicated to the complainant",
    short_title="Decision communicated",
    clauses=("7.8",),
    severity=Severity.HIGH,
    params=DecisionCommunicatedParams,
    remediation=(
        "Send the complainant a public reply stating the decision, the reasons and any remedy, "
        "and how to take it further if they are not satisfied."
    ),
    examples=(
        Example(
            "public reply an hour after the decision",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00"),
                "decision_communicated": example_ref("comment:10055", "2026-03-05T11:00:00+00:00"),
            },
            now="2026-03-05T12:00:00+00:00",
        ),
        Example(
            "decision not communicated by the next business day",
            Status.FAIL,
            {"decided": example_ref("changelog:30001", "2026-03-05T10:00:00+00:00")},
            now="2026-03-09T10:00:00+00:00",
        ),
        Example("no decision yet", Status.NOT_APPLICABLE),
    ),
)
def decision_communicated(
    record: ComplaintRecord, p: DecisionCommunicatedParams, ctx: CheckContext
) -> CheckResult:
    """A public agent reply at or after the decision (and before closure) tells the complainant."""
    fields = ("decided", "decision_communicated")
    if record.decided is None:
        return CheckResult(Status.NOT_APPLICABLE, "No decision yet", fields_read=fields)
    return clock(
        what="Communication of the decision",
        started=record.decided.at,
        due_at=ctx.calendar.due(record.decided.at, p.within),
        done=record.decision_communicated,
        ctx=ctx,
        fields_read=fields,
        facts={"within": str(p.within)},
    )
