"""Regulatory clocks (packs): acknowledgement, final/holding response, stage 2, CFPB.

Regime notes (which packs use which check) are in ``REGIMES``; the rule each finding cites comes
from the check's ``rule`` param. None of these clocks pause.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.checks.extension import extended_deadline
from compliance_checks.checks.figures import FigureParams, with_confidence
from compliance_checks.checks.parts import combine
from compliance_checks.checks.regime_common import (
    ClockStart,
    Content,
    RegimeTargetField,
    StopEvent,
    acceptance_time_unknown,
    clock_start,
    first_stop,
    fmt,
    in_categories,
    missing_content,
    rule_note,
    unproven_stage2_pass,
)
from compliance_checks.findings import Status
from compliance_checks.model import (
    ComplaintPart,
    ComplaintRecord,
    EvidenceRef,
    Letter,
    LetterKind,
    Severity,
)
from compliance_checks.policy import DurationField
from compliance_checks.registry import (
    CheckContext,
    CheckResult,
    Example,
    check,
    clock,
    event_evidence,
    example_ref,
    visibility_unknown,
)

#: Which regimes use each check (documentation and the regime note of docs/regulatory.md).
REGIMES: dict[str, tuple[str, ...]] = {
    "regulatory-acknowledged": ("asic-rg271",),
    "stage2-acknowledged": ("housing-ombudsman", "spso"),
    "regulatory-response": (
        "fca-disp",
        "psd2",
        "asic-rg271",
        "cbi-cpc",
        "housing-ombudsman",
        "spso",
        "singapore-fa",
        "uae-cbuae",
        "bahrain-cbb",
    ),
    "stage2-response": ("housing-ombudsman", "spso"),
    "holding-response": ("fca-disp", "psd2", "asic-rg271", "cbi-cpc", "housing-ombudsman", "singapore-fa"),
    "stage2-extension": ("housing-ombudsman", "spso"),
    "cfpb-timely-response": ("cfpb",),
}


class Combine(StrEnum):
    LATER = "later"
    EARLIER = "earlier"


class RegulatoryAckParams(FigureParams):
    target: RegimeTargetField | None = None
    #: A second reading of the same rule ("24 hours or 1 business day"), combined with ``combine``.
    alternative: DurationField | None = None
    combine: Combine = Combine.LATER
    rule: str | None = None


def _acknowledged(
    record: ComplaintRecord, p: RegulatoryAckParams, ctx: CheckContext, *, stage: int
) -> CheckResult:
    start_at, started_by = clock_start(
        record, ClockStart.RECEIVED if stage == 1 else ClockStart.STAGE2_STARTED
    )
    fields = (
        ("received_at", "acknowledged")
        if stage == 1
        else ("stage2_requested", "stage2_started", "stage2_acknowledged")
    )
    target = p.target.for_record(record) if p.target else None
    if start_at is None or target is None or p.target is None:
        reason = started_by if start_at is None else "no acknowledgement target for this complaint"
        return CheckResult(Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=fields)
    due_at = ctx.calendar.due(start_at, target)
    used = [f"target.{p.target.key_for(record)}"]
    facts: dict[str, str | int | float | bool | None] = {
        "target": str(target),
        "rule": p.rule,
        "clock_start": started_by,
    }
    if p.alternative is not None:
        other = ctx.calendar.due(start_at, p.alternative)
        due_at = max(due_at, other) if p.combine is Combine.LATER else min(due_at, other)
        facts["alternative"] = f"{p.combine.value} of {target} and {p.alternative}"
        used.append("alternative")
    done = record.acknowledged if stage == 1 else record.stage2_acknowledged
    # Agent comments whose visibility the source could not tell were not counted: say so.
    unknown = visibility_unknown(record, start_at, done.at if done is not None else ctx.now)
    if unknown:
        facts["visibility_unknown"] = len(unknown)
    result = clock(
        what=("Acknowledgement" if stage == 1 else "Stage-2 acknowledgement") + rule_note(p.rule),
        started=start_at,
        due_at=due_at,
        done=done,
        ctx=ctx,
        fields_read=fields,
        evidence=unknown,
        facts=facts,
    )
    if stage == 2:
        result = unproven_stage2_pass(result, record, start_at)
    return with_confidence(result, p, used)


_ACK_REMEDIATION = (
    "Send the complainant a written acknowledgement now (a public reply, not an internal note), "
    "stating how the complaint will be handled and the regulatory deadline."
)


@check(
    id="regulatory-acknowledged",
    title="Complaint acknowledged within the regulatory deadline",
    short_title="Acknowledged (regulatory)",
    clauses=("7.4",),
    severity=Severity.HIGH,
    params=RegulatoryAckParams,
    remediation=_ACK_REMEDIATION,
    # 1 business day from Mon 2026-03-02 10:00: due at the close of Tue 03-03.
    examples=(
        Example(
            "acknowledged the afternoon of receipt",
            Status.PASS,
            {"acknowledged": example_ref("comment:10023", "2026-03-02T15:00:00+00:00")},
            now="2026-03-02T16:00:00+00:00",
            params={"target": "1 business days"},
        ),
        Example(
            "not acknowledged by Wednesday",
            Status.FAIL,
            now="2026-03-04T09:00:00+00:00",
            params={"target": "1 business days"},
        ),
        Example("no target set (the pack gives one)", Status.NOT_APPLICABLE),
    ),
)
def regulatory_acknowledged(
    record: ComplaintRecord, p: RegulatoryAckParams, ctx: CheckContext
) -> CheckResult:
    """Written acknowledgement within the regime's deadline (e.g. 24 hours or 1 business day)."""
    return _acknowledged(record, p, ctx, stage=1)


