"""Regulatory letters due a set time after an event: the overdue-complaint update (CBUAE 17.3.4)
and the outcome letter after the investigation (CBI CPC 2012 10.9).

Regime notes: overdue-update (uae-cbuae); outcome-letter (cbi-cpc). Neither clock pauses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pydantic import Field, PositiveInt

from compliance_checks.checks.figures import FigureParams, with_confidence
from compliance_checks.checks.regime_common import (
    ClockStart,
    Content,
    RegimeTargetField,
    StopEvent,
    clock_start,
    first_stop,
    fmt,
    missing_content,
    rule_note,
)
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, LetterKind, Severity
from compliance_checks.registry import (
    CheckContext,
    CheckResult,
    Example,
    check,
    clock,
    event_evidence,
    example_ref,
)


class OverdueUpdateParams(FigureParams):
    #: The resolution deadline after which the complaint is overdue (CBUAE: 10 business days).
    target: RegimeTargetField | None = None
    start: ClockStart = ClockStart.RECEIVED
    #: What resolves the complaint in time (then no update is needed).
    stop_on: list[StopEvent] = Field(default_factory=lambda: [StopEvent.FINAL_RESPONSE])
    #: The update is due by the close of this business day after the deadline's day (1: the next).
    next_business_days: PositiveInt = 1
    #: What the update must show.
    required: list[Content] = Field(default_factory=lambda: [Content.REASONS])
    rule: str | None = None


_OVERDUE_FIELDS = ("received_at", "letters", "decided")


def _close_of_next_business_day(ctx: CheckContext, moment: datetime, n: int) -> datetime:
    """The close of the n-th business day after ``moment``'s local day (whatever the receipt rule)."""
    day = ctx.calendar.local(moment).date()
    for _ in range(n):
        day = ctx.calendar.next_business_day(day)
    span = ctx.calendar.working_span(day)
    assert span is not None  # noqa: S101 - a business day has working hours
    return span[1]


@check(
    id="overdue-update",
    title="Overdue complaint: the complainant updated by the next business day, with the reasons",
    short_title="Overdue update sent",
    clauses=("7.3", "7.7"),
    severity=Severity.HIGH,
    params=OverdueUpdateParams,
    remediation=(
        "The complaint is past its resolution deadline: send the complainant an update now (a public "
        "reply) giving the reasons for the delay, and resolve it."
    ),
    # 10 business days after Mon 2026-03-02 (receipt): resolution due at the close of Mon 03-16;
    # the update by the close of Tue 03-17.
    examples=(
        Example(
            "overdue; update with reasons on the next business day",
            Status.PASS,
            {
                "letters": [
                    {
                        "kind": "overdue_update",
                        "sent": example_ref("comment:10070", "2026-03-17T10:00:00+00:00"),
                        "reasons": True,
                    }
                ]
            },
            now="2026-03-18T10:00:00+00:00",
            params={"target": "10 business days"},
        ),
        Example(
            "overdue; no update by the close of the next business day",
            Status.FAIL,
            now="2026-03-18T10:00:00+00:00",
            params={"target": "10 business days"},
        ),
        Example(
            "final response within the 10 business days",
            Status.NOT_APPLICABLE,
            {
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-12T10:00:00+00:00"),
                    }
                ]
            },
            now="2026-03-18T10:00:00+00:00",
            params={"target": "10 business days"},
        ),
    ),
)
def overdue_update(record: ComplaintRecord, p: OverdueUpdateParams, ctx: CheckContext) -> CheckResult:
    """An overdue complaint gets an update with the reasons for the delay by the next business day.

    Only an update sent after the resolution deadline counts (the rule asks for it on the next
    business day; an earlier letter is not this update)."""
    fields = _OVERDUE_FIELDS
    start_at, started_by = clock_start(record, p.start)
    target = p.target.for_record(record) if p.target else None
    if start_at is None or target is None or p.target is None:
        reason = started_by if start_at is None else "no resolution deadline for this complaint"
        return CheckResult(Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=fields)
    overdue_at = ctx.calendar.due(start_at, target)
    used = [f"target.{p.target.key_for(record)}"]
    facts: dict[str, str | int | float | bool | None] = {
        "target": str(target),
        "update_by": f"close of business day {p.next_business_days} after the deadline's day",
        "resolution_due": overdue_at.isoformat(),
        "rule": p.rule,
    }
    resolved = first_stop(record, list(p.stop_on), 1)
    if resolved is not None and resolved.at <= overdue_at:
        return CheckResult(
            Status.NOT_APPLICABLE,
            f"Resolved by {fmt(overdue_at, ctx)}: no overdue update needed",
            overdue_at,
            (event_evidence(resolved),),
            facts,
            fields,
        )
    updates = [x for x in record.letters if x.kind is LetterKind.OVERDUE_UPDATE]
    early = [x for x in updates if x.sent.at <= overdue_at]
    if early:
        facts["not_counted"] = f"update sent {fmt(early[0].sent.at, ctx)}, before the complaint was overdue"
    update = next((x for x in updates if x.sent.at > overdue_at), None)
    result = clock(
        what="Update on the overdue complaint, with the reasons for the delay" + rule_note(p.rule),
        started=overdue_at,
        due_at=_close_of_next_business_day(ctx, overdue_at, p.next_business_days),
        done=update.sent if update is not None else None,
        ctx=ctx,
        fields_read=fields,
        facts=facts,
    )
    if update is not None and result.status is Status.PASS:
        missing = missing_content(update, list(p.required))
        if missing:
            result = replace(
                result,
                status=Status.FAIL,
                message=f"Update on the overdue complaint does not show: {', '.join(missing)}"
                + rule_note(p.rule),
                facts={**result.facts, "missing": ", ".join(missing)},
            )
    return with_confidence(result, p, used)


