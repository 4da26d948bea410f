"""From ``TicketFacts`` and the mapping's rules to the ISO 10002 complaint record.

The default evidence rules of the domain document live here, parameterised by the mapping:
acknowledgement = first public agent comment or an acknowledging status (never an internal
note, never our own comment); complainant update = any public agent comment; decision = entry
into a resolved/closed stage or a decision field being set; decision communicated = a public
agent comment at or after the decision (or in the same update); escalation = the mapping's
signals. With ``as_of``, events after that instant are ignored and the state is rewound.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from compliance_checks.model import (
    ActorRole,
    ComplainantResponse,
    ComplaintRecord,
    Event,
    EventKind,
    EvidenceRef,
    Interval,
    Outcome,
    Severity,
    SourceKind,
    Stage,
)
from mappings.facts import TicketFacts
from mappings.regulatory import regulatory_fields
from mappings.schema import FieldRule, FieldRules, MappingSpec
from mappings.select import scope_of
from mappings.values import (
    MappingError,
    TooDeepError,
    casefold_set,
    folded_map,
    parse_time,
    read_source,
    to_text,
)

#: A comment this close before the decision is part of "the same update" (transition screens).
SAME_UPDATE = timedelta(seconds=60)
_ENUMS: dict[str, type[Outcome] | type[ComplainantResponse]] = {
    "outcome": Outcome,
    "complainant_response": ComplainantResponse,
}
_BOOLS = {"representative", "remedy_implemented", "recourse_given"}
_TRUE = {"true", "yes", "y", "1", "on", "given", "provided"}
_FALSE = {"false", "no", "n", "0", "off", "not given", "none"}


def _ref(event: Event, note: str) -> EvidenceRef:
    return EvidenceRef.of(event, note)


class _Stages:
    """Status name -> stage, per the mapping."""

    def __init__(self, spec: MappingSpec) -> None:
        self._by_name = folded_map(spec.status.stages)
        self._fallback = folded_map(spec.status.category_fallback)
        self._default = spec.status.default

    def of(self, status: str | None, category: str | None = None) -> Stage:
        if status is not None and status.casefold() in self._by_name:
            return self._by_name[status.casefold()]
        if category is not None and category.casefold() in self._fallback:
            return self._fallback[category.casefold()]
        return self._default if status is not None else Stage.RECEIVED


def _convert(name: str, rule: FieldRule, raw_value: Any, key: str) -> Any:
    text = to_text(raw_value)
    if text is not None and rule.map:
        lookup = folded_map(rule.map)
        if text.casefold() in lookup:
            value: Any = lookup[text.casefold()]
            text = None if value is None else str(value)
        elif rule.strict:
            raise MappingError(key, name, f"value {text!r} is not in the mapping's map ({sorted(rule.map)})")
    if text is None:
        text = None if rule.default is None else str(rule.default)
    if text is None:
        return None
    if name in _ENUMS:
        enum = _ENUMS[name]
        try:
            return enum(text.casefold().replace(" ", "_").replace("-", "_"))
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise MappingError(
                key, name, f"value {text!r} is not one of {allowed}; add it to the map"
            ) from None
    if name in _BOOLS:
        if text.casefold() in _TRUE:
            return True
        if text.casefold() in _FALSE:
            return False
        raise MappingError(key, name, f"value {text!r} is not a yes/no value; add it to the map")
    if name == "next_update_due":
        try:
            return parse_time(raw_value if not rule.map else text)
        except ValueError as exc:
            raise MappingError(key, name, str(exc)) from None
    if name == "linked_complaints":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


#: Per ``FieldRules`` (by id; the object is kept so the id stays its own): its set rules.
_RULES: dict[int, tuple[FieldRules, tuple[tuple[str, FieldRule], ...]]] = {}


def _field_rules(rules: FieldRules) -> tuple[tuple[str, FieldRule], ...]:
    """(name, rule) of every field the mapping sets, in declaration order: listed once per
    mapping rather than per ticket (the rules are immutable)."""
    cached = _RULES.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    listed = tuple(
        (name, rule) for name in type(rules).model_fields if (rule := getattr(rules, name)) is not None
    )
    if len(_RULES) > 256:
        _RULES.clear()  # mappings reloaded many times: never keep old rules alive
    _RULES[id(rules)] = (rules, listed)
    return listed


def _mapped_fields(facts: TicketFacts, spec: MappingSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    raw, platform, key = facts.raw, spec.platform, facts.key
    for name, rule in _field_rules(spec.fields):
        try:
            values[name] = _convert(name, rule, read_source(rule, raw, platform), key)
        except TooDeepError as exc:
            raise MappingError(key, name, str(exc)) from None
    return values


def _status_history(
    facts: TicketFacts, events: Sequence[Event]
) -> tuple[str | None, list[tuple[datetime, str | None]]]:
    """(initial status, [(at, status entered)]) from status-change events."""
    changes = [e for e in events if e.kind is EventKind.STATUS_CHANGE]
    initial = changes[0].from_value if changes else facts.status
    return initial, [(e.at, e.to_value) for e in changes]


def _finished_episode_start(
    stages: list[tuple[datetime, Stage, Event | None]],
) -> tuple[datetime, Event | None] | None:
    """When the current run of resolved/closed stages began (None if not finished now)."""
    start: tuple[datetime, Event | None] | None = None
    for at, stage, event in stages:
        if stage.is_finished:
            if start is None:
                start = (at, event)
        else:
            start = None
    return start


def _first(events: Iterable[Event], predicate: Any) -> Event | None:
    return next((e for e in events if predicate(e)), None)


_SIGNAL_KINDS = frozenset(
    {
        EventKind.GROUP_CHANGE,
        EventKind.PRIORITY_CHANGE,
        EventKind.STATUS_CHANGE,
        EventKind.LABEL_CHANGE,
        EventKind.FIELD_CHANGE,
    }
)


def _escalation(events: Sequence[Event], facts: TicketFacts, spec: MappingSpec) -> Event | None:
    rules = spec.escalation
    groups, priorities = casefold_set(rules.groups), casefold_set(rules.priorities)
    labels, statuses = casefold_set(rules.labels), casefold_set(rules.statuses)
    fields = casefold_set(rules.fields)

    def is_signal(e: Event) -> bool:
        if e.actor_role is ActorRole.CONNECTOR or e.initial:
            return False
        to = (e.to_value or "").casefold()
        if e.kind is EventKind.GROUP_CHANGE:
            return to in groups
        if e.kind is EventKind.PRIORITY_CHANGE:
            return to in priorities
        if e.kind is EventKind.STATUS_CHANGE:
            return to in statuses
        if e.kind is EventKind.LABEL_CHANGE:
            before = set((e.from_value or "").casefold().split())
            return bool((set(to.split()) - before) & labels)
        if e.kind is EventKind.FIELD_CHANGE:
            return (e.field or "").casefold() in fields and bool(to)
        return False

    # Other kinds (comments: about half the timeline) are never signals: skip them unasked.
    return _first((e for e in events if e.kind in _SIGNAL_KINDS), is_signal)


StageTimeline = list[tuple[datetime, Stage, Event | None]]


def _stage_timeline(
    facts: TicketFacts, events: Sequence[Event], stages_of: _Stages, as_of: datetime | None
) -> tuple[StageTimeline, str | None, Stage]:
    """[(since, stage, causing event)], the status now and the stage now."""
    initial, changes = _status_history(facts, events)
    timeline: StageTimeline = [
        (facts.created, stages_of.of(initial, facts.status_category if not changes else None), None)
    ]
    for event in events:
        if event.kind is EventKind.STATUS_CHANGE:
            timeline.append((event.at, stages_of.of(event.to_value), event))
    status_now = changes[-1][1] if changes else initial
    if as_of is None and facts.status is not None:
        status_now = facts.status
    stage_now = stages_of.of(status_now, facts.status_category if as_of is None else None)
    if timeline[-1][1] is not stage_now:
        # No history for the last move: Jira's resolution date is better evidence than "updated".
        since = facts.resolved_at if stage_now.is_finished and facts.resolved_at else None
        timeline.append((since or facts.updated or facts.created, stage_now, None))
    return timeline, status_now, stage_now


def _pauses(timeline: StageTimeline, spec: MappingSpec) -> tuple[Interval, ...]:
    pausing = set(spec.status.pausing_stages)
    return tuple(
        Interval(start=at, end=nxt[0] if nxt else None)
        for (at, stage, _), nxt in zip(timeline, [*timeline[1:], None], strict=True)
        if stage in pausing
    )


def _is_agent_reply(e: Event) -> bool:
    return e.kind is EventKind.COMMENT and bool(e.public) and e.actor_role is ActorRole.AGENT


def _acknowledgement(events: Sequence[Event], facts: TicketFacts, spec: MappingSpec) -> EvidenceRef | None:
    ack_statuses = casefold_set(spec.status.acknowledging)

    def acknowledges(e: Event) -> bool:
        if _is_agent_reply(e):
            return True
        return (
            e.kind is EventKind.STATUS_CHANGE
            and (e.to_value or "").casefold() in ack_statuses
            and e.actor_role is not ActorRole.CONNECTOR
        )

    event = _first(events, acknowledges)
    if event is None:
        return facts.metric_first_reply
    note = "first public agent reply" if event.kind is EventKind.COMMENT else "acknowledging status"
    return _ref(event, note)


_ASSESSING_KINDS = frozenset({EventKind.STATUS_CHANGE, EventKind.PRIORITY_CHANGE, EventKind.FIELD_CHANGE})


def _assessment(events: Sequence[Event], spec: MappingSpec, stages_of: _Stages) -> EvidenceRef | None:
    stages = set(spec.assessment.stages)
    fields = casefold_set(spec.assessment.fields)

    def assesses(e: Event) -> bool:
        if e.kind is EventKind.STATUS_CHANGE:
            # Only the organisation assesses: a complainant's or our own move does not count.
            return stages_of.of(e.to_value) in stages and e.actor_role in (
                ActorRole.AGENT,
                ActorRole.SYSTEM,
                ActorRole.UNKNOWN,
            )
        if e.kind not in (EventKind.PRIORITY_CHANGE, EventKind.FIELD_CHANGE):
            return False
        named = (e.field or "").casefold() in fields or (
            e.kind is EventKind.PRIORITY_CHANGE and "priority" in fields
        )
        return named and e.actor_role is ActorRole.AGENT

    # Only status, priority and field changes can assess: skip the rest unasked.
    event = _first((e for e in events if e.kind in _ASSESSING_KINDS), assesses)
    return _ref(event, "assessment") if event else None


def _derived_ref(at: datetime, facts: TicketFacts, note: str) -> EvidenceRef:
    return EvidenceRef(at=at, source_kind=SourceKind.DERIVED, source_id=facts.key, note=note)


def _decision(
    events: Sequence[Event],
    timeline: StageTimeline,
    facts: TicketFacts,
    spec: MappingSpec,
    stage_now: Stage,
) -> EvidenceRef | None:
    """Start of the current resolved/closed episode, or an earlier decision-field change."""
    decided: EvidenceRef | None = None
    episode = _finished_episode_start(timeline)
    if episode is not None:
        at, cause = episode
        if cause is not None:
            decided = _ref(cause, f"status changed to {cause.to_value}")
        elif facts.metric_solved is not None:
            # No status history: the platform's own solved time beats the receipt time.
            decided = facts.metric_solved
        else:
            decided = _derived_ref(at, facts, "resolved (no status history)")
    fields = casefold_set(spec.decision.fields)
    field_event = _first(
        (e for e in events if e.kind is EventKind.FIELD_CHANGE),
        lambda e: (e.field or "").casefold() in fields and bool(e.to_value),
    )
    if field_event is not None and (decided is None or field_event.at < decided.at):
        decided = _ref(field_event, _decision_note(field_event, facts))
    if decided is None and facts.metric_solved is not None and stage_now.is_finished:
        decided = facts.metric_solved
    return decided


def _decision_note(event: Event, facts: TicketFacts) -> str:
    """``Outcome set to Not upheld``: the field's title and the option's name, as a person reads
    them; the field id stays on the event the evidence points to (its source id)."""
    value = event.to_value or ""
    return f"{event.field_title or event.field} set to {facts.option_names.get(value, value)}"


def _closure(timeline: StageTimeline, facts: TicketFacts, stage_now: Stage) -> EvidenceRef | None:
    if stage_now is not Stage.CLOSED:
        return None
    entry = _finished_episode_start(
        [(a, s, e) for a, s, e in timeline if s is Stage.CLOSED or not s.is_finished]
    )
    if entry is None:
        return None
    return _ref(entry[1], "closed") if entry[1] else _derived_ref(entry[0], facts, "closed")


def _communication(
    replies: Sequence[Event], decided: EvidenceRef | None, closed: EvidenceRef | None
) -> EvidenceRef | None:
    """First public agent reply at/after the decision (or in the same update), before closure."""
    if decided is None:
        return None
    earliest = decided.at - SAME_UPDATE
    limit = closed.at if closed is not None else None
    event = _first(replies, lambda e: e.at >= earliest and (limit is None or e.at <= limit))
    return _ref(event, "decision communicated") if event else None


def _escalated(
    events: Sequence[Event], facts: TicketFacts, spec: MappingSpec, as_of: datetime | None
) -> EvidenceRef | None:
    event = _escalation(events, facts, spec)
    if event is not None:
        return _ref(event, "escalation signal")
    labels = {label.casefold() for label in facts.labels}
    if as_of is None and labels & casefold_set(spec.escalation.labels):
        return _derived_ref(facts.created, facts, "escalation label present since creation")
    return None


def _satisfaction(
    events: Sequence[Event],
    value: str | None,
    facts: TicketFacts,
    spec: MappingSpec,
    decided: EvidenceRef | None,
) -> EvidenceRef | None:
    event = _first(events, lambda e: e.kind is EventKind.SATISFACTION)
    if event is not None:
        return _ref(event, "satisfaction survey")
    if value and value.casefold() in casefold_set(spec.satisfaction.offered_values):
        at = decided.at if decided else (facts.updated or facts.created)
        return _derived_ref(at, facts, f"satisfaction {value} (time not recorded)")
    return None


def build_record(facts: TicketFacts, spec: MappingSpec, as_of: datetime | None = None) -> ComplaintRecord:
    """Map one ticket's facts onto the record (raises ``MappingError`` naming ticket and field)."""
    if as_of is not None and facts.updated is not None and as_of >= facts.updated:
        # Nothing changed after as_of: the ticket's current state is its state then (and the
        # only trustworthy one when the supplied history is incomplete).
        as_of = None
    events = sorted(
        (e for e in facts.events if as_of is None or e.at <= as_of),
        key=lambda e: (e.at, e.kind is not EventKind.COMMENT, e.source_id),
    )
    stages_of = _Stages(spec)
    timeline, status_now, stage_now = _stage_timeline(facts, events, stages_of, as_of)
    replies = [e for e in events if _is_agent_reply(e)]
    acknowledged = _acknowledgement(events, facts, spec)
    decided = _decision(events, timeline, facts, spec, stage_now)
    closed = _closure(timeline, facts, stage_now)
    reopens = sum(
        1 for prev, cur in itertools.pairwise(timeline) if prev[1].is_finished and not cur[1].is_finished
    )
    escalated = _escalated(events, facts, spec, as_of)
    mapped = _mapped_fields(facts, spec)
    satisfaction = mapped.pop("satisfaction", None) or facts.satisfaction
    received = facts.created
    paused = _pauses(timeline, spec)
    communicated = _communication(replies, decided, closed)
    satisfaction_offered = _satisfaction(events, satisfaction, facts, spec, decided)
    assessed = _assessment(events, spec, stages_of)
    priority_now = facts.priority
    if as_of is not None:
        priority_changes = [e for e in events if e.kind is EventKind.PRIORITY_CHANGE]
        if priority_changes:
            priority_now = priority_changes[-1].to_value
    severity = _severity(facts, spec, priority_now)
    in_scope, scope_reason = scope_of(spec, facts.raw)
    last_update = replies[-1] if replies else None
    complainant = facts.requester
    contact = mapped.pop("complainant_contact", None)
    if contact:
        complainant = complainant.model_copy(update={"contact": contact})

    events_and_derived = tuple(events) + _derived_events(facts, acknowledged, escalated, decided, closed)
    try:
        return ComplaintRecord(
            id=facts.key,
            platform=facts.platform,
            url=facts.url,
            received_at=received,
            updated_at=facts.updated,
            complainant=complainant,
            summary=facts.summary,
            description=facts.description,
            in_scope=in_scope,
            scope_reason=scope_reason,
            deleted=facts.deleted,
            status=status_now,
            stage=stage_now,
            severity=severity,
            priority=priority_now,
            assignee=facts.assignee,
            assignee_name=facts.assignee_name,
            group=facts.group,
            escalation_level=1 if escalated else 0,
            escalated=escalated,
            acknowledged=acknowledged,
            assessed=assessed,
            last_complainant_update=_ref(last_update, "public agent reply") if last_update else None,
            paused=paused,
            decided=decided,
            decision_communicated=communicated,
            closed=closed,
            reopen_count=reopens or facts.metric_reopens or 0,
            satisfaction_offered=satisfaction_offered,
            satisfaction=satisfaction,
            timeline=tuple(sorted(events_and_derived, key=lambda e: e.at)),
            raw_ref=f"{facts.key}@{facts.updated.isoformat() if facts.updated else ''}",
            attributes={"history_gaps": list(facts.gaps)} if facts.gaps else {},
            option_names=facts.option_names,
            people=facts.people,
            channel=mapped.pop("channel", None) or facts.channel,
            next_update_due_at=mapped.pop("next_update_due", None),
            **mapped,
            **regulatory_fields(events, facts, spec),  # regulatory packs (mappings/regulatory.py)
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise MappingError(facts.key, ".".join(str(p) for p in first["loc"]), first["msg"]) from None


def _severity(facts: TicketFacts, spec: MappingSpec, priority: str | None) -> Severity | None:
    rules = spec.severity
    raw = to_text(read_source(rules.source, facts.raw, spec.platform)) if rules.source else priority
    if raw is not None:
        lookup = folded_map(rules.map)
        if raw.casefold() in lookup:
            return lookup[raw.casefold()]
    return rules.default


def _derived_events(facts: TicketFacts, *refs_and_kinds: EvidenceRef | None) -> tuple[Event, ...]:
    kinds = (None, EventKind.ESCALATION, EventKind.DECISION, EventKind.CLOSURE)
    derived = [
        Event(
            at=facts.created,
            kind=EventKind.RECEIVED,
            source_kind=SourceKind.DERIVED,
            source_id="received",
            actor_role=ActorRole.COMPLAINANT,
            actor_id=facts.requester.id,
            public=None,
            field=None,
            from_value=None,
            to_value=facts.channel,
            text=None,
            initial=False,
        )
    ]
    for ref, kind in zip(refs_and_kinds, kinds, strict=True):
        if ref is None or kind is None:
            continue
        derived.append(
            Event(
                at=ref.at,
                kind=kind,
                source_kind=SourceKind.DERIVED,
                source_id=ref.ref(),
                actor_role=ActorRole.SYSTEM,
                actor_id=None,
                public=None,
                field=None,
                from_value=None,
                to_value=None,
                text=ref.note,
                initial=False,
            )
        )
    return tuple(derived)