@check(
    id="stage2-acknowledged",
    title="Stage-2 escalation acknowledged within the regulatory deadline",
    short_title="Stage-2 acknowledged",
    clauses=("7.4", "7.9"),
    severity=Severity.HIGH,
    params=RegulatoryAckParams,
    remediation=_ACK_REMEDIATION,
    # Stage 2 from Mon 03-16 10:00; 5 business days: due at the close of Mon 03-23.
    examples=(
        Example(
            "stage 2 acknowledged the day after the complainant asked",
            Status.PASS,
            {
                "stage2_requested": example_ref("comment:10065", "2026-03-16T09:00:00+00:00"),
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "stage2_acknowledged": example_ref("comment:10070", "2026-03-17T10:00:00+00:00"),
            },
            now="2026-03-17T12:00:00+00:00",
            params={"target": "5 business days"},
        ),
        Example(
            "in time from the agent's mark, but when the complainant asked is not mapped",
            Status.MANUAL,
            {
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "stage2_acknowledged": example_ref("comment:10070", "2026-03-17T10:00:00+00:00"),
            },
            now="2026-03-17T12:00:00+00:00",
            params={"target": "5 business days"},
        ),
        Example(
            "stage 2 not acknowledged after 9 business days",
            Status.FAIL,
            {"stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00")},
            now="2026-03-27T10:00:00+00:00",
            params={"target": "5 business days"},
        ),
    ),
)
def stage2_acknowledged(record: ComplaintRecord, p: RegulatoryAckParams, ctx: CheckContext) -> CheckResult:
    """The stage-2 escalation is acknowledged within the regime's deadline."""
    return _acknowledged(record, p, ctx, stage=2)


