"""Shared builders for the check tests.

Every record is received on Monday 2026-03-02 10:00 Europe/London (GMT; British Summer Time
starts on Sunday 2026-03-29). The baseline policy's calendar is Europe/London, Mon-Thu
09:00-17:30, Fri 09:00-17:00, England and Wales bank holidays (Good Friday 2026-04-03, Easter
Monday 2026-04-06). Expected ``due_at`` values in the tables are worked out by hand from that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from compliance_checks import BASELINE_POLICY, REGISTRY, CheckContext, context_for, load_policy
from compliance_checks.model import (
    ActorRole,
    ComplaintRecord,
    Event,
    EventKind,
    EvidenceRef,
    Interval,
    Party,
    Severity,
    SourceKind,
    Stage,
)
from compliance_checks.registry import CheckResult

LONDON = ZoneInfo("Europe/London")
POLICY = load_policy(BASELINE_POLICY)
_BASELINE_PARAMS: dict[str, dict[str, Any]] = {
    check_id: dict(config.get("params") or {})
    for check_id, config in yaml.safe_load(BASELINE_POLICY.read_text(encoding="utf-8"))["checks"].items()
}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3, second: int = 0) -> datetime:
    """A local Europe/London time in 2026 (March by default)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=LONDON)


RECEIVED = at(2)  # Monday 2026-03-02 10:00 GMT
NOW = at(2, 12)  # Monday 2026-03-02 12:00 GMT


def ref(source: str, when: datetime, note: str | None = None) -> EvidenceRef:
    """``ref("comment:10023", at(3, 9))`` -> an EvidenceRef citing that platform object."""
    kind, _, source_id = source.partition(":")
    return EvidenceRef(at=when, source_kind=SourceKind(kind), source_id=source_id, note=note)


def comment(
    source: str,
    when: datetime,
    *,
    role: ActorRole = ActorRole.AGENT,
    public: bool = True,
    text: str = "Thank you for your message.",
) -> Event:
    kind, _, source_id = source.partition(":")
    return Event(
        at=when,
        kind=EventKind.COMMENT,
        source_kind=SourceKind(kind),
        source_id=source_id,
        actor_role=role,
        actor_id="agent-1" if role is ActorRole.AGENT else "someone",
        public=public,
        text=text,
    )


def status_change(
    source: str, when: datetime, to: str, frm: str | None = None, *, role: ActorRole = ActorRole.AGENT
) -> Event:
    kind, _, source_id = source.partition(":")
    return Event(
        at=when,
        kind=EventKind.STATUS_CHANGE,
        source_kind=SourceKind(kind),
        source_id=source_id,
        actor_role=role,
        actor_id="agent-1",
        field="status",
        from_value=frm,
        to_value=to,
    )


def pause(start: datetime, end: datetime | None) -> Interval:
    return Interval(start=start, end=end)


def make_record(**overrides: Any) -> ComplaintRecord:
    """A complete, open, medium-severity complaint received Mon 2026-03-02 10:00; override anything."""
    values: dict[str, Any] = {
        "id": "CS-1",
        "platform": "jira",
        "received_at": RECEIVED,
        "channel": "email",
        "complainant": Party(id="cust-1", name="Ada Customer", contact="ada@example.com"),
        "summary": "Charged twice",
        "description": "I was charged twice for my March invoice.",
        "product": "Broadband",
        "category": "Billing",
        "remedy_sought": "Refund the duplicate charge",
        "severity": Severity.MEDIUM,
        "stage": Stage.INVESTIGATING,
        "status": "In Progress",
    }
    values.update(overrides)
    return ComplaintRecord(**values)


def ctx_at(now: datetime) -> CheckContext:
    return context_for(POLICY, now)


@pytest.fixture
def ctx() -> CheckContext:
    """The baseline policy's calendar and warning window, at a fixed ``now`` (Mon 12:00)."""
    return ctx_at(NOW)


def run_check(check_id: str, record: ComplaintRecord, now: datetime = NOW, **params: Any) -> CheckResult:
    """Run one registered check with the baseline policy's params (overridden by ``params``)."""
    spec = REGISTRY.get(check_id)
    parsed = spec.params.model_validate({**_BASELINE_PARAMS.get(check_id, {}), **params})
    return spec.fn(record, parsed, ctx_at(now))


@dataclass(frozen=True)
class Expected:
    """The full expected result of a check: status, due_at, message fragments, evidence refs."""

    status: str
    due_at: datetime | None
    message: tuple[str, ...] = ()
    #: ``Evidence.ref`` of every evidence item, in order (None for "absent" evidence).
    evidence: tuple[str | None, ...] | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def assert_result(result: CheckResult, expected: Expected) -> None:
    assert result.status.value == expected.status, result.message
    assert result.due_at == expected.due_at, (result.due_at, expected.due_at)
    for fragment in expected.message:
        assert fragment in result.message, (fragment, result.message)
    if expected.evidence is not None:
        assert tuple(e.ref for e in result.evidence) == expected.evidence
    for key, value in expected.facts.items():
        assert result.facts.get(key) == value, (key, result.facts)


def derive(
    events: list[Event], *, status: str = "In Progress", priority: str = "Medium", **facts: Any
) -> ComplaintRecord:
    """Map a ticket's events with the shipped Jira mapping (the default evidence rules)."""
    from mappings.derive import build_record
    from mappings.facts import TicketFacts
    from mappings.loader import default_mapping_path, load_mapping

    spec = load_mapping(default_mapping_path("jira")).spec
    ticket = TicketFacts(
        key="CS-1",
        id="10001",
        platform="jira",
        created=RECEIVED,
        raw={"key": "CS-1", "fields": {}},
        status=status,
        priority=priority,
        requester=Party(id="cust-1", name="Ada Customer", contact="ada@example.com"),
        events=list(events),
        **facts,
    )
    return build_record(ticket, spec)
