"""The platform-neutral model of one generated complaint.

Scenarios (``scenario``) build these; renderers (``jira_render``, ``zendesk_render``) turn them
into raw API payloads. Values here are *neutral* (status ``investigating``, priority
``critical``, outcome ``not_upheld``); each renderer translates them to its platform's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Pattern(StrEnum):
    """What kind of handling a generated complaint gets (compliant, or one non-compliance)."""

    COMPLIANT = "compliant"
    LATE_ACK = "late_acknowledgement"  # variants: late, missing
    INTERNAL_ACK = "internal_note_acknowledgement"
    URGENT_NOT_ESCALATED = "urgent_not_escalated"
    LONG_SILENCE = "long_silence"
    DECISION_NOT_COMMUNICATED = "decision_not_communicated"
    CLOSED_WITHOUT_OUTCOME = "closed_without_outcome"  # variants: outcome, root_cause
    REJECTED_NO_RECOURSE = "rejected_without_recourse"
    REOPENED = "reopened"
    EMPLOYMENT = "employment_dispute"


class Kind(StrEnum):
    """Neutral history event kinds."""

    COMMENT = "comment"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"
    GROUP = "group"
    LABELS = "labels"
    FIELD = "field"  # a decision / classification field (neutral name in ``Event.field``)
    ESCALATE = "escalate"  # rendered as the platform's escalation signal
    SATISFACTION = "satisfaction"


#: Neutral statuses, in workflow order.
STATUSES = (
    "new",
    "acknowledged",
    "assessment",
    "investigating",
    "waiting",
    "escalated",
    "resolved",
    "closed",
)
PRIORITIES = ("low", "medium", "high", "critical")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")


@dataclass(frozen=True, slots=True)
class Person:
    """A complainant, agent or automation account."""

    id: int
    name: str
    email: str
    role: str  # "end-user", "agent", "admin" or "system"
    locale: str = "en-GB"
    time_zone: str = "Europe/London"

    @property
    def is_agent(self) -> bool:
        return self.role in ("agent", "admin")


Value = str | tuple[str, ...] | None


@dataclass(slots=True)
class Event:
    """One thing that happened to a complaint, in neutral terms."""

    at: datetime
    kind: Kind
    actor: Person
    seq: int  # unique within the complaint; renderers derive platform ids from it
    public: bool | None = None  # comments only
    text: str | None = None  # comments only
    field: str | None = None  # FIELD events: outcome, resolution_summary, root_cause, ...
    before: Value = None
    after: Value = None


@dataclass(slots=True)
class Complaint:
    """A generated complaint: intake data, its history (oldest first) and its state at ``end``."""

    index: int
    pattern: Pattern
    variant: str
    received_at: datetime
    channel: str  # web, email, phone, chat, api, app
    product: str
    category: str
    subcategory: str
    complainant: Person
    subject: str
    description: str
    remedy_sought: str | None
    initial_priority: str
    initial_group: str
    initial_labels: tuple[str, ...]
    events: list[Event] = field(default_factory=list)
    # State at the end of the generated history (replayed from ``events``).
    status: str = "new"
    priority: str = "medium"
    assignee: Person | None = None
    group: str = "Complaints"
    labels: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    satisfaction: str | None = None  # "offered", "good", "bad" or None
    truncated: bool = False  # the planned history ran past ``end`` (complaint still open)

    @property
    def updated_at(self) -> datetime:
        return self.events[-1].at if self.events else self.received_at

    @property
    def is_open(self) -> bool:
        return self.status not in ("resolved", "closed")