class RegulatoryResponseParams(FigureParams):
    target: RegimeTargetField | None = None
    start: ClockStart = ClockStart.RECEIVED
    #: What stops the clock under this regime.
    stop_on: list[StopEvent] = Field(default_factory=lambda: [StopEvent.FINAL_RESPONSE])
    #: A holding reply sent by ``target`` moves the deadline to this (PSD2: 35 business days).
    extended_target: RegimeTargetField | None = None
    #: What a holding / extension letter must show to move the deadline (e.g. reasons, new_date).
    extension_requires: list[Content] = Field(default_factory=list)
    #: The moved deadline is the letter's new date (capped by ``extended_target`` when given).
    extend_to_new_date: StrictBool = False
    #: The acknowledgement that starts the clock (``start: acknowledged`` / ``stage2_acknowledged``)
    #: was due within this (Housing Ombudsman Code 2024 6.2 / 6.11): a later one, or none but the
    #: response itself, starts the clock at that deadline.
    acknowledge_within: DurationField | None = None
    #: What a holding letter must show to stop the clock (``stop_on: [holding_response]``), e.g.
    #: the FCA 8-week letter's reasons, expected date and ombudsman rights (DISP 1.6.2R(2)).
    holding_requires: list[Content] = Field(default_factory=list)
    #: Complaints resolved and accepted within this time need no final response (FCA DISP 1.5).
    accepted_within: DurationField | None = None
    #: Categories that always need the written response, however early they are resolved.
    accepted_within_excludes: list[str] = Field(default_factory=list)
    rule: str | None = None


_RESPONSE_FIELDS = (
    "received_at",
    "letters",
    "decided",
    "complainant_response",
    "accepted",
    "stage2_requested",
    "stage2_started",
    "sent_to_company_at",
    "parts",
)


def _clock(
    record: ComplaintRecord,
    p: RegulatoryResponseParams,
    ctx: CheckContext,
    *,
    stage: int,
    start_at: datetime,
    facts: dict[str, str | int | float | bool | None],
    used: list[str],
    done_by: EvidenceRef | None = None,
    after: datetime | None = None,
    what: str | None = None,
) -> CheckResult:
    """One response clock from ``start_at``; ``done_by`` (a part's own decision) also stops it."""
    assert p.target is not None  # noqa: S101 - callers return N/A first
    target = p.target.for_record(record)
    assert target is not None  # noqa: S101 - callers return N/A first
    used.append(f"target.{p.target.key_for(record)}")
    due_at = ctx.calendar.due(start_at, target)
    facts = {**facts, "target": str(target)}
    stops = list(p.stop_on)
    what = what or ("Final response" if stage == 1 else "Stage-2 response")
    holding = record.letter(LetterKind.HOLDING, stage)
    if holding is not None and (p.extended_target is not None or p.extend_to_new_date):
        moved, note = extended_deadline(
            record,
            holding,
            start_at=start_at,
            due_at=due_at,
            business=target.unit.is_business,
            extended_target=p.extended_target,
            extend_to_new_date=p.extend_to_new_date,
            requires=list(p.extension_requires),
            ctx=ctx,
            used=used,
        )
        if moved is None:
            if note is not None:
                facts["extension_ignored"] = note
                # This complaint's holding letter asks for more time (FCA payments, PSD2): refused
                # (late or incomplete), it is no response either and stops nothing.
                stops = [s for s in stops if s is not StopEvent.HOLDING_RESPONSE]
        else:
            # A timely holding / extension letter buys time; it does not stop the clock itself.
            due_at = moved
            stops = [s for s in stops if s is not StopEvent.HOLDING_RESPONSE]
            facts["extension"] = note or ""
            if p.extended_target is not None and p.extended_target.for_record(record) is not None:
                facts["extended_target"] = str(p.extended_target.for_record(record))
            what += f" (holding reply sent {fmt(holding.sent.at, ctx)})"
    if holding is not None and StopEvent.HOLDING_RESPONSE in stops:
        missing = missing_content(holding, p.holding_requires)
        if missing:
            # Not the response the regime asks for: the breach must not hide behind it.
            stops = [s for s in stops if s is not StopEvent.HOLDING_RESPONSE]
            facts["holding_not_counted"] = f"holding letter does not show {', '.join(missing)}"
    done = first_stop(record, stops, stage, after=after)
    if done_by is not None and (done is None or done_by.at < done.at):
        done = done_by
    facts["stop_on"] = ", ".join(s.value for s in stops)
    return clock(
        what=what + rule_note(p.rule),
        started=start_at,
        due_at=due_at,
        done=done,
        ctx=ctx,
        fields_read=_RESPONSE_FIELDS,
        facts=facts,
    )