class OutcomeLetterParams(FigureParams):
    #: The outcome letter is due this long after the investigation is completed (the decision).
    target: RegimeTargetField | None = None
    rule: str | None = None


@check(
    id="outcome-letter",
    title="Outcome letter within the regulatory time of completing the investigation",
    short_title="Outcome letter in time",
    clauses=("7.8",),
    severity=Severity.HIGH,
    params=OutcomeLetterParams,
    remediation=(
        "Send the complainant the outcome of the investigation in writing (the final response) now; "
        "it was due within the regulatory time of the decision."
    ),
    # Decided Tue 2026-03-10 10:00; 5 business days: the letter due at the close of Tue 03-17.
    examples=(
        Example(
            "outcome letter 3 business days after the decision",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-10T10:00:00+00:00"),
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-13T10:00:00+00:00"),
                    }
                ],
            },
            now="2026-03-18T10:00:00+00:00",
            params={"target": "5 business days"},
        ),
        Example(
            "outcome letter 6 business days after the decision",
            Status.FAIL,
            {
                "decided": example_ref("changelog:30001", "2026-03-10T10:00:00+00:00"),
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-18T10:00:00+00:00"),
                    }
                ],
            },
            now="2026-03-19T10:00:00+00:00",
            params={"target": "5 business days"},
        ),
        Example(
            "investigation not completed yet", Status.NOT_APPLICABLE, params={"target": "5 business days"}
        ),
    ),
)
def outcome_letter(record: ComplaintRecord, p: OutcomeLetterParams, ctx: CheckContext) -> CheckResult:
    """The outcome letter (final response) is sent within ``target`` of the decision.

    The decision is the record's time the investigation was completed."""
    fields = ("decided", "letters")
    decided = record.decided
    target = p.target.for_record(record) if p.target else None
    if decided is None or target is None or p.target is None:
        reason = "Investigation not completed yet (no decision)" if decided is None else "No target"
        return CheckResult(Status.NOT_APPLICABLE, reason, fields_read=fields)
    final = first_stop(record, [StopEvent.FINAL_RESPONSE], 1)
    result = clock(
        what="Outcome letter" + rule_note(p.rule),
        started=decided.at,
        due_at=ctx.calendar.due(decided.at, target),
        done=final,
        ctx=ctx,
        fields_read=fields,
        evidence=(event_evidence(decided, "investigation completed (decision)"),),
        facts={"target": str(target), "rule": p.rule, "clock_start": "decided"},
    )
    return with_confidence(result, p, [f"target.{p.target.key_for(record)}"])
