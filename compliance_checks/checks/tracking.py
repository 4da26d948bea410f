"""Tracking (7.3): complainant kept informed; escalation when required (7.5, 7.6)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.checks.figures import FigureParams, with_confidence
from compliance_checks.findings import Evidence, Status
from compliance_checks.model import ComplaintRecord, EvidenceRef, Severity, SourceKind
from compliance_checks.policy import Target, TargetField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    absent,
    check,
    clock,
    event_evidence,
    example_ref,
    visibility_unknown,
)


class KeptInformedParams(FigureParams):
    #: Longest allowed silence towards the complainant while the complaint is open.
    max_gap: TargetField = Field(default_factory=lambda: Target(default=Duration.parse("10 business days")))
    #: Time waiting on the complainant does not count as silence.
    pausable: StrictBool = True


def _updates(record: ComplaintRecord, until: datetime | None = None) -> list[EvidenceRef]:
    """Public agent replies (up to ``until``) as evidence references."""
    return [
        EvidenceRef.of(e, "public agent reply")
        for e in record.public_agent_comments()
        if until is None or e.at <= until
    ]


@check(
    id="kept-informed",
    title="Complainant kept informed while the complaint is open",
    short_title="Kept informed",
    clauses=("7.3",),
    severity=Severity.MEDIUM,
    params=KeptInformedParams,
    remediation="Send the complainant a public progress update now, and agree when the next one is due.",
    examples=(
        Example(
            "decided on day 19 after public updates on days 6 and 14",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-27T10:00:00+00:00"),
                "timeline": [
                    {
                        "at": "2026-03-10T10:00:00+00:00",
                        "kind": "comment",
                        "source_kind": "comment",
                        "source_id": "10041",
                        "actor_role": "agent",
                        "public": True,
                    },
                    {
                        "at": "2026-03-20T10:00:00+00:00",
                        "kind": "comment",
                        "source_kind": "comment",
                        "source_id": "10042",
                        "actor_role": "agent",
                        "public": True,
                    },
                ],
            },
            now="2026-03-30T10:00:00+00:00",
        ),
        Example(
            "decided on day 19 with no update before it",
            Status.FAIL,
            {"decided": example_ref("changelog:30001", "2026-03-27T10:00:00+00:00")},
            now="2026-03-30T10:00:00+00:00",
        ),
        Example(
            "an internal note is not an update",
            Status.FAIL,
            {
                "decided": example_ref("changelog:30001", "2026-03-27T10:00:00+00:00"),
                "timeline": [
                    {
                        "at": "2026-03-10T10:00:00+00:00",
                        "kind": "comment",
                        "source_kind": "comment",
                        "source_id": "10041",
                        "actor_role": "agent",
                        "public": False,
                    }
                ],
            },
            now="2026-03-30T10:00:00+00:00",
        ),
    ),
)
def kept_informed(record: ComplaintRecord, p: KeptInformedParams, ctx: CheckContext) -> CheckResult:
    """No gap between complainant updates longer than the target while the complaint is open."""
    # A pack may mark its figure unconfirmed: the finding must say so (issue 8).
    return with_confidence(_kept_informed(record, p, ctx), p, ["max_gap"])


def _kept_informed(record: ComplaintRecord, p: KeptInformedParams, ctx: CheckContext) -> CheckResult:
    gap = p.max_gap.for_record(record)
    if gap is None:
        return CheckResult(Status.NOT_APPLICABLE, "No update interval set for this complaint")
    pauses = record.paused if p.pausable else ()
    fields = ("received_at", "timeline.public_agent_comments", "decided")
    # Silence runs from receipt until the decision (or now, while open).
    end = record.decided.at if record.decided else ctx.now
    updates = _updates(record, until=end)
    start = EvidenceRef(
        at=record.received_at, source_kind=SourceKind.DERIVED, source_id="received", note="received"
    )
    worst: tuple[EvidenceRef, EvidenceRef, datetime] | None = None
    previous = start
    for update in updates:
        due = ctx.calendar.due(previous.at, gap, pauses, now=ctx.now)
        if update.at > due and (worst is None or update.at - due > worst[1].at - worst[2]):
            worst = (previous, update, due)
        previous = update
    if record.decided is not None:
        # The silence between the last update and the decision counts too.
        due = ctx.calendar.due(previous.at, gap, pauses, now=ctx.now)
        decided = record.decided
        if decided.at > due and (worst is None or decided.at - due > worst[1].at - worst[2]):
            worst = (previous, decided, due)
    facts: dict[str, str | int | float | bool | None] = {
        "max_gap": str(gap),
        "updates": len(updates),
    }
    # Agent comments nobody can tell were public are not updates: the finding shows them.
    unknown = visibility_unknown(record, record.received_at, end)
    if unknown:
        facts["visibility_unknown"] = len(unknown)
    if worst is not None:
        before, after, due = worst
        return CheckResult(
            Status.FAIL,
            f"Complainant not updated for longer than {gap}: silence from "
            f"{ctx.calendar.local(before.at):%Y-%m-%d} to {ctx.calendar.local(after.at):%Y-%m-%d}",
            due,
            (
                event_evidence(before, "last contact before the silence"),
                event_evidence(after, "decision" if after is record.decided else "next update"),
                *unknown,
            ),
            facts,
            fields,
        )
    if record.decided is not None:
        return CheckResult(
            Status.PASS,
            f"Complainant updated at least every {gap} until the decision",
            None,
            (*(event_evidence(u) for u in updates[-3:]), *unknown),
            facts,
            fields,
        )
    # Open: the current silence is a running clock.
    due_at = ctx.calendar.due(previous.at, gap, pauses, now=ctx.now)
    result = clock(
        what="Next complainant update",
        started=previous.at,
        due_at=due_at,
        done=None,
        ctx=ctx,
        fields_read=fields,
        evidence=(event_evidence(previous, "last contact"), *unknown),
        facts=facts,
    )
    return result


class EscalationParams(CheckParams):
    #: Severities that must always be escalated ...
    severities: list[Severity] = Field(default_factory=lambda: [Severity.CRITICAL])
    #: ... within this time of receipt.
    target: TargetField = Field(default_factory=lambda: Target(default=Duration.parse("4 business hours")))
    #: Complaints still open past their response target must be escalated too.
    escalate_when_response_overdue: StrictBool = True
    #: The response target (keep in step with response-in-time, e.g. with a YAML anchor).
    response_target: TargetField = Field(
        default_factory=lambda: Target(default=Duration.parse("20 business days"))
    )
    pausable: StrictBool = True


@check(
    id="escalated-when-required",
    title="Complaint escalated when its severity or lateness requires it",
    short_title="Escalated when required",
    clauses=("7.5", "7.6"),
    severity=Severity.HIGH,
    params=EscalationParams,
    remediation=(
        "Escalate the complaint to the next level of authority (escalation group, priority or "
        "label as your escalation matrix says) and record why."
    ),
    examples=(
        Example(
            "critical complaint escalated within the hour",
            Status.PASS,
            {
                "severity": "critical",
                "escalated": example_ref("changelog:40001", "2026-03-02T11:00:00+00:00"),
            },
        ),
        Example(
            "critical complaint not escalated the next day",
            Status.FAIL,
            {"severity": "critical"},
            now="2026-03-03T12:00:00+00:00",
        ),
        Example(
            "medium complaint still open past its 20-business-day response target, not escalated",
            Status.FAIL,
            now="2026-04-01T10:00:00+00:00",
        ),
        Example("medium complaint within its response target", Status.NOT_APPLICABLE),
    ),
)
def escalated_when_required(record: ComplaintRecord, p: EscalationParams, ctx: CheckContext) -> CheckResult:
    """Severe complaints escalated within target; complaints past their response target escalated."""
    fields = ("severity", "escalated", "received_at", "decided")
    if record.severity in p.severities:
        target = p.target.for_record(record)
        if target is not None:
            return clock(
                what="Escalation",
                started=record.received_at,
                due_at=ctx.calendar.due(record.received_at, target),
                done=record.escalated,
                ctx=ctx,
                fields_read=fields,
                facts={"target": str(target)},
            )
    response_target = p.response_target.for_record(record)
    if not p.escalate_when_response_overdue or response_target is None:
        return CheckResult(
            Status.NOT_APPLICABLE, "Escalation not required for this complaint", fields_read=fields
        )
    response_due = ctx.calendar.due(
        record.received_at, response_target, record.paused if p.pausable else (), now=ctx.now
    )
    decided_at = record.decided.at if record.decided else None
    overdue = (decided_at or ctx.now) > response_due
    if not overdue:
        return CheckResult(
            Status.NOT_APPLICABLE,
            "Escalation not required: severity below the escalation threshold and response not overdue",
            response_due,
            fields_read=fields,
        )
    evidence: tuple[Evidence, ...]
    if record.escalated is not None:
        evidence = (event_evidence(record.escalated),)
        return CheckResult(Status.PASS, "Overdue complaint was escalated", response_due, evidence, {}, fields)
    evidence = (absent("no escalation signal on the timeline"),)
    return CheckResult(
        Status.FAIL,
        f"Response target ({response_target}) passed without escalation",
        response_due,
        evidence,
        {"response_target": str(response_target)},
        fields,
    )