def _part_clocks(
    record: ComplaintRecord,
    p: RegulatoryResponseParams,
    ctx: CheckContext,
    start_at: datetime,
    facts: dict[str, str | int | float | bool | None],
    used: list[str],
) -> list[tuple[ComplaintPart, CheckResult]]:
    """Each part's clock: from its own receipt, to its own target, stopped by its own decision
    (or by a response to the whole complaint sent after the part was raised)."""
    found = []
    for part in record.parts:
        as_part = record.model_copy(
            update={
                "category": part.category or record.category,
                "product_group": part.product_group or record.product_group,
            }
        )
        assert p.target is not None  # noqa: S101 - checked by the caller
        if p.target.for_record(as_part) is None:
            continue
        part_start = max(start_at, part.received_at) if part.received_at else start_at
        result = _clock(
            as_part,
            p,
            ctx,
            stage=1,
            start_at=part_start,
            facts=facts,
            used=used,
            done_by=part.decided,
            after=part_start,
            what="Response to this part",
        )
        found.append((part, result))
    return found


def _response(
    record: ComplaintRecord, p: RegulatoryResponseParams, ctx: CheckContext, *, stage: int
) -> CheckResult:
    fields = _RESPONSE_FIELDS
    start_at, started_by = clock_start(record, p.start, acknowledge_within=p.acknowledge_within, ctx=ctx)
    target = p.target.for_record(record) if p.target else None
    if stage == 2 and record.stage2_started is None and record.stage2_requested is None:
        return CheckResult(Status.NOT_APPLICABLE, "No stage-2 escalation", fields_read=fields)
    if start_at is None or target is None:
        reason = started_by if start_at is None else "no regulatory response target for this complaint"
        return CheckResult(Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=fields)
    facts: dict[str, str | int | float | bool | None] = {"clock_start": started_by, "rule": p.rule}
    used: list[str] = []
    if p.accepted_within is not None and stage == 1 and in_categories(record, p.accepted_within_excludes):
        facts["accepted_within_excluded"] = f"{record.category}: a written response is required"
    elif p.accepted_within is not None and stage == 1:
        accept_due = ctx.calendar.due(start_at, p.accepted_within)
        resolved = record.resolved_by_acceptance()
        if acceptance_time_unknown(record):
            facts["accepted_within_unproven"] = "accepted at a time the ticket does not show"
        if resolved is not None and resolved <= accept_due and record.decided and record.accepted:
            result = CheckResult(
                Status.PASS,
                f"Resolved and accepted by {fmt(accept_due, ctx)} (within {p.accepted_within}): "
                "no final response deadline applies",
                accept_due,
                (event_evidence(record.decided), event_evidence(record.accepted)),
                {**facts, "target": str(target), "accepted_within": str(p.accepted_within)},
                fields,
            )
            return with_confidence(result, p, ["accepted_within"])
    whole = _clock(record, p, ctx, stage=stage, start_at=start_at, facts=facts, used=used)
    if stage == 2:
        whole = unproven_stage2_pass(whole, record, start_at)
    parts = _part_clocks(record, p, ctx, start_at, facts, used) if stage == 1 else []
    return with_confidence(combine(whole, parts, ctx), p, used)


_RESPONSE_REMEDIATION = (
    "Send the final response (decision, reasons, remedy, and the complainant's right to refer to the "
    "ombudsman) or, where the regime allows, a holding letter with reasons and a new date before the "
    "deadline."
)


