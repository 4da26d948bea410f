"""Regulatory evidence from the timeline, per the mapping's ``regulatory`` block.

Letters (holding / final response / summary resolution) are recognised by a label or tag being
added, a field being set, or a marker text in a public agent comment; their content by marker
texts in the letter or by yes/no fields. Also: the stage-2 escalation and its acknowledgement,
handlers by stage, product group, redress and the CFPB sent-to-company date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from compliance_checks.model import (
    ActorRole,
    Event,
    EventKind,
    EvidenceRef,
    Letter,
    LetterKind,
    SourceKind,
)
from mappings.facts import TicketFacts
from mappings.regulatory_parts import complaint_parts
from mappings.schema import AcceptanceRule, FieldRule, LetterRule, MappingSpec, Recogniser, Stage2Rule
from mappings.values import MappingError, casefold_set, parse_time, read_source, to_text

#: A label/field change this close to a public agent comment belongs to that comment's update.
SAME_UPDATE = timedelta(seconds=60)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_YES = {"true", "yes", "y", "1", "on", "given", "provided", "included"}


def _reply(e: Event) -> bool:
    return e.kind is EventKind.COMMENT and bool(e.public) and e.actor_role is ActorRole.AGENT


def _ref(e: Event, note: str) -> EvidenceRef:
    return EvidenceRef.of(e, note)


def _has_marker(e: Event, markers: Sequence[str]) -> bool:
    text = (e.text or "").casefold()
    return any(m.casefold() in text for m in markers if m)


_Prepared = tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]]
#: Per recogniser (by id; the rule is kept so the id stays its own): its casefolded signals.
_PREPARED: dict[int, tuple[Recogniser, _Prepared]] = {}


def _prepared(rule: Recogniser) -> _Prepared:
    cached = _PREPARED.get(id(rule))
    if cached is not None and cached[0] is rule:
        return cached[1]
    statuses = casefold_set(rule.statuses) if isinstance(rule, Stage2Rule) else frozenset()
    markers = tuple(m.casefold() for m in rule.markers if m)
    prepared = (casefold_set(rule.labels), casefold_set(rule.fields), statuses, markers)
    if len(_PREPARED) > 256:
        _PREPARED.clear()  # mappings reloaded many times: never keep old rules alive
    _PREPARED[id(rule)] = (rule, prepared)
    return prepared


class _Timeline:
    """One pass over the events: what the recognisers test, casefolded once per ticket (the
    recognisers run five times per ticket; re-scanning every event each time was most of the
    mapping cost of the block). Our own writes never count and are left out."""

    __slots__ = ("fields_set", "labels_added", "replies", "reply_texts", "statuses")

    def __init__(self, events: Sequence[Event]) -> None:
        self.labels_added: list[tuple[int, Event, frozenset[str]]] = []
        self.fields_set: list[tuple[int, Event, str]] = []
        self.statuses: list[tuple[int, Event, str]] = []
        self.reply_texts: list[tuple[int, Event, str]] = []
        self.replies: list[Event] = []
        for i, e in enumerate(events):
            role = e.actor_role
            if role is ActorRole.CONNECTOR:
                continue
            kind = e.kind
            if kind is EventKind.LABEL_CHANGE:
                to = (e.to_value or "").casefold().split()
                added = frozenset(to) - frozenset((e.from_value or "").casefold().split())
                if added:
                    self.labels_added.append((i, e, added))
            elif kind is EventKind.FIELD_CHANGE:
                if e.to_value:
                    self.fields_set.append((i, e, (e.field or "").casefold()))
            elif kind is EventKind.STATUS_CHANGE:
                self.statuses.append((i, e, (e.to_value or "").casefold()))
            elif kind is EventKind.COMMENT and e.public and role is ActorRole.AGENT:  # _reply(e)
                self.replies.append(e)
                self.reply_texts.append((i, e, (e.text or "").casefold()))

    def signals(self, rule: Recogniser) -> list[Event]:
        """Events that are one of the rule's signals, oldest first."""
        labels, fields, statuses, markers = _prepared(rule)
        hits: list[tuple[int, Event]] = []
        if labels:
            hits.extend((i, e) for i, e, added in self.labels_added if added & labels)
        if fields:
            hits.extend((i, e) for i, e, name in self.fields_set if name in fields)
        if statuses:
            hits.extend((i, e) for i, e, to in self.statuses if to in statuses)
        if markers:
            hits.extend((i, e) for i, e, text in self.reply_texts if any(m in text for m in markers))
        hits.sort(key=lambda hit: hit[0])
        return [e for _, e in hits]


