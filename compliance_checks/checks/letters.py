"""Regulated content and independence: final response content, FCA summary resolution, stage-2 handler.

Regime notes: final-response-content (fca-disp, psd2, asic-rg271, cbi-cpc, housing-ombudsman,
spso, singapore-fa); summary-resolution (fca-disp, DISP 1.5); stage2-handler-differs
(housing-ombudsman, spso); acknowledgement-content (singapore-fa, bahrain-cbb).
"""

from __future__ import annotations

from pydantic import Field, StrictBool

from compliance_checks.calendar import Duration
from compliance_checks.checks.regime_common import (
    Content,
    acceptance_time_unknown,
    fmt,
    in_categories,
    missing_content,
    rule_note,
)
from compliance_checks.findings import Status
from compliance_checks.model import (
    ComplaintRecord,
    LetterKind,
    Outcome,
    Severity,
    Stage,
)
from compliance_checks.policy import DurationField
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
    field_evidence,
)


class FinalContentParams(CheckParams):
    required: list[Content] = Field(
        default_factory=lambda: [
            Content.DECISION,
            Content.REASONS,
            Content.REMEDY,
            Content.OMBUDSMAN_RIGHTS,
        ]
    )
    #: Two-stage procedures: what a stage-1 response must show when it differs from ``required``
    #: (SPSO: only the stage-2 final response signposts the ombudsman). None: ``required``.
    required_stage1: list[Content] | None = None
    #: A remedy is required only for these outcomes (an unknown outcome requires it).
    remedy_for_outcomes: list[Outcome] = Field(
        default_factory=lambda: [Outcome.UPHELD, Outcome.PARTLY_UPHELD]
    )
    #: Time after the decision to send the final response letter.
    grace: DurationField = Duration.parse("1 business days")
    #: No final response letter is needed for a complaint resolved and accepted within this time
    #: of receipt (FCA DISP 1.5: 3 business days; ASIC RG 271: 5 business days).
    accepted_within: DurationField | None = None
    #: Categories that always need the written response, however early they are resolved.
    accepted_within_excludes: list[str] = Field(default_factory=list)
    rule: str | None = None


def _accepted_early(
    record: ComplaintRecord, within: Duration | None, excludes: list[str], ctx: CheckContext
) -> bool:
    """Resolved by the complainant's acceptance within ``within`` of receipt; an acceptance at an
    unknown time never proves it (the final response rules apply)."""
    resolved = record.resolved_by_acceptance()
    if within is None or resolved is None or in_categories(record, excludes):
        return False
    return resolved <= ctx.calendar.due(record.received_at, within)


@check(
    id="final-response-content",
    title="Final response states the decision, reasons, remedy and ombudsman referral rights",
    short_title="Final response content",
    clauses=("7.8", "7.9"),
    severity=Severity.HIGH,
    params=FinalContentParams,
    remediation=(
        "Send (or correct) the final response: the decision, the reasons for it, the remedy offered, "
        "and the complainant's right to refer the complaint to the ombudsman with the time limit."
    ),
    examples=(
        Example(
            "final response with decision, reasons, remedy and ombudsman rights",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-10T10:00:00+00:00"),
                "outcome": "upheld",
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-10T11:00:00+00:00"),
                        "decision": True,
                        "reasons": True,
                        "remedy": True,
                        "ombudsman_rights": True,
                    }
                ],
            },
            now="2026-03-11T10:00:00+00:00",
        ),
        Example(
            "final response without the ombudsman referral rights",
            Status.FAIL,
            {
                "decided": example_ref("changelog:30001", "2026-03-10T10:00:00+00:00"),
                "outcome": "upheld",
                "letters": [
                    {
                        "kind": "final_response",
                        "sent": example_ref("comment:10060", "2026-03-10T11:00:00+00:00"),
                        "decision": True,
                        "reasons": True,
                        "remedy": True,
                    }
                ],
            },
            now="2026-03-11T10:00:00+00:00",
        ),
        Example(
            "decided, no final response letter after the 1-business-day grace",
            Status.FAIL,
            {"decided": example_ref("changelog:30001", "2026-03-10T10:00:00+00:00"), "outcome": "upheld"},
            now="2026-03-12T09:00:00+00:00",
        ),
    ),
)
def final_response_content(record: ComplaintRecord, p: FinalContentParams, ctx: CheckContext) -> CheckResult:
    """The last final response shows every required element; decided complaints get one."""
    fields = ("letters", "decided", "outcome")
    final = next((x for x in reversed(record.letters) if x.kind is LetterKind.FINAL), None)
    if final is None:
        if record.decided is None:
            return CheckResult(Status.NOT_APPLICABLE, "No decision yet", fields_read=fields)
        if _accepted_early(record, p.accepted_within, p.accepted_within_excludes, ctx):
            return CheckResult(
                Status.NOT_APPLICABLE,
                f"Resolved and accepted within {p.accepted_within}: no final response letter required",
                fields_read=fields,
            )
        return clock(
            what="Final response letter" + rule_note(p.rule),
            started=record.decided.at,
            due_at=ctx.calendar.due(record.decided.at, p.grace),
            done=None,
            ctx=ctx,
            fields_read=fields,
            evidence=(event_evidence(record.decided, "decision"),),
            facts={"grace": str(p.grace)},
        )
    required = list(p.required if final.stage != 1 or p.required_stage1 is None else p.required_stage1)
    if record.outcome is not None and record.outcome not in p.remedy_for_outcomes:
        required = [c for c in required if c is not Content.REMEDY]
    missing = missing_content(final, required)
    evidence = (event_evidence(final.sent, "final response"),)
    facts: dict[str, str | int | float | bool | None] = {
        "required": ", ".join(c.value for c in required),
        "letter_stage": final.stage,
        "rule": p.rule,
    }
    if missing:
        facts["missing"] = ", ".join(missing)
        return CheckResult(
            Status.FAIL,
            f"Final response does not show: {', '.join(missing)}{rule_note(p.rule)}",
            None,
            evidence,
            facts,
            fields,
        )
    return CheckResult(Status.PASS, "Final response content complete", None, evidence, facts, fields)


