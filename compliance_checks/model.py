"""The ISO 10002 complaint record: what a mapping produces and what checks read.

Field names follow ``shared/docs/iso10002-domain.md`` ("The complaint record"). The record is
immutable; every event on the timeline keeps the id of the platform object it came from
(comment, changelog history, audit, ticket event) so a finding can point at its evidence.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter


def normalise(value: str) -> str:
    """The form a configured value (a pack's table key) and a ticket's value are compared in:
    ``current_account`` (a Zendesk option tag), ``Current account`` (a Jira option name) and
    ``current-account`` all read ``current account``."""
    return " ".join(value.replace("_", " ").replace("-", " ").casefold().split())


class Frozen(BaseModel):
    """Base for immutable domain models: unknown keys are rejected, nothing is mutable."""

    model_config = ConfigDict(frozen=True, extra="forbid")


#: Timeline events, evidence and findings are built hundreds of thousands of times per run, so
#: they are frozen, slotted dataclasses built without validation: mypy checks the callers, and
#: their times come from ``mappings.values.parse_time`` (which rejects naive ones) or from the
#: calendar. Pydantic still validates them, with this configuration, wherever they are read
#: from JSON or from dicts (the store, the report spool, the write-back journal).
VALUE_CONFIG = ConfigDict(extra="forbid")


class Stage(StrEnum):
    """Where a complaint is in the ISO 10002 handling process (7.3-7.9)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ASSESSING = "assessing"
    INVESTIGATING = "investigating"
    AWAITING_COMPLAINANT = "awaiting_complainant"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_finished(self) -> bool:
        """True once the organisation has reached its decision (resolved or closed)."""
        return self in (Stage.RESOLVED, Stage.CLOSED)


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    WITHDRAWN = "withdrawn"


class ComplainantResponse(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NONE = "none"


class ActorRole(StrEnum):
    """Who caused an event. CONNECTOR is this product's own writes: never agent activity."""

    COMPLAINANT = "complainant"
    AGENT = "agent"
    SYSTEM = "system"
    CONNECTOR = "connector"
    UNKNOWN = "unknown"


class EventKind(StrEnum):
    RECEIVED = "received"
    COMMENT = "comment"
    STATUS_CHANGE = "status_change"
    PRIORITY_CHANGE = "priority_change"
    ASSIGNMENT_CHANGE = "assignment_change"
    GROUP_CHANGE = "group_change"
    LABEL_CHANGE = "label_change"
    FIELD_CHANGE = "field_change"
    ESCALATION = "escalation"
    DECISION = "decision"
    CLOSURE = "closure"
    REOPEN = "reopen"
    SATISFACTION = "satisfaction"


class SourceKind(StrEnum):
    """The kind of platform object an event was read from."""

    ISSUE = "issue"
    TICKET = "ticket"
    COMMENT = "comment"
    CHANGELOG = "changelog"
    AUDIT = "audit"
    TICKET_EVENT = "ticket_event"
    METRIC_EVENT = "metric_event"
    DERIVED = "derived"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One entry of the complaint's timeline.

    ``source_id`` is the platform object's id (comment id, changelog history id, audit or
    ticket-event id); derived events (escalation, decision, closure...) carry the id of the
    event that caused them.
    """

    at: AwareDatetime
    kind: EventKind
    source_kind: SourceKind
    source_id: str
    actor_role: ActorRole = ActorRole.UNKNOWN
    actor_id: str | None = None
    public: bool | None = None
    field: str | None = None
    from_value: str | None = None
    to_value: str | None = None
    text: str | None = None
    #: ``field`` as a person reads it ("Outcome" for ``360000000030``); ``field`` stays the id
    #: that mapping rules match.
    field_title: str | None = None
    #: The value was set when the ticket was created (Zendesk ``Create``): not a change, so
    #: e.g. a complaint created as urgent was never *escalated* to urgent.
    initial: bool = False

    __pydantic_config__: ClassVar[ConfigDict] = VALUE_CONFIG

    def ref(self) -> str:
        """A short, stable citation for this event (``comment:10023``)."""
        return f"{self.source_kind.value}:{self.source_id}"


class Party(Frozen):
    id: str | None = None
    name: str | None = None
    contact: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """A timestamped pointer to the event that proves a derived field."""

    at: AwareDatetime
    source_kind: SourceKind
    source_id: str
    note: str | None = None
    #: Who acted (the event's user id), for a report to name them; None when not an event's.
    actor_id: str | None = None

    __pydantic_config__: ClassVar[ConfigDict] = VALUE_CONFIG

    def ref(self) -> str:
        return f"{self.source_kind.value}:{self.source_id}"

    @classmethod
    def of(cls, event: Event, note: str) -> EvidenceRef:
        """A pointer to ``event``, carrying who acted."""
        return cls(at=event.at, source_kind=event.source_kind, source_id=event.source_id, note=note,
                   actor_id=event.actor_id)


class Interval(Frozen):
    """A half-open time interval ``[start, end)``; ``end`` None means still running."""

    start: AwareDatetime
    end: AwareDatetime | None = None


class LetterKind(StrEnum):
    """Regulated communications (regulatory packs, ``docs/regulatory.md``)."""

    #: Holding / delay / extension letter: why the answer is late and when it will come.
    HOLDING = "holding_response"
    #: Final response (or stage response in a two-stage procedure).
    FINAL = "final_response"
    #: FCA DISP 1.5 summary resolution communication.
    SUMMARY = "summary_resolution"
    #: CBUAE 17.3.4: the update an overdue complaint gets, with the reasons for the delay.
    OVERDUE_UPDATE = "overdue_update"
    #: The written acknowledgement, when a regime prescribes what it must carry (Singapore FA
    #: (CHR) Regs reg 5(3)(a) notice, CBB BC-2.3.2(a) explanation).
    ACKNOWLEDGEMENT = "acknowledgement"


class Letter(Frozen):
    """A regulated communication recognised on the ticket, with what its content shows.

    Content flags are None when the mapping cannot tell (treated as not evidenced).
    """

    kind: LetterKind
    sent: EvidenceRef
    #: 1, or 2 when sent at or after the start of stage 2.
    stage: int = 1
    decision: bool | None = None
    reasons: bool | None = None
    remedy: bool | None = None
    ombudsman_rights: bool | None = None
    #: Holding letters: the new date the complainant was given.
    new_date: date | None = None
    #: Further elements by name (ombudsman leaflet, website, time limit, waiver wording, notices),
    #: as the mapping recognises them: True shown, False not shown; absent: not evidenced.
    elements: dict[str, bool] = Field(default_factory=dict)

    def shows(self, element: str) -> bool | None:
        """Whether the letter shows ``element`` (None: not evidenced)."""
        if element in _LETTER_FLAGS:
            flag: bool | None = getattr(self, element)
            return flag
        return self.elements.get(element)


_LETTER_FLAGS = frozenset({"decision", "reasons", "remedy", "ombudsman_rights"})


class ComplaintPart(Frozen):
    """One part of a complaint with its own regulatory clock (e.g. the payment-services part of
    an FCA complaint, answered in 15 business days while the rest has 8 weeks). Mapped per the
    mapping's ``regulatory.parts`` block (docs/regulatory.md).
    """

    #: The part's key as the mapping names it (option value, sub-task key, child ticket id).
    id: str
    name: str | None = None
    #: When the part was raised; None: with the complaint (its ``received_at``).
    received_at: AwareDatetime | None = None
    #: The decision on this part; None: not decided yet.
    decided: EvidenceRef | None = None
    #: Override the complaint's category / product group for this part's deadline.
    category: str | None = None
    product_group: str | None = None


class ComplaintRecord(Frozen):
    """An ISO 10002 complaint, mapped from one helpdesk ticket."""

    # Identity and intake (7.2)
    id: str
    platform: str
    url: str | None = None
    received_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    channel: str | None = None
    complainant: Party = Field(default_factory=Party)
    representative: bool = False
    product: str | None = None
    category: str | None = None
    subcategory: str | None = None
    summary: str | None = None
    description: str | None = None
    remedy_sought: str | None = None
    in_scope: bool = True
    scope_reason: str | None = None
    deleted: bool = False

    # Handling (7.3-7.6)
    status: str | None = None
    stage: Stage = Stage.RECEIVED
    severity: Severity | None = None
    priority: str | None = None
    assignee: str | None = None
    #: The assignee's display name as the helpdesk shows it (``assignee`` stays the id).
    assignee_name: str | None = None
    group: str | None = None
    team: str | None = None
    escalation_level: int = 0
    escalated: EvidenceRef | None = None
    acknowledged: EvidenceRef | None = None
    acknowledgement_channel: str | None = None
    assessed: EvidenceRef | None = None
    last_complainant_update: EvidenceRef | None = None
    next_update_due_at: AwareDatetime | None = None
    paused: tuple[Interval, ...] = ()

    # Decision and closure (7.7-7.9)
    outcome: Outcome | None = None
    resolution_summary: str | None = None
    remedy_offered: str | None = None
    remedy_implemented: bool | None = None
    decided: EvidenceRef | None = None
    decision_communicated: EvidenceRef | None = None
    complainant_response: ComplainantResponse | None = None
    #: When the complainant indicated acceptance (mapping block ``regulatory.acceptance``); None:
    #: not accepted, or accepted at a time the ticket does not show. FCA DISP 1.5.2AR: a complaint
    #: is resolved when the complainant indicated acceptance of a response.
    accepted: EvidenceRef | None = None
    recourse_given: bool | None = None
    closed: EvidenceRef | None = None
    closure_reason: str | None = None
    reopen_count: int = 0

    # Improvement (8.2-8.3)
    root_cause: str | None = None
    linked_complaints: tuple[str, ...] = ()
    corrective_action: str | None = None
    satisfaction_offered: EvidenceRef | None = None
    satisfaction: str | None = None

    # Regulatory packs (mapping block ``regulatory``; all optional)
    #: Holding letters, final responses and summary resolutions, oldest first.
    letters: tuple[Letter, ...] = ()
    #: Two-stage procedures (Housing Ombudsman, SPSO): 1, or 2 once escalated to stage 2.
    procedure_stage: int = 1
    #: When the complainant asked for stage 2 (the stage-2 clocks start here: Housing Ombudsman
    #: Code 2024 6.11, SPSO); ``stage2_started`` is when an agent marked the ticket stage 2.
    stage2_requested: EvidenceRef | None = None
    stage2_started: EvidenceRef | None = None
    stage2_acknowledged: EvidenceRef | None = None
    #: Handlers (assignees, as the platform names them) while at each procedure stage.
    handlers_by_stage: dict[int, tuple[str, ...]] = Field(default_factory=dict)
    #: Regulator's product grouping (FCA return) and redress paid.
    product_group: str | None = None
    #: The payment service a payment services / e-money complaint is about (FCA DISP 1 Annex 1AD
    #: service groupings), when the mapping has a ``regulatory.payment_service`` source.
    payment_service: str | None = None
    redress_amount: Decimal | None = None
    #: CFPB: when the portal sent the complaint to the company (its clocks start here).
    sent_to_company_at: AwareDatetime | None = None
    #: CFPB: when the CFPB received the complaint (the database's "Date received"), when mapped.
    cfpb_received_at: AwareDatetime | None = None
    #: Parts with their own clocks (empty: the complaint is one part).
    parts: tuple[ComplaintPart, ...] = ()

    timeline: tuple[Event, ...] = ()
    #: Where the record came from (ticket key and the ``updated`` stamp it was mapped at).
    raw_ref: str | None = None
    #: Mapped values that are not ISO fields but that a policy or report may group by.
    attributes: dict[str, Any] = Field(default_factory=dict)
    #: Option tag -> the display name people read (helpdesk dropdowns store tags such as
    #: ``fees_and_charges``): values stay tags for checks, policies and machine columns.
    option_names: dict[str, str] = Field(default_factory=dict)
    #: User id -> display name of the people acting on the timeline (ids stay on the events).
    people: dict[str, str] = Field(default_factory=dict)

    def named(self, value: str | None) -> str | None:
        """``value`` as a person reads it: a dropdown option's name, else the value itself."""
        return self.option_names.get(value, value) if value is not None else None

    @property
    def is_open(self) -> bool:
        return not self.stage.is_finished

    def letter(self, kind: LetterKind, stage: int | None = None) -> Letter | None:
        """The first letter of ``kind`` (at ``stage`` when given)."""
        for item in self.letters:
            if item.kind is kind and (stage is None or item.stage == stage):
                return item
        return None

    @property
    def holding_response(self) -> Letter | None:
        return self.letter(LetterKind.HOLDING)

    @property
    def final_response(self) -> Letter | None:
        return self.letter(LetterKind.FINAL)

    @property
    def summary_resolution(self) -> Letter | None:
        return self.letter(LetterKind.SUMMARY)

    def resolved_by_acceptance(self) -> AwareDatetime | None:
        """When the complaint was resolved by the complainant's acceptance: the later of the
        decision and the acceptance (FCA DISP 1.5.2AR: resolved when the complainant indicated
        acceptance of a response). None when not decided, not accepted, or accepted at a time the
        ticket does not show: an early-resolution exemption is then not proven."""
        if self.decided is None or self.accepted is None:
            return None
        if self.complainant_response in (ComplainantResponse.REJECTED, ComplainantResponse.NONE):
            return None  # the acceptance was withdrawn
        return max(self.decided.at, self.accepted.at)

    def public_agent_comments(self) -> tuple[Event, ...]:
        """Complainant updates (7.3): public comments written by an agent, oldest first."""
        return tuple(
            e
            for e in self.timeline
            if e.kind is EventKind.COMMENT and e.public and e.actor_role is ActorRole.AGENT
        )

    def unknown_visibility_agent_comments(self) -> tuple[Event, ...]:
        """Agent comments whose visibility the source could not tell (``public`` is None):
        never an acknowledgement or an update, but a finding must say they were there."""
        return tuple(
            e
            for e in self.timeline
            if e.kind is EventKind.COMMENT and e.public is None and e.actor_role is ActorRole.AGENT
        )

    def event(self, source_kind: SourceKind, source_id: str) -> Event | None:
        for candidate in self.timeline:
            if candidate.source_kind is source_kind and candidate.source_id == source_id:
                return candidate
        return None


#: A timeline's JSON form: the store and the report spool keep it apart from the rest of a
#: record, which reports read far more often.
TIMELINE_JSON: TypeAdapter[tuple[Event, ...]] = TypeAdapter(tuple[Event, ...])