@check(
    id="regulatory-response",
    title="Final (or holding) response within the regulatory deadline",
    short_title="Responded (regulatory)",
    clauses=("7.7", "7.8"),
    severity=Severity.CRITICAL,
    params=RegulatoryResponseParams,
    remediation=_RESPONSE_REMEDIATION,
    # 15 business days from Mon 2026-03-02 10:00: due at the close of Mon 03-23.
    examples=(
        Example(
            "final response on day 14",
            Status.PASS,
            {
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-20T10:00:00+00:00"),
                    }
                ]
            },
            now="2026-03-23T09:00:00+00:00",
            params={"target": "15 business days"},
        ),
        Example(
            "no response after the deadline",
            Status.FAIL,
            now="2026-03-27T10:00:00+00:00",
            params={"target": "15 business days"},
        ),
        Example(
            "holding letter with reasons and a new date moves the deadline to 35 business days",
            Status.PENDING,
            {
                "letters": [
                    {
                        "kind": "holding_response",
                        "sent": example_ref("comment:10065", "2026-03-20T10:00:00+00:00"),
                        "reasons": True,
                        "new_date": "2026-04-10",
                    }
                ]
            },
            now="2026-03-27T10:00:00+00:00",
            params={
                "target": "15 business days",
                "extended_target": "35 business days",
                "extension_requires": ["reasons", "new_date"],
            },
        ),
    ),
)
def regulatory_response(
    record: ComplaintRecord, p: RegulatoryResponseParams, ctx: CheckContext
) -> CheckResult:
    """The regime's stop event (final response, holding letter...) comes before its deadline."""
    return _response(record, p, ctx, stage=1)


@check(
    id="stage2-response",
    title="Stage-2 response within the regulatory deadline",
    short_title="Stage-2 responded",
    clauses=("7.7", "7.9"),
    severity=Severity.CRITICAL,
    params=RegulatoryResponseParams,
    remediation=_RESPONSE_REMEDIATION,
    # Stage 2 from Mon 03-16 10:00; 20 business days (Easter 04-03 and 04-06 are holidays): due
    # at the close of Wed 04-15.
    examples=(
        Example(
            "stage-2 final response within 20 business days",
            Status.PASS,
            {
                "stage2_requested": example_ref("comment:10065", "2026-03-16T10:00:00+00:00"),
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10080", "2026-04-01T10:00:00+00:00"),
                        "stage": 2,
                    }
                ],
            },
            now="2026-04-02T10:00:00+00:00",
            params={"target": "20 business days", "start": "stage2_started"},
        ),
        Example(
            "no stage-2 response after the deadline",
            Status.FAIL,
            {"stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00")},
            now="2026-04-20T10:00:00+00:00",
            params={"target": "20 business days", "start": "stage2_started"},
        ),
    ),
)
def stage2_response(record: ComplaintRecord, p: RegulatoryResponseParams, ctx: CheckContext) -> CheckResult:
    """The stage-2 response comes before the regime's stage-2 deadline."""
    return _response(record, p, ctx, stage=2)


class HoldingParams(FigureParams):
    #: The deadline the holding letter must precede (e.g. 8 weeks, 15 business days).
    target: RegimeTargetField | None = None
    start: ClockStart = ClockStart.RECEIVED
    #: What the holding letter must show.
    required: list[Content] = Field(default_factory=lambda: [Content.REASONS, Content.NEW_DATE])
    #: The latest final deadline the letter may promise (PSD2: 35 business days).
    extended_target: RegimeTargetField | None = None
    #: The acknowledgement that starts the clock (``start: acknowledged`` / ``stage2_acknowledged``)
    #: was due within this (Housing Ombudsman Code 2024 6.2 / 6.11): a later one, or none but the
    #: response itself, starts the clock at that deadline.
    acknowledge_within: DurationField | None = None
    #: Responses that make a holding letter unnecessary when sent by the deadline.
    final_on: list[StopEvent] = Field(default_factory=lambda: [StopEvent.FINAL_RESPONSE])
    rule: str | None = None