def _letters(
    timeline: _Timeline,
    facts: TicketFacts,
    spec: MappingSpec,
    kind: LetterKind,
    rule: LetterRule,
    stage2_at: datetime | None,
) -> list[Letter]:
    replies = timeline.replies
    letters: list[Letter] = []
    used: set[str] = set()
    for signal in timeline.signals(rule):
        comment = signal if _reply(signal) else _same_update(replies, signal.at)
        sent = comment or signal
        if sent.ref() in used:
            continue  # the label and the comment of one update are one letter
        used.add(sent.ref())
        letters.append(
            Letter(
                kind=kind,
                sent=_ref(sent, kind.value.replace("_", " ")),
                stage=2 if stage2_at is not None and sent.at >= stage2_at else 1,
                new_date=_new_date(comment, rule.new_date, facts, spec)
                if kind is LetterKind.HOLDING
                else None,
                **_content(comment, rule, facts, spec),
            )
        )
    return letters


def _content(
    comment: Event | None, rule: LetterRule, facts: TicketFacts, spec: MappingSpec
) -> dict[str, Any]:
    """The letter's content flags: the four named fields of ``Letter``, the rest in ``elements``
    (an element not evidenced is left out: unknown, never shown)."""
    flags: dict[str, Any] = {}
    elements: dict[str, bool] = {}
    for name, content_rule in rule.content.items():
        shown = _content_shown(comment, content_rule.markers, content_rule.field, facts, spec)
        if name in Letter.model_fields:
            flags[name] = shown
        elif shown is not None:
            elements[name] = shown
    return {**flags, "elements": elements}


def _has_signals(rule: Recogniser) -> bool:
    return bool(rule.labels or rule.fields or rule.markers)


def _acknowledgement_letter(
    timeline: _Timeline, facts: TicketFacts, spec: MappingSpec, rule: LetterRule, stage2_at: datetime | None
) -> list[Letter]:
    """The acknowledgement as a letter: by the rule's signals, else the first public agent reply."""
    if _has_signals(rule):
        return [
            x
            for x in _letters(timeline, facts, spec, LetterKind.ACKNOWLEDGEMENT, rule, stage2_at)
            if x.stage == 1
        ]
    first = timeline.replies[0] if timeline.replies else None
    if first is None or (stage2_at is not None and first.at >= stage2_at):
        return []
    return [
        Letter(
            kind=LetterKind.ACKNOWLEDGEMENT,
            sent=_ref(first, "acknowledgement"),
            **_content(first, rule, facts, spec),
        )
    ]


def _same_update(replies: Sequence[Event], at: datetime) -> Event | None:
    close = [r for r in replies if abs(r.at - at) <= SAME_UPDATE]
    return min(close, key=lambda r: abs(r.at - at), default=None)


def _content_shown(
    comment: Event | None, markers: list[str], rule: FieldRule | None, facts: TicketFacts, spec: MappingSpec
) -> bool | None:
    if comment is not None and markers and _has_marker(comment, markers):
        return True
    if rule is not None:
        value = to_text(read_source(rule, facts.raw, spec.platform))
        if value is not None:
            return value.casefold() in _YES
    return None  # not evidenced


