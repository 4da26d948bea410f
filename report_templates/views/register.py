"""The complaint register (ISO 10002 8.1): one row per complaint received in the period."""

from __future__ import annotations

from datetime import datetime

from compliance_checks.findings import Finding, Status
from compliance_checks.model import ComplaintRecord, Frozen
from report_templates.input import ReportInput
from report_templates.views.common import (
    Column,
    ReportHeader,
    Table,
    cohort,
    header,
    maybe_local,
    status_counts,
    trim,
)

#: Statuses named in a row's findings summary (PASS/NOT_APPLICABLE/PENDING are only counted).
_FINISHED = ("resolved", "closed")
_FLAGGED = (Status.FAIL, Status.AT_RISK, Status.WAIVED, Status.ERROR, Status.MANUAL)


class RegisterRow(Frozen):
    id: str
    url: str | None
    platform: str
    received_at: datetime
    channel: str | None
    complainant: str | None
    complainant_contact: str | None
    representative: bool
    product: str | None
    category: str | None
    subcategory: str | None
    summary: str | None
    remedy_sought: str | None
    in_scope: bool
    scope_reason: str | None
    status: str | None
    stage: str
    severity: str | None
    owner: str | None
    team: str | None
    escalated: bool
    acknowledged_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    root_cause: str | None
    reopen_count: int
    satisfaction: str | None
    findings_pass: int
    findings_flagged: int
    findings_summary: str


class RegisterView(Frozen):
    header: ReportHeader
    total: int
    in_scope: int
    open: int
    rows: tuple[RegisterRow, ...]

    def tables(self) -> tuple[Table, ...]:
        rows = tuple(row.model_dump() for row in self.rows)
        return (Table(name="Register", columns=REGISTER_COLUMNS, rows=rows),)


REGISTER_COLUMNS: tuple[Column, ...] = (
    Column(key="id", label="Complaint"),
    Column(key="url", label="Link", kind="url"),
    Column(key="platform", label="Platform"),
    Column(key="received_at", label="Received", kind="datetime"),
    Column(key="channel", label="Channel"),
    Column(key="complainant", label="Complainant"),
    Column(key="complainant_contact", label="Contact"),
    Column(key="representative", label="Representative"),
    Column(key="product", label="Product/service"),
    Column(key="category", label="Category"),
    Column(key="subcategory", label="Sub-category"),
    Column(key="summary", label="Summary"),
    Column(key="remedy_sought", label="Remedy sought"),
    Column(key="in_scope", label="In scope"),
    Column(key="scope_reason", label="Scope reason"),
    Column(key="status", label="Status"),
    Column(key="stage", label="Stage"),
    Column(key="severity", label="Severity"),
    Column(key="owner", label="Owner"),
    Column(key="team", label="Team"),
    Column(key="escalated", label="Escalated"),
    Column(key="acknowledged_at", label="Acknowledged", kind="datetime"),
    Column(key="decided_at", label="Decided", kind="datetime"),
    Column(key="closed_at", label="Closed", kind="datetime"),
    Column(key="outcome", label="Outcome"),
    Column(key="root_cause", label="Root cause"),
    Column(key="reopen_count", label="Reopened", kind="int"),
    Column(key="satisfaction", label="Satisfaction"),
    Column(key="findings_pass", label="Checks passed", kind="int"),
    Column(key="findings_flagged", label="Findings flagged", kind="int"),
    Column(key="findings_summary", label="Findings"),
)


def findings_summary(findings: tuple[Finding, ...]) -> str:
    """``FAIL: acknowledged-in-time, kept-informed; AT_RISK: response-in-time`` (or ``all clear``)."""
    parts = []
    for status in _FLAGGED:
        checks = sorted(f.check for f in findings if f.status is status)
        if checks:
            parts.append(f"{status.value}: {', '.join(checks)}")
    return "; ".join(parts) if parts else ("all clear" if findings else "not checked")


def register_row(record: ComplaintRecord, findings: tuple[Finding, ...], tz: str) -> RegisterRow:
    counts = status_counts(findings)
    return RegisterRow(
        id=record.id,
        url=record.url,
        platform=record.platform,
        received_at=maybe_local(record.received_at, tz) or record.received_at,
        channel=record.channel,
        complainant=record.complainant.name or record.complainant.id,
        complainant_contact=record.complainant.contact,
        representative=record.representative,
        product=record.product,
        category=record.category,
        subcategory=record.subcategory,
        summary=trim(record.summary, 200),
        remedy_sought=trim(record.remedy_sought, 200),
        in_scope=record.in_scope and not record.deleted,
        scope_reason=record.scope_reason or ("deleted at the source" if record.deleted else None),
        status=record.status,
        stage=record.stage.value,
        severity=record.severity.value if record.severity else None,
        owner=record.assignee,
        team=record.team or record.group,
        escalated=record.escalated is not None or record.escalation_level > 0,
        acknowledged_at=maybe_local(record.acknowledged.at if record.acknowledged else None, tz),
        decided_at=maybe_local(record.decided.at if record.decided else None, tz),
        closed_at=maybe_local(record.closed.at if record.closed else None, tz),
        outcome=record.outcome.value if record.outcome else None,
        root_cause=record.root_cause,
        reopen_count=record.reopen_count,
        satisfaction=record.satisfaction,
        findings_pass=counts["PASS"],
        findings_flagged=sum(counts[s.value] for s in _FLAGGED),
        findings_summary=findings_summary(findings),
    )


def build_register_view(data: ReportInput) -> RegisterView:
    """Every complaint received in the period (out-of-scope ones too, marked), oldest first."""
    tz = data.period.timezone
    snap = data.current
    rows = tuple(register_row(r, snap.findings_for(r.id), tz) for r in cohort(snap, data.period))
    return RegisterView(
        header=header(data, "register", "Complaint register"),
        total=len(rows),
        in_scope=sum(1 for r in rows if r.in_scope),
        open=sum(1 for r in rows if r.in_scope and r.stage not in _FINISHED),
        rows=rows,
    )