def _judge_letter(
    record: ComplaintRecord,
    holding: Letter,
    p: HoldingParams,
    ctx: CheckContext,
    *,
    start_at: datetime,
    due_at: datetime,
    facts: dict[str, str | int | float | bool | None],
    used: list[str],
    what: str,
) -> CheckResult:
    """A holding / extension letter: before the deadline, complete, promising a date within the limit."""
    problems = []
    if holding.sent.at > due_at:
        problems.append(f"sent {fmt(holding.sent.at, ctx)}, after the deadline {fmt(due_at, ctx)}")
    missing = missing_content(holding, p.required)
    if missing:
        problems.append(f"does not show {', '.join(missing)}")
    extended = p.extended_target.for_record(record) if p.extended_target else None
    if p.extended_target is not None and extended is not None and holding.new_date is not None:
        used.append(f"extended_target.{p.extended_target.key_for(record)}")
        limit = ctx.calendar.due(start_at, extended)
        if holding.new_date > ctx.calendar.local(limit).date():
            problems.append(
                f"promises {holding.new_date.isoformat()}, after the {extended} limit "
                f"({ctx.calendar.local(limit):%Y-%m-%d})"
            )
    evidence = (event_evidence(holding.sent, what.lower()),)
    if holding.new_date is not None:
        facts["new_date"] = holding.new_date.isoformat()
    if problems:
        facts["problems"] = "; ".join(problems)
        return CheckResult(
            Status.FAIL,
            f"{what} " + "; ".join(problems) + rule_note(p.rule),
            due_at,
            evidence,
            facts,
            _HOLDING_FIELDS,
        )
    return CheckResult(Status.PASS, f"{what} on time and complete", due_at, evidence, facts, _HOLDING_FIELDS)


_HOLDING_FIELDS = ("received_at", "letters", "decided", "stage2_requested", "stage2_started")


def _holding_start(
    record: ComplaintRecord, p: HoldingParams, ctx: CheckContext
) -> tuple[datetime | None, str, Duration | None]:
    start_at, started_by = clock_start(record, p.start, acknowledge_within=p.acknowledge_within, ctx=ctx)
    target = p.target.for_record(record) if p.target else None
    return start_at, started_by, target


@check(
    id="holding-response",
    title="Holding (delay) letter sent before the deadline, with reasons and a new date",
    short_title="Holding letter in time",
    clauses=("7.3", "7.7"),
    severity=Severity.HIGH,
    params=HoldingParams,
    remediation=(
        "Before the deadline, send the complainant a holding letter explaining why the final "
        "response is delayed and when it will be sent (and their ombudsman referral rights where "
        "the regime requires it)."
    ),
    # 15 business days from Mon 2026-03-02 10:00: due at the close of Mon 03-23.
    examples=(
        Example(
            "holding letter on day 14 with reasons and a new date",
            Status.PASS,
            {
                "letters": [
                    {
                        "kind": "holding_response",
                        "sent": example_ref("comment:10065", "2026-03-20T10:00:00+00:00"),
                        "reasons": True,
                        "new_date": "2026-04-10",
                    }
                ]
            },
            now="2026-03-24T10:00:00+00:00",
            params={"target": "15 business days"},
        ),
        Example(
            "holding letter without reasons",
            Status.FAIL,
            {
                "letters": [
                    {
                        "kind": "holding_response",
                        "sent": example_ref("comment:10065", "2026-03-20T10:00:00+00:00"),
                        "new_date": "2026-04-10",
                    }
                ]
            },
            now="2026-03-24T10:00:00+00:00",
            params={"target": "15 business days"},
        ),
        Example(
            "final response by the deadline: no holding letter needed",
            Status.NOT_APPLICABLE,
            {
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-20T10:00:00+00:00"),
                    }
                ]
            },
            now="2026-03-24T10:00:00+00:00",
            params={"target": "15 business days"},
        ),
    ),
)
def holding_response(record: ComplaintRecord, p: HoldingParams, ctx: CheckContext) -> CheckResult:
    """A holding letter, when the final response is not sent by the deadline, is timely and complete."""
    fields = _HOLDING_FIELDS
    start_at, started_by, target = _holding_start(record, p, ctx)
    if start_at is None or target is None or p.target is None:
        reason = started_by if start_at is None else "no deadline for this complaint"
        return CheckResult(Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=fields)
    due_at = ctx.calendar.due(start_at, target)
    used = [f"target.{p.target.key_for(record)}"]
    facts: dict[str, str | int | float | bool | None] = {"target": str(target), "rule": p.rule}
    final = first_stop(record, list(p.final_on), 1)
    holding = record.letter(LetterKind.HOLDING, 1)
    if holding is None:
        if final is not None and final.at <= due_at:
            return CheckResult(
                Status.NOT_APPLICABLE,
                "Final response sent by the deadline: no holding letter needed",
                due_at,
                (event_evidence(final),),
                facts,
                fields,
            )
        result = clock(
            what="Final response or holding letter" + rule_note(p.rule),
            started=start_at,
            due_at=due_at,
            done=None,
            ctx=ctx,
            fields_read=fields,
            facts=facts,
        )
        return with_confidence(result, p, used)
    result = _judge_letter(
        record,
        holding,
        p,
        ctx,
        start_at=start_at,
        due_at=due_at,
        facts=facts,
        used=used,
        what="Holding letter",
    )
    return with_confidence(result, p, used)


