"""What the regulatory checks share: targets by product group, clock starts and stop events.

Regulatory clocks never pause: these checks ignore ``record.paused`` by construction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, PlainValidator

from compliance_checks.calendar import Duration
from compliance_checks.findings import Status
from compliance_checks.model import (
    ComplainantResponse,
    ComplaintRecord,
    EvidenceRef,
    Letter,
    LetterKind,
    SourceKind,
    normalise,
)
from compliance_checks.policy import DurationField, Target
from compliance_checks.registry import CheckContext, CheckResult


class RegimeTarget(Target):
    """A regulatory target; it may also vary by the regulator's product group.

    Resolution order: product group, category, severity, default.
    """

    by_product_group: dict[str, DurationField] = Field(default_factory=dict)

    def for_record(self, record: ComplaintRecord) -> Duration | None:
        if record.product_group is not None:
            for group, duration in self.by_product_group.items():
                if normalise(group) == normalise(record.product_group):
                    return duration
        return super().for_record(record)

    def key_for(self, record: ComplaintRecord) -> str:
        """Which entry ``for_record`` uses, as a key path (``by_category.superannuation``), so a
        finding can say whether that figure is confirmed."""
        for name, table, value in (
            ("by_product_group", self.by_product_group, record.product_group),
            ("by_category", self.by_category, record.category),
        ):
            if value is not None:
                for key in table:
                    if normalise(key) == normalise(value):
                        return f"{name}.{key}"
        if record.severity is not None and record.severity in self.by_severity:
            return f"by_severity.{record.severity.value}"
        return "default"


def _to_regime_target(value: Any) -> RegimeTarget:
    return RegimeTarget.model_validate({"default": value} if isinstance(value, str) else value)


RegimeTargetField = Annotated[RegimeTarget, PlainValidator(_to_regime_target)]


class ClockStart(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    STAGE2_STARTED = "stage2_started"
    STAGE2_ACKNOWLEDGED = "stage2_acknowledged"
    SENT_TO_COMPANY = "sent_to_company"


class StopEvent(StrEnum):
    FINAL_RESPONSE = "final_response"
    HOLDING_RESPONSE = "holding_response"
    SUMMARY_RESOLUTION = "summary_resolution"
    #: The decision (resolved status / decision field): for regimes where any response counts.
    DECISION = "decision"


class Content(StrEnum):
    """Elements a pack may require of a letter; the mapping's ``content`` block recognises each
    (docs/regulatory.md "Letter content")."""

    DECISION = "decision"
    REASONS = "reasons"
    REMEDY = "remedy"
    OMBUDSMAN_RIGHTS = "ombudsman_rights"
    NEW_DATE = "new_date"
    #: FCA DISP 1.6.2R(1)(d): the Financial Ombudsman Service's standard explanatory leaflet.
    OMBUDSMAN_LEAFLET = "ombudsman_leaflet"
    #: DISP 1.6.2R(1)(da), DISP 1.5.4R(4): the ombudsman's website address.
    OMBUDSMAN_WEBSITE = "ombudsman_website"
    #: DISP 2.8.2R(1) as worded in DISP 1 Annex 3R: refer within six months of the letter.
    TIME_LIMIT_SIX_MONTHS = "time_limit_six_months"
    #: DISP 1.6.2R(1)(f), DISP 1.5.4R(3): whether the firm consents to waive the time limits,
    #: in the DISP 1 Annex 3R wording.
    CONSENT_TO_WAIVE_WORDING = "consent_to_waive_wording"
    #: DISP 1.5.4R(1): the complaint was made and the firm now considers it resolved.
    RESOLVED_STATEMENT = "resolved_statement"
    #: Singapore FA (CHR) Regs 2021 reg 5(3)(a): the written notice of reg 7(2), with the
    #: acknowledgement.
    REG7_NOTICE = "reg7_notice"
    #: CBB Rulebook BC-2.3.2(a): how the complaint will be handled and any actions required of
    #: the customer, in the acknowledgement.
    HANDLING_EXPLANATION = "handling_explanation"


def clock_start(
    record: ComplaintRecord,
    start: ClockStart,
    *,
    acknowledge_within: Duration | None = None,
    ctx: CheckContext | None = None,
) -> tuple[datetime | None, str]:
    """When the clock starts and what started it (None: the clock has not started).

    ``acknowledge_within`` (with ``ctx``): the acknowledgement that starts the clock was itself due
    within this of receipt (or of stage 2): a later one starts it at that deadline instead.
    """
    if start is ClockStart.RECEIVED:
        return record.received_at, "received"
    if start is ClockStart.ACKNOWLEDGED:
        if record.acknowledged is not None:
            return _acknowledged_by(
                record.acknowledged.at, "acknowledged", record.received_at, acknowledge_within, ctx
            )
        # Not acknowledged yet: counting from receipt is the strictest reading.
        return record.received_at, "received (not acknowledged yet)"
    if start is ClockStart.SENT_TO_COMPANY:
        return record.sent_to_company_at, "sent to company"
    escalated, escalated_by = stage2_start(record)
    if escalated is None:
        return None, escalated_by
    if start is ClockStart.STAGE2_ACKNOWLEDGED and record.stage2_acknowledged is not None:
        return _acknowledged_by(
            record.stage2_acknowledged.at, "stage 2 acknowledged", escalated, acknowledge_within, ctx
        )
    if start is ClockStart.STAGE2_ACKNOWLEDGED:
        return escalated, f"{escalated_by} (not acknowledged yet)"
    return escalated, escalated_by


def _acknowledged_by(
    at: datetime, what: str, base: datetime, within: Duration | None, ctx: CheckContext | None
) -> tuple[datetime, str]:
    """A clock counted from an acknowledgement starts no later than the acknowledgement was due:
    acknowledging late (or only in the response itself) buys no time."""
    if within is None or ctx is None:
        return at, what
    due = ctx.calendar.due(base, within)
    if at <= due:
        return at, what
    return due, f"{what} late: counted from the acknowledgement deadline ({within})"


def stage2_start(record: ComplaintRecord) -> tuple[datetime | None, str]:
    """When stage 2 began for the clocks: the complainant's request when mapped (the earlier of
    the request and the stage-2 mark); else the mark, saying the clock may start late."""
    requested, started = record.stage2_requested, record.stage2_started
    if requested is not None and (started is None or requested.at <= started.at):
        return requested.at, "stage 2 requested by the complainant"
    if started is not None and requested is not None:
        return started.at, "stage 2 marked (before the mapped request)"
    if started is not None:
        return started.at, "stage 2 marked by an agent (request time not mapped: may start late)"
    return None, "stage 2 not started"


def unproven_stage2_pass(result: CheckResult, record: ComplaintRecord, start_at: datetime) -> CheckResult:
    """A stage-2 clock counted from the agent's stage-2 mark because the complainant's request
    time is not mapped may have started earlier than that: a FAIL from it stands (the request
    came at or before the mark), a PASS is not evidence and becomes MANUAL."""
    started = record.stage2_started
    if (
        result.status is not Status.PASS
        or record.stage2_requested is not None
        or started is None
        or start_at != started.at
    ):
        return result
    message = (
        f"{result.message}, counted from the agent's stage-2 mark: the complainant's request "
        "time is not mapped (regulatory.stage2.requested_labels / requested_field), so check "
        "by hand when they asked"
    )
    return replace(result, status=Status.MANUAL, message=message,
                   facts={**result.facts, "stage2_request": "not mapped"})


def stage_of(record: ComplaintRecord, moment: datetime) -> int:
    started = record.stage2_started
    return 2 if started is not None and moment >= started.at else 1


_LETTER_OF = {
    StopEvent.FINAL_RESPONSE: LetterKind.FINAL,
    StopEvent.HOLDING_RESPONSE: LetterKind.HOLDING,
    StopEvent.SUMMARY_RESOLUTION: LetterKind.SUMMARY,
}


def first_stop(
    record: ComplaintRecord, events: list[StopEvent], stage: int, after: datetime | None = None
) -> EvidenceRef | None:
    """The earliest stop event of ``stage`` (at or after ``after``)."""
    candidates: list[EvidenceRef] = []
    for event in events:
        if event is StopEvent.DECISION:
            decided = record.decided
            if decided is not None and stage_of(record, decided.at) == stage:
                candidates.append(decided)
            continue
        letter = record.letter(_LETTER_OF[event], stage)
        if letter is not None:
            candidates.append(letter.sent)
    if after is not None:
        candidates = [c for c in candidates if c.at >= after]
    return min(candidates, key=lambda ref: ref.at, default=None)


def missing_content(letter: Letter, required: list[Content]) -> list[str]:
    """Required content the letter does not evidence (None = not evidenced)."""
    missing = []
    for item in required:
        value: object = letter.new_date if item is Content.NEW_DATE else letter.shows(item.value)
        if value in (None, False):
            missing.append(item.value.replace("_", " "))
    return missing


def in_categories(record: ComplaintRecord, categories: list[str]) -> bool:
    """Whether the record's category is one of ``categories``, compared as the targets' tables are
    (``normalise``: a Zendesk tag ``credit_hardship`` is ``credit hardship``)."""
    if record.category is None:
        return False
    wanted = normalise(record.category)
    return any(normalise(c) == wanted for c in categories)


def acceptance_time_unknown(record: ComplaintRecord) -> bool:
    """Accepted (``complainant_response``) but the ticket does not show when."""
    return record.complainant_response is ComplainantResponse.ACCEPTED and record.accepted is None


def rule_note(rule: str | None) -> str:
    return f" ({rule})" if rule else ""


def derived_ref(at: datetime, note: str) -> EvidenceRef:
    return EvidenceRef(at=at, source_kind=SourceKind.DERIVED, source_id="clock-start", note=note)


def fmt(moment: datetime, ctx: CheckContext) -> str:
    return ctx.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")