class SummaryResolutionParams(CheckParams):
    #: DISP 1.5: resolved by the close of the third business day after the day of receipt.
    resolved_within: DurationField = Duration.parse("3 business days")
    #: "Promptly" (firm target): the summary resolution communication after the resolution.
    within: DurationField = Duration.parse("1 business days")
    required: list[Content] = Field(default_factory=lambda: [Content.OMBUDSMAN_RIGHTS])
    #: A full final response also satisfies the rule.
    final_response_counts: StrictBool = True
    rule: str | None = "DISP 1.5"


@check(
    id="summary-resolution",
    title="Summary resolution communication for complaints resolved within three business days",
    short_title="Summary resolution letter",
    clauses=("7.8", "7.9"),
    severity=Severity.HIGH,
    params=SummaryResolutionParams,
    remediation=(
        "Send the complainant a summary resolution communication: that the complaint is resolved, "
        "that they may refer it to the Financial Ombudsman Service if they later disagree, and the "
        "ombudsman's website."
    ),
    examples=(
        Example(
            "resolved and accepted the next day; summary resolution with ombudsman rights",
            Status.PASS,
            {
                "decided": example_ref("changelog:30001", "2026-03-03T10:00:00+00:00"),
                "complainant_response": "accepted",
                "accepted": example_ref("changelog:30002", "2026-03-03T10:30:00+00:00"),
                "letters": [
                    {
                        "kind": "summary_resolution",
                        "sent": example_ref("comment:10061", "2026-03-03T11:00:00+00:00"),
                        "ombudsman_rights": True,
                    }
                ],
            },
            now="2026-03-04T10:00:00+00:00",
        ),
        Example(
            "summary resolution that does not mention the ombudsman",
            Status.FAIL,
            {
                "decided": example_ref("changelog:30001", "2026-03-03T10:00:00+00:00"),
                "complainant_response": "accepted",
                "accepted": example_ref("changelog:30002", "2026-03-03T10:30:00+00:00"),
                "letters": [
                    {
                        "kind": "summary_resolution",
                        "sent": example_ref("comment:10061", "2026-03-03T11:00:00+00:00"),
                    }
                ],
            },
            now="2026-03-04T10:00:00+00:00",
        ),
        Example(
            "accepted, but the ticket does not show when (acceptance time not mapped)",
            Status.MANUAL,
            {
                "decided": example_ref("changelog:30001", "2026-03-03T10:00:00+00:00"),
                "complainant_response": "accepted",
            },
            now="2026-03-04T10:00:00+00:00",
        ),
    ),
)
def summary_resolution(record: ComplaintRecord, p: SummaryResolutionParams, ctx: CheckContext) -> CheckResult:
    """A complaint resolved and accepted by the third business day gets a summary resolution.

    Resolved means the complainant indicated acceptance (DISP 1.5.2AR), so the acceptance time,
    not the decision time, must fall in the window (DISP 1.5.1R)."""
    fields = ("received_at", "decided", "complainant_response", "accepted", "letters")
    decided = record.decided
    resolved_by = ctx.calendar.due(record.received_at, p.resolved_within)
    if decided is None:
        return CheckResult(Status.NOT_APPLICABLE, "Not resolved yet", fields_read=fields)
    resolved = record.resolved_by_acceptance()
    if resolved is None and acceptance_time_unknown(record) and decided.at <= resolved_by:
        return CheckResult(
            Status.MANUAL,
            f"Accepted, but the ticket does not show when: a summary resolution only if accepted by "
            f"{fmt(resolved_by, ctx)}; until shown, the final response rules apply",
            resolved_by,
            (event_evidence(decided, "decision"), absent("no acceptance time on the timeline")),
            {"resolved_within": str(p.resolved_within), "rule": p.rule},
            fields,
        )
    if resolved is None or resolved > resolved_by:
        when = f" (accepted {fmt(resolved, ctx)})" if resolved is not None else ""
        return CheckResult(
            Status.NOT_APPLICABLE,
            f"Not resolved and accepted by {fmt(resolved_by, ctx)}{when}: the final response rules apply",
            fields_read=fields,
        )
    letter = record.summary_resolution
    if letter is None and p.final_response_counts:
        letter = record.final_response
    result = clock(
        what="Summary resolution communication" + rule_note(p.rule),
        started=resolved,
        due_at=ctx.calendar.due(resolved, p.within),
        done=letter.sent if letter else None,
        ctx=ctx,
        fields_read=fields,
        facts={"resolved_within": str(p.resolved_within), "within": str(p.within)},
    )
    if letter is None or result.status is not Status.PASS:
        return result
    missing = missing_content(letter, p.required)
    if missing:
        return CheckResult(
            Status.FAIL,
            f"Summary resolution communication does not show: {', '.join(missing)}",
            result.due_at,
            result.evidence,
            {**result.facts, "missing": ", ".join(missing)},
            fields,
        )
    return result


