"""A small, hand-counted complaint set for the report tests (counts are worked in test_kpi.py).

Period: October 2026 (Europe/London); as of 2026-11-05 12:00 UTC; baseline: September 2026
as evaluated at 2026-10-01 00:00 London. CS-5 carries hostile ticket content.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from compliance_checks import REGISTRY, parse_policy
from compliance_checks.findings import Evidence, Finding, Status, WaiverApplied
from compliance_checks.model import (
    ActorRole,
    ComplaintRecord,
    Event,
    EventKind,
    EvidenceRef,
    Outcome,
    Party,
    Severity,
    SourceKind,
    Stage,
)
from compliance_checks.registry import Registry
from compliance_checks.waivers import Waiver
from report_templates.env import RenderContext
from report_templates.input import FileRef, Period, Provenance, ReportInput, ReportOptions, Snapshot

AS_OF = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31), "Europe/London")
BASELINE_AT = PERIOD.bounds()[0]  # 2026-10-01 00:00 BST == 2026-09-30 23:00 UTC
RENDER = RenderContext(generated_at=datetime(2026, 11, 5, 12, 30, tzinfo=UTC), version="0.0.0-test")
HOSTILE_SUMMARY = '=HYPERLINK("http://evil.example/x","click me")'
HOSTILE_NAME = "+cmd|' /C calc'!A0"
HOSTILE_CATEGORY = "-1+1"
HOSTILE_ROOT = "@SUM(A1:A9)"
HOSTILE_SCRIPT = "<script>alert('x')</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'

POLICY_TEXT = """
name: report-test
version: 3
calendar:
  timezone: Europe/London
  holidays: {country: GB, subdivision: ENG}
warning_window: 1 business days
checks:
  acknowledged-in-time: {params: {target: 2 business days}}
  response-in-time:
    params:
      target: {default: 20 business days, by_severity: {critical: 5 business days}}
  root-cause-recorded: {params: {outcomes: [upheld, partly_upheld], within: 5 business days}}
kpis:
  acknowledged_in_time: {objective: 95 %, amber: 60 %}
  responded_in_time: {objective: 50 %, amber: 40 %}
  escalated: {objective: 10 %, amber: 15 %}