@check(
    id="stage2-extension",
    title="Stage-2 extension letter sent before the deadline, with reasons and a new date",
    short_title="Stage-2 extension letter",
    clauses=("7.3", "7.9"),
    severity=Severity.HIGH,
    params=HoldingParams,
    remediation=(
        "An extension at stage 2 must be explained in writing before the stage-2 deadline: send "
        "the complainant the reasons and the new date (within the regime's extension limit)."
    ),
    # Stage 2 from Mon 03-16 10:00; 20 business days: due at the close of Wed 04-15.
    examples=(
        Example(
            "extension letter before the stage-2 deadline, with reasons and a new date",
            Status.PASS,
            {
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "letters": [
                    {
                        "kind": "holding_response",
                        "sent": example_ref("comment:10085", "2026-04-01T10:00:00+00:00"),
                        "stage": 2,
                        "reasons": True,
                        "new_date": "2026-04-30",
                    }
                ],
            },
            now="2026-04-02T10:00:00+00:00",
            params={"target": "20 business days", "start": "stage2_started"},
        ),
        Example(
            "extension letter after the stage-2 deadline",
            Status.FAIL,
            {
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "letters": [
                    {
                        "kind": "holding_response",
                        "sent": example_ref("comment:10085", "2026-04-20T10:00:00+00:00"),
                        "stage": 2,
                        "reasons": True,
                        "new_date": "2026-04-30",
                    }
                ],
            },
            now="2026-04-21T10:00:00+00:00",
            params={"target": "20 business days", "start": "stage2_started"},
        ),
    ),
)
def stage2_extension(record: ComplaintRecord, p: HoldingParams, ctx: CheckContext) -> CheckResult:
    """A stage-2 extension letter, when there is one, precedes the stage-2 deadline and is complete.

    No extension letter is not a finding here: ``stage2-response`` then holds the original deadline.
    """
    fields = _HOLDING_FIELDS
    if record.stage2_started is None and record.stage2_requested is None:
        return CheckResult(Status.NOT_APPLICABLE, "No stage-2 escalation", fields_read=fields)
    holding = record.letter(LetterKind.HOLDING, 2)
    start_at, started_by, target = _holding_start(record, p, ctx)
    if holding is None:
        return CheckResult(Status.NOT_APPLICABLE, "No stage-2 extension letter", fields_read=fields)
    if start_at is None or target is None or p.target is None:
        reason = started_by if start_at is None else "no stage-2 deadline for this complaint"
        return CheckResult(Status.NOT_APPLICABLE, reason[:1].upper() + reason[1:], fields_read=fields)
    due_at = ctx.calendar.due(start_at, target)
    used = [f"target.{p.target.key_for(record)}"]
    facts: dict[str, str | int | float | bool | None] = {"target": str(target), "rule": p.rule}
    result = _judge_letter(
        record,
        holding,
        p,
        ctx,
        start_at=start_at,
        due_at=due_at,
        facts=facts,
        used=used,
        what="Stage-2 extension letter",
    )
    return with_confidence(result, p, used)


class CfpbParams(FigureParams):
    #: Company response in the portal (final, or "In progress") within this of sent-to-company.
    respond_within: DurationField = Duration.parse("15 days")
    #: Final response after an "In progress" reply within this of sent-to-company.
    final_within: DurationField = Duration.parse("60 days")
    rule: str | None = "CFPB Company Portal Manual 8.1"


