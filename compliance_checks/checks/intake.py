"""Receipt of complaint (7.2): the record is complete and the remedy sought is recorded."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, field_validator

from compliance_checks.calendar import Duration
from compliance_checks.findings import Status
from compliance_checks.model import ComplaintRecord, Severity
from compliance_checks.policy import DurationField
from compliance_checks.registry import (
    CheckContext,
    CheckParams,
    CheckResult,
    Example,
    check,
    field_evidence,
    open_status,
)

#: What "present" means for each field the record-complete check can require.
FIELD_READERS: dict[str, Callable[[ComplaintRecord], object]] = {
    "received_at": lambda r: r.received_at,
    "channel": lambda r: r.channel,
    "complainant": lambda r: r.complainant.id or r.complainant.name,
    "complainant_contact": lambda r: r.complainant.contact,
    "description": lambda r: r.description or r.summary,
    "product": lambda r: r.product,
    "category": lambda r: r.category,
    "severity": lambda r: r.severity,
    "remedy_sought": lambda r: r.remedy_sought,
}

#: Each field as a message names it (the key stays in the evidence ref and the ``missing`` fact).
FIELD_TITLES: dict[str, str] = {
    "received_at": "date received",
    "complainant_contact": "complainant contact",
    "remedy_sought": "remedy sought",
}


def _present(value: object) -> bool:
    return value not in (None, "", ()) and not (isinstance(value, str) and not value.strip())


class RecordCompleteParams(CheckParams):
    fields: list[str] = Field(
        default_factory=lambda: [
            "received_at",
            "channel",
            "complainant",
            "complainant_contact",
            "description",
            "product",
            "category",
        ]
    )
    #: Time allowed after receipt to complete the record before it is a FAIL.
    grace: DurationField | None = Duration.parse("1 business days")

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FIELD_READERS))
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known: {sorted(FIELD_READERS)}")
        return value


def _missing_fields_result(
    record: ComplaintRecord,
    missing: list[str],
    grace: Duration | None,
    ctx: CheckContext,
    fields: tuple[str, ...],
    what: str,
) -> CheckResult:
    evidence = tuple(field_evidence(name, None) for name in missing)
    facts: dict[str, str | int | float | bool | None] = {"missing": ", ".join(missing)}
    # A one-field check's ``what`` already names its field.
    message = what if len(fields) == 1 else f"{what}: {', '.join(FIELD_TITLES.get(n, n) for n in missing)}"
    if grace is None or record.stage.is_finished:
        return CheckResult(Status.FAIL, message, None, evidence, facts, fields)
    due_at = ctx.calendar.due(record.received_at, grace)
    return CheckResult(open_status(due_at, ctx), message, due_at, evidence, facts, fields)


@check(
    id="record-complete",
    title="Complaint recorded with the information 7.2 asks for",
    short_title="Record complete",
    clauses=("7.2",),
    severity=Severity.MEDIUM,
    params=RecordCompleteParams,
    remediation=(
        "Fill in the missing fields on the ticket (channel, complainant and contact details, "
        "description, product/service, category)."
    ),
    examples=(
        Example("every intake field recorded", Status.PASS),
        Example(
            "no contact details after the 1-business-day grace",
            Status.FAIL,
            {"complainant": {"id": "cust-1", "name": "Ada Customer"}},
            now="2026-03-04T09:00:00+00:00",
        ),
        Example(
            "no channel; the grace ends tomorrow, inside the warning window",
            Status.AT_RISK,
            {"channel": None},
            now="2026-03-02T11:00:00+00:00",
        ),
    ),
)
def record_complete(record: ComplaintRecord, p: RecordCompleteParams, ctx: CheckContext) -> CheckResult:
    """Every required intake field is recorded (within the grace period after receipt)."""
    fields = tuple(p.fields)
    missing = [name for name in fields if not _present(FIELD_READERS[name](record))]
    if not missing:
        evidence = tuple(field_evidence(name, FIELD_READERS[name](record)) for name in fields)
        return CheckResult(Status.PASS, "All required intake fields are recorded", None, evidence, {}, fields)
    return _missing_fields_result(record, missing, p.grace, ctx, fields, "Missing intake fields")


class RemedyRecordedParams(CheckParams):
    grace: DurationField | None = Duration.parse("2 business days")


@check(
    id="remedy-recorded",
    title="Remedy sought by the complainant is recorded",
    short_title="Remedy sought recorded",
    clauses=("7.2",),
    severity=Severity.LOW,
    params=RemedyRecordedParams,
    remediation="Ask the complainant what outcome they want and record it in the remedy-sought field.",
    examples=(
        Example("remedy sought recorded", Status.PASS),
        Example(
            "not recorded after the 2-business-day grace",
            Status.FAIL,
            {"remedy_sought": None},
            now="2026-03-05T09:00:00+00:00",
        ),
    ),
)
def remedy_recorded(record: ComplaintRecord, p: RemedyRecordedParams, ctx: CheckContext) -> CheckResult:
    """The remedy the complainant seeks is recorded (within the grace period)."""
    fields = ("remedy_sought",)
    if _present(record.remedy_sought):
        return CheckResult(
            Status.PASS,
            "Remedy sought is recorded",
            None,
            (field_evidence("remedy_sought", record.remedy_sought),),
            {},
            fields,
        )
    return _missing_fields_result(
        record, ["remedy_sought"], p.grace, ctx, fields, "Remedy sought not recorded"
    )