analysis: {repeat_window_days: 30, systemic_min_count: 2, systemic_min_share: 0 %}
"""
CHECKS = ("acknowledged-in-time", "response-in-time", "root-cause-recorded")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def ref(moment: datetime, source_id: str, note: str | None = None) -> EvidenceRef:
    return EvidenceRef(at=moment, source_kind=SourceKind.COMMENT, source_id=source_id, note=note)


def record(ident: str, received: datetime, **kw: Any) -> ComplaintRecord:
    """A complaint; ``ack_h``/``decided_d``/``closed_d`` are hours/days after receipt."""
    ack_h, decided_d, closed_d = kw.pop("ack_h", None), kw.pop("decided_d", None), kw.pop("closed_d", None)
    person = kw.pop("person", f"P-{ident}")
    timeline = [Event(at=received, kind=EventKind.RECEIVED, source_kind=SourceKind.ISSUE, source_id=ident)]
    if ack_h is not None:
        ack = received + timedelta(hours=ack_h)
        kw["acknowledged"] = ref(ack, f"{ident}-ack", "first public agent reply")
        timeline.append(
            Event(
                at=ack,
                kind=EventKind.COMMENT,
                source_kind=SourceKind.COMMENT,
                source_id=f"{ident}-ack",
                actor_role=ActorRole.AGENT,
                public=True,
                text=kw.pop("ack_text", "Thank you, we have received your complaint."),
            )
        )
    stage = Stage.INVESTIGATING
    if decided_d is not None:
        kw["decided"] = ref(received + timedelta(days=decided_d), f"{ident}-dec")
        stage = Stage.RESOLVED
    if closed_d is not None:
        kw["closed"] = ref(received + timedelta(days=closed_d), f"{ident}-close")
        stage = Stage.CLOSED
    kw.setdefault("stage", stage)
    return ComplaintRecord(
        id=ident,
        platform="jira",
        url=f"https://example.atlassian.net/browse/{ident}",
        received_at=received,
        updated_at=received + timedelta(days=closed_d or decided_d or 1),
        complainant=Party(
            id=person, name=kw.pop("name", f"Person {person}"), contact=f"{person}@mail.example"
        ),
        timeline=tuple(timeline),
        **kw,
    )


def finding(ticket: str, check: str, status: Status, due: datetime | None = None, **kw: Any) -> Finding:
    return Finding(
        ticket=ticket,
        platform="jira",
        check=check,
        title=REGISTRY.get(check).title,
        status=status,
        clauses=REGISTRY.get(check).clauses,
        severity=Severity.HIGH,
        due_at=due,
        message=kw.pop("message", f"{check} {status.value.lower()}"),
        evidence=kw.pop("evidence", (Evidence(kind="event", ref=f"comment:{ticket}-ack", note="reply"),)),
        remediation=None if status is Status.PASS else "Act on it.",
        url=f"https://example.atlassian.net/browse/{ticket}",
        **kw,
    )


def october_records() -> list[ComplaintRecord]:
    return [
        record(
            "CS-1",
            at("2026-10-01"),
            ack_h=2,
            decided_d=3,
            closed_d=5,
            outcome=Outcome.UPHELD,
            root_cause="pricing",
            person="P1",
            satisfaction="good",
            channel="email",
            category="billing",
            severity=Severity.HIGH,
            group="Billing",
            escalated=ref(at("2026-10-01", 12), "CS-1-esc"),
            summary="Charged twice",
            remedy_sought="Refund",
            assignee="agent.a",
            status="Closed",
        ),
        record(
            "CS-2",
            at("2026-10-02", 10),
            ack_h=6,
            decided_d=10,
            closed_d=12,
            outcome=Outcome.NOT_UPHELD,
            root_cause="pricing",
            satisfaction="bad",
            reopen_count=1,
            channel="web",
            category="billing",
            severity=Severity.MEDIUM,
            group="Billing",
            summary="Fee unclear",
            assignee="agent.b",
        ),
        record(
            "CS-3",
            at("2026-10-05", 8),
            ack_h=30,
            decided_d=20,
            closed_d=21,
            outcome=Outcome.PARTLY_UPHELD,
            root_cause="staff",
            person="P1",
            satisfaction="5",
            channel="phone",
            category="service",
            severity=Severity.LOW,
            group="Billing",
            summary="Rude call",
            assignee="agent.a",
        ),
        record(
            "CS-4",
            at("2026-10-10", 12),
            ack_h=1,
            channel="email",
            category="service",
            severity=Severity.CRITICAL,
            group="Complaints",
            summary="Service down",
            assignee="agent.c",
        ),
        record(
            "CS-5",
            at("2026-10-20", 12),
            channel="web",
            category=HOSTILE_CATEGORY,
            severity=Severity.MEDIUM,
            group="Complaints",
            summary=HOSTILE_SUMMARY,
            name=HOSTILE_NAME,
            description=HOSTILE_SCRIPT,
            remedy_sought=HOSTILE_ATTR,
            root_cause=None,
            product=HOSTILE_ROOT,
            assignee=HOSTILE_SCRIPT,
        ),
        record(
            "CS-6",
            at("2026-10-25"),
            channel="email",
            category="employment",
            in_scope=False,
            scope_reason="employment dispute",
            summary="Pay dispute",
        ),
    ]


def september_records(*, as_known_on_oct_1: bool) -> list[ComplaintRecord]:
    cs8: dict[str, Any] = (
        {} if as_known_on_oct_1 else {"decided_d": 40, "closed_d": 41, "outcome": Outcome.NOT_UPHELD}
    )
    return [
        record(
            "CS-7",
            at("2026-09-15"),
            ack_h=4,
            decided_d=8,
            closed_d=9,
            outcome=Outcome.UPHELD,
            root_cause="pricing",
            person="P1",
            channel="email",
            category="billing",
            severity=Severity.MEDIUM,
            group="Billing",
            satisfaction="good",
        ),
        record(
            "CS-8",
            at("2026-09-20"),
            ack_h=50,
            channel="web",
            category="service",
            severity=Severity.HIGH,
            group="Complaints",
            **cs8,
        ),
    ]


def october_findings() -> dict[str, tuple[Finding, ...]]:
    ack, resp, root = CHECKS
    waived = WaiverApplied(
        reason="Phone outage", approver="Q. Lead", expires=date(2026, 12, 31), original_status=Status.FAIL
    )
    return {
        "CS-1": (
            finding("CS-1", ack, Status.PASS),
            finding("CS-1", resp, Status.PASS, at("2026-10-29", 17)),
            finding("CS-1", root, Status.PASS),
        ),
        "CS-2": (
            finding("CS-2", ack, Status.PASS),
            finding("CS-2", resp, Status.PASS, at("2026-10-30", 17)),
            finding("CS-2", root, Status.NOT_APPLICABLE),
        ),
        "CS-3": (
            finding("CS-3", ack, Status.WAIVED, at("2026-10-07", 17), waiver=waived),
            finding("CS-3", resp, Status.FAIL, at("2026-10-20", 17), message="Response late"),
            finding("CS-3", root, Status.PASS),
        ),
        "CS-4": (
            finding("CS-4", ack, Status.PASS),
            finding("CS-4", resp, Status.AT_RISK, at("2026-11-06", 17)),
            finding("CS-4", root, Status.PENDING),
        ),
        "CS-5": (
            finding(
                "CS-5",
                ack,
                Status.FAIL,
                at("2026-10-22", 17),
                message=HOSTILE_SCRIPT,
                evidence=(Evidence(kind="field", ref="field:summary", note=HOSTILE_ATTR),),
            ),
            finding("CS-5", resp, Status.PENDING, at("2026-11-17", 17)),
            finding("CS-5", root, Status.PENDING),
        ),
        "CS-6": tuple(finding("CS-6", c, Status.NOT_APPLICABLE) for c in CHECKS),
        "CS-7": (
            finding("CS-7", ack, Status.PASS),
            finding("CS-7", resp, Status.PASS),
            finding("CS-7", root, Status.PASS),
        ),
        "CS-8": (
            finding("CS-8", ack, Status.FAIL),
            finding("CS-8", resp, Status.FAIL),
            finding("CS-8", root, Status.NOT_APPLICABLE),
        ),
    }


def small_registry() -> Registry:
    """Only the checks this test policy uses, so new checks elsewhere do not move the goldens."""
    registry = Registry()
    for check_id in CHECKS:
        registry.register(REGISTRY.get(check_id))
    return registry


def dataset(**changes: Any) -> ReportInput:
    policy = parse_policy(POLICY_TEXT, "report-test-policy.yaml")
    current = Snapshot(
        AS_OF, tuple(september_records(as_known_on_oct_1=False) + october_records()), october_findings()
    )
    before = september_records(as_known_on_oct_1=True)
    baseline_findings = {
        "CS-7": october_findings()["CS-7"],
        "CS-8": (finding("CS-8", CHECKS[0], Status.FAIL), finding("CS-8", CHECKS[1], Status.AT_RISK)),
    }
    history = (Snapshot(BASELINE_AT, tuple(before), baseline_findings),)
    provenance = Provenance(
        source="test fixture",
        data_freshness=datetime(2026, 11, 4, 18, 0, tzinfo=UTC),
        policy=FileRef("report-test-policy.yaml", policy.sha256),
        mappings=(FileRef("jira.yaml", "0" * 64),),
        waivers=FileRef("waivers.yaml", "1" * 64),
        inputs=(FileRef("export.jsonl", "2" * 64),),
        holidays_version="test",
        code_version="0.0.0-test",
    )
    waivers = (
        Waiver(
            check="acknowledged-in-time",
            ticket="CS-3",
            reason="Phone outage",
            approver="Q. Lead",
            expires=date(2026, 12, 31),
        ),
        Waiver(
            check="response-in-time",
            ticket="CS-9",
            reason="Legal hold",
            approver="R. Boss",
            expires=date(2026, 10, 1),
        ),
    )
    fields: dict[str, Any] = {
        "current": current,
        "period": PERIOD,
        "policy": policy,
        "provenance": provenance,
        "waivers": waivers,
        "history": history,
        "options": ReportOptions(sample_seed=7, sample_size=3, customers=2000),
    }
    fields.update(changes)
    return ReportInput(**fields)