@check(
    id="cfpb-timely-response",
    title="CFPB portal complaint answered in time (15 days; final within 60)",
    short_title="CFPB timely response",
    clauses=("7.7",),
    severity=Severity.CRITICAL,
    params=CfpbParams,
    remediation=(
        "Respond in the CFPB company portal: close the complaint with an explanation or relief, or "
        "mark it In progress and give the final response within 60 days of it being sent to you."
    ),
    # Sent to the company Mon 2026-03-02 10:00: a response due within 15 calendar days.
    examples=(
        Example(
            "final response on day 8",
            Status.PASS,
            {
                "sent_to_company_at": "2026-03-02T10:00:00+00:00",
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-10T10:00:00+00:00"),
                    }
                ],
            },
            now="2026-03-11T10:00:00+00:00",
        ),
        Example(
            "no response by day 18",
            Status.FAIL,
            {"sent_to_company_at": "2026-03-02T10:00:00+00:00"},
            now="2026-03-20T10:00:00+00:00",
        ),
        Example("not a CFPB portal complaint", Status.NOT_APPLICABLE),
    ),
)
def cfpb_timely_response(record: ComplaintRecord, p: CfpbParams, ctx: CheckContext) -> CheckResult:
    """A response by day 15 after the portal sent the complaint; if in progress, final by day 60."""
    fields = ("sent_to_company_at", "letters", "decided")
    sent = record.sent_to_company_at
    if sent is None:
        return CheckResult(Status.NOT_APPLICABLE, "Not a CFPB portal complaint (no sent-to-company date)")
    first_due = ctx.calendar.due(sent, p.respond_within)
    final = first_stop(record, [StopEvent.FINAL_RESPONSE, StopEvent.DECISION], 1)
    interim = first_stop(record, [StopEvent.HOLDING_RESPONSE], 1)
    facts: dict[str, str | int | float | bool | None] = {
        "respond_within": str(p.respond_within),
        "final_within": str(p.final_within),
        "rule": p.rule,
    }
    if final is not None and final.at <= first_due:
        return CheckResult(
            Status.PASS,
            f"Final response within {p.respond_within} of sent-to-company",
            first_due,
            (event_evidence(final),),
            {**facts, "timely_response": "Yes", "response_given": "final"},
            fields,
        )
    if interim is not None and interim.at <= first_due:
        # In progress by the first deadline: the final response is due by the longer limit.
        result = clock(
            what="Final response after In progress" + rule_note(p.rule),
            started=sent,
            due_at=ctx.calendar.due(sent, p.final_within),
            done=final,
            ctx=ctx,
            fields_read=fields,
            evidence=(event_evidence(interim, "In progress response"),),
            facts=facts,
        )
    else:
        responses = [r for r in (final, interim) if r is not None]
        result = clock(
            what="Company response" + rule_note(p.rule),
            started=sent,
            due_at=first_due,
            done=min(responses, key=lambda r: r.at, default=None),
            ctx=ctx,
            fields_read=fields,
            facts=facts,
        )
    return CheckResult(
        result.status,
        result.message,
        result.due_at,
        result.evidence,
        {**result.facts, **_cfpb_timeliness(final, interim, first_due, ctx.now)},
        result.fields_read,
    )


def _cfpb_timeliness(
    final: EvidenceRef | None, interim: EvidenceRef | None, first_due: datetime, now: datetime
) -> dict[str, str | int | float | bool | None]:
    """The CFPB database's "Timely response?" and whether any response was given.

    Field reference ("Timely response?": whether the company gave a timely response) read with
    Company Portal Manual 8.1: a response, final or "In progress", within 15 calendar days of the
    complaint being sent. It is unknown (None) while that clock runs without a response.
    """
    given = [r for r in (final, interim) if r is not None and r.at <= now]
    first = min(given, key=lambda r: r.at, default=None)
    if first is not None and first.at <= first_due:
        timely: str | None = "Yes"
    else:
        timely = "No" if now > first_due else None
    response = "final" if final in given else "in_progress" if given else "none"
    return {"timely_response": timely, "response_given": response}