class Stage2HandlerParams(CheckParams):
    #: Time after stage 2 starts to hand the complaint to a different handler.
    assign_within: DurationField = Duration.parse("2 business days")


@check(
    id="stage2-handler-differs",
    title="Stage-2 complaint handled by someone other than the stage-1 handler",
    short_title="Stage-2 handler differs",
    clauses=("4", "7.9"),
    severity=Severity.HIGH,
    params=Stage2HandlerParams,
    remediation=(
        "Assign the stage-2 review to a handler who was not involved at stage 1 (objectivity), and "
        "record the hand-over on the ticket."
    ),
    examples=(
        Example(
            "stage 2 handled by someone else",
            Status.PASS,
            {
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "handlers_by_stage": {1: ["alice"], 2: ["bob"]},
            },
            now="2026-03-17T10:00:00+00:00",
        ),
        Example(
            "stage 2 resolved by the stage-1 handler",
            Status.FAIL,
            {
                "stage": "resolved",
                "stage2_started": example_ref("changelog:30010", "2026-03-16T10:00:00+00:00"),
                "handlers_by_stage": {1: ["alice"], 2: ["Alice"]},
            },
            now="2026-03-27T10:00:00+00:00",
        ),
    ),
)
def stage2_handler_differs(record: ComplaintRecord, p: Stage2HandlerParams, ctx: CheckContext) -> CheckResult:
    """The stage-2 handler is not the person who handled stage 1."""
    fields = ("stage2_started", "handlers_by_stage")
    started = record.stage2_started
    if started is None:
        return CheckResult(Status.NOT_APPLICABLE, "No stage-2 escalation", fields_read=fields)
    stage1 = record.handlers_by_stage.get(1, ())
    stage2 = record.handlers_by_stage.get(2, ())
    if not stage1:
        return CheckResult(
            Status.MANUAL,
            "Stage-1 handler not known from the ticket history: confirm independence by hand",
            None,
            (absent("no assignee before stage 2"),),
            {},
            fields,
        )
    first_handler, current = stage1[-1], (stage2[-1] if stage2 else None)
    evidence = (
        event_evidence(started, "stage 2 started"),
        field_evidence("handlers_by_stage", {1: list(stage1), 2: list(stage2)}),
    )
    facts: dict[str, str | int | float | bool | None] = {
        "stage1_handler": first_handler,
        "stage2_handler": current,
    }
    finished = record.stage in (Stage.RESOLVED, Stage.CLOSED)
    if current is None:
        if finished:
            return CheckResult(
                Status.FAIL, "Stage 2 finished without a recorded handler", None, evidence, facts, fields
            )
        return clock(
            what="Stage-2 handler assignment",
            started=started.at,
            due_at=ctx.calendar.due(started.at, p.assign_within),
            done=None,
            ctx=ctx,
            fields_read=fields,
            evidence=evidence,
            facts=facts,
        )
    if current.casefold() == first_handler.casefold():
        message = f"Stage 2 handled by {current}, who handled stage 1"
        if finished:
            return CheckResult(Status.FAIL, message, None, evidence, facts, fields)
        return CheckResult(
            Status.AT_RISK, message + ": reassign before the stage-2 response", None, evidence, facts, fields
        )
    return CheckResult(
        Status.PASS,
        f"Stage 2 handled by {current}, not the stage-1 handler {first_handler}",
        None,
        evidence,
        facts,
        fields,
    )