def _new_date(
    comment: Event | None, rule: FieldRule | None, facts: TicketFacts, spec: MappingSpec
) -> date | None:
    raw = to_text(read_source(rule, facts.raw, spec.platform)) if rule is not None else None
    if raw is None and comment is not None:
        match = _ISO_DATE.search(comment.text or "")
        raw = match.group(1) if match else None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise MappingError(facts.key, "regulatory.new_date", f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _handlers(
    events: Sequence[Event], facts: TicketFacts, stage2_at: datetime | None
) -> dict[int, tuple[str, ...]]:
    changes = [e for e in events if e.kind is EventKind.ASSIGNMENT_CHANGE]
    initial = changes[0].from_value if changes else facts.assignee
    stage1 = [initial] if initial else []
    stage2: list[str] = []
    for e in changes:
        if e.to_value:
            (stage2 if stage2_at is not None and e.at >= stage2_at else stage1).append(e.to_value)
    if stage2_at is None:
        return {1: tuple(stage1)} if stage1 else {}
    if not stage2 and stage1:
        stage2 = [stage1[-1]]  # nobody reassigned it: the stage-1 handler carries on
    return {1: tuple(stage1), 2: tuple(stage2)}


def _stage2_request(
    timeline: _Timeline,
    events: Sequence[Event],
    rule: Stage2Rule,
    facts: TicketFacts,
    spec: MappingSpec,
    stage1_answers: Sequence[datetime],
) -> EvidenceRef | None:
    """When the complainant asked for stage 2 (None: not mapped or not asked). ``stage1_answers``:
    when stage-1 final responses were sent."""
    found: list[EvidenceRef] = []
    if rule.requested_field is not None:
        raw = read_source(rule.requested_field, facts.raw, spec.platform)
        try:
            at = parse_time(raw) if raw else None
        except ValueError as exc:
            raise MappingError(facts.key, "regulatory.stage2.requested_field", str(exc)) from None
        if at is not None:
            found.append(
                EvidenceRef(
                    at=at,
                    source_kind=SourceKind.DERIVED,
                    source_id="stage2.requested_field",
                    note="stage 2 requested (field)",
                )
            )
    marks = casefold_set(rule.requested_labels)
    mark = next((e for _, e, added in timeline.labels_added if added & marks), None) if marks else None
    if mark is not None:
        # The request is a complainant comment after the stage-1 answer (else after our first
        # reply): an earlier one is the complaint itself or a stage-1 follow-up, which would start
        # the stage-2 clocks, and find their acknowledgement, weeks early.
        answered = [t for t in stage1_answers if t < mark.at]
        replied = [r.at for r in timeline.replies[:1] if r.at < mark.at]
        since = max(answered) if answered else (replied[0] if replied else None)
        asked = [e for e in events if e.kind is EventKind.COMMENT and e.public
                 and e.actor_role is ActorRole.COMPLAINANT and e.at <= mark.at
                 and (since is None or e.at > since)]
        found.append(_ref(asked[-1] if asked else mark, "stage 2 requested"))
    return min(found, key=lambda r: r.at, default=None)


def _acceptance(events: Sequence[Event], rule: AcceptanceRule) -> EvidenceRef | None:
    """The last acceptance signal on the history (None: none, or withdrawn by a later change of
    an acceptance field to another value or the removal of an acceptance label). Only an agent's
    or the complainant's change counts."""
    labels = casefold_set(rule.labels)
    fields = {name.casefold(): casefold_set(values) for name, values in rule.fields.items()}
    markers = tuple(m.casefold() for m in rule.markers if m)
    found: Event | None = None
    for e in events:
        # An agent recording the complainant's answer, or the complainant: never our own writes,
        # and never an author we cannot tell (an automation or an unknown user).
        if e.actor_role not in (ActorRole.AGENT, ActorRole.COMPLAINANT):
            continue
        if e.kind is EventKind.LABEL_CHANGE and labels:
            before = frozenset((e.from_value or "").casefold().split())
            after = frozenset((e.to_value or "").casefold().split())
            if (after - before) & labels:
                found = e
            elif (before - after) & labels:  # the acceptance label taken off: withdrawn
                found = None
        elif e.kind is EventKind.FIELD_CHANGE and (values := fields.get((e.field or "").casefold())):
            found = e if (e.to_value or "").casefold() in values else None
        elif (
            markers
            and e.kind is EventKind.COMMENT
            and e.public
            and e.actor_role is ActorRole.COMPLAINANT
            and any(m in (e.text or "").casefold() for m in markers)
        ):
            found = e
    return _ref(found, "complainant accepted") if found is not None else None


def _value(rule: FieldRule | None, facts: TicketFacts, spec: MappingSpec) -> str | None:
    if rule is None:
        return None
    text = to_text(read_source(rule, facts.raw, spec.platform))
    if text is not None and rule.map:
        text = {k.casefold(): v for k, v in rule.map.items()}.get(text.casefold(), text)
    if text is None and rule.default is not None:
        text = str(rule.default)
    return None if text is None else str(text)


def regulatory_fields(events: Sequence[Event], facts: TicketFacts, spec: MappingSpec) -> dict[str, Any]:
    """The record fields of the regulatory block (empty when the mapping has none)."""
    rules = spec.regulatory
    if rules is None:
        return {}
    timeline = _Timeline(events)
    escalation = timeline.signals(rules.stage2) if rules.stage2 else []
    stage2 = escalation[0] if escalation else None
    stage2_at = stage2.at if stage2 else None
    letters: list[Letter] = []
    for kind, rule in (
        (LetterKind.HOLDING, rules.holding_response),
        (LetterKind.FINAL, rules.final_response),
        (LetterKind.SUMMARY, rules.summary_resolution),
        # Extension letters are holding letters (reasons and a new date), typically at stage 2.
        (LetterKind.HOLDING, rules.extension_letter),
        (LetterKind.OVERDUE_UPDATE, rules.overdue_update),
    ):
        if rule is not None:
            found = _letters(timeline, facts, spec, kind, rule, stage2_at)
            seen = {(x.kind, x.sent.ref()) for x in letters}
            letters.extend(x for x in found if (x.kind, x.sent.ref()) not in seen)
    if rules.acknowledgement is not None:
        letters.extend(_acknowledgement_letter(timeline, facts, spec, rules.acknowledgement, stage2_at))
    answers = [x.sent.at for x in letters if x.kind is LetterKind.FINAL and x.stage == 1]
    requested = (
        _stage2_request(timeline, events, rules.stage2, facts, spec, answers) if rules.stage2 else None
    )
    # An agent may acknowledge the complainant's request before marking the ticket as stage 2.
    ack_from = min(stage2_at, requested.at) if stage2_at is not None and requested is not None else stage2_at
    ack = next((e for e in timeline.replies if ack_from is not None and e.at >= ack_from), None)
    values: dict[str, Any] = {
        "letters": tuple(sorted(letters, key=lambda x: x.sent.at)),
        "procedure_stage": 2 if stage2 else 1,
        "stage2_started": _ref(stage2, "stage 2 started") if stage2 else None,
        "stage2_requested": requested,
        "stage2_acknowledged": _ref(ack, "stage 2 acknowledged") if ack else None,
        "handlers_by_stage": _handlers(events, facts, stage2_at),
        "product_group": _value(rules.product_group, facts, spec),
        "payment_service": _value(rules.payment_service, facts, spec),
        "parts": complaint_parts(events, facts, spec),
        "accepted": _acceptance(events, rules.acceptance) if rules.acceptance else None,
    }
    redress = _value(rules.redress_amount, facts, spec)
    if redress is not None:
        try:
            values["redress_amount"] = Decimal(redress.replace(",", ""))
        except InvalidOperation:
            raise MappingError(
                facts.key, "regulatory.redress_amount", f"{redress!r} is not an amount"
            ) from None
    for name, time_rule, target in (
        ("sent_to_company", rules.sent_to_company, "sent_to_company_at"),
        ("cfpb_received", rules.cfpb_received, "cfpb_received_at"),
    ):
        moment = read_source(time_rule, facts.raw, spec.platform) if time_rule else None
        if moment:
            try:
                values[target] = parse_time(moment)
            except ValueError as exc:
                raise MappingError(facts.key, f"regulatory.{name}", str(exc)) from None
    return values