class AckContentParams(CheckParams):
    #: What the written acknowledgement must carry (Singapore FA (CHR) Regs reg 5(3)(a): the reg
    #: 7(2) notice; CBB BC-2.3.2(a): how the complaint will be handled).
    required: list[Content] = Field(default_factory=list)
    #: When the acknowledgement is due, from receipt (the regime's acknowledgement time).
    within: DurationField = Duration.parse("2 business days")
    rule: str | None = None


@check(
    id="acknowledgement-content",
    title="Written acknowledgement carries what the regime prescribes",
    short_title="Acknowledgement content",
    clauses=("7.4",),
    severity=Severity.HIGH,
    params=AckContentParams,
    remediation=(
        "Send the complainant, within the acknowledgement time, a written acknowledgement that "
        "carries the notice or explanation the regime prescribes, and record it on the ticket."
    ),
    # Received Mon 2026-03-02 10:00; 2 business days: due at the close of Wed 03-04.
    examples=(
        Example(
            "acknowledgement with the prescribed notice the next morning",
            Status.PASS,
            {
                "acknowledged": example_ref("comment:10023", "2026-03-03T09:15:00+00:00"),
                "letters": [
                    {
                        "kind": "acknowledgement",
                        "sent": example_ref("comment:10023", "2026-03-03T09:15:00+00:00"),
                        "elements": {"reg7_notice": True},
                    }
                ],
            },
            now="2026-03-03T12:00:00+00:00",
            params={"required": ["reg7_notice"]},
        ),
        Example(
            "acknowledgement without the notice, after the acknowledgement time",
            Status.FAIL,
            {
                "acknowledged": example_ref("comment:10023", "2026-03-03T09:15:00+00:00"),
                "letters": [
                    {
                        "kind": "acknowledgement",
                        "sent": example_ref("comment:10023", "2026-03-03T09:15:00+00:00"),
                    }
                ],
            },
            now="2026-03-05T09:00:00+00:00",
            params={"required": ["reg7_notice"]},
        ),
    ),
)
def acknowledgement_content(record: ComplaintRecord, p: AckContentParams, ctx: CheckContext) -> CheckResult:
    """The acknowledgement letters sent by the acknowledgement deadline show every required element."""
    fields = ("received_at", "acknowledged", "letters")
    if not p.required:
        return CheckResult(Status.NOT_APPLICABLE, "No acknowledgement content prescribed", fields_read=fields)
    due_at = ctx.calendar.due(record.received_at, p.within)
    names = ", ".join(c.value.replace("_", " ") for c in p.required)
    until = min(due_at, ctx.now)  # a letter after the deadline is late; one after "now" not sent yet
    acks = [x for x in record.letters if x.kind is LetterKind.ACKNOWLEDGEMENT and x.sent.at <= until]
    facts: dict[str, str | int | float | bool | None] = {
        "required": ", ".join(c.value for c in p.required),
        "within": str(p.within),
        "rule": p.rule,
    }
    if not acks:
        # No acknowledgement whose content the mapping could read: not evidenced, never PASS.
        return clock(
            what=f"Acknowledgement with the {names}{rule_note(p.rule)}",
            started=record.received_at,
            due_at=due_at,
            done=None,
            ctx=ctx,
            fields_read=fields,
            evidence=(event_evidence(record.acknowledged, "acknowledged, content not evidenced"),)
            if record.acknowledged is not None
            else (),
            facts=facts,
        )
    # The notice may come in a second message before the deadline: an element shown by any counts.
    missing = [c.value.replace("_", " ") for c in p.required if all(missing_content(x, [c]) for x in acks)]
    evidence = tuple(event_evidence(x.sent, "acknowledgement") for x in acks)
    if not missing:
        return CheckResult(Status.PASS, f"Acknowledgement shows the {names}", due_at, evidence, facts, fields)
    facts["missing"] = ", ".join(missing)
    message = f"Acknowledgement does not show: {', '.join(missing)}{rule_note(p.rule)}"
    if ctx.now < due_at:
        return CheckResult(
            Status.PENDING, f"{message}; due by {fmt(due_at, ctx)}", due_at, evidence, facts, fields
        )
    return CheckResult(Status.FAIL, message, due_at, evidence, facts, fields)
