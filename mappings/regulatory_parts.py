"""Complaint parts with their own clocks, per the mapping's ``regulatory.parts`` block.

Two ways (docs/regulatory.md): a multi-value *field* listing the parts, each decided by a label /
tag or a marker in a public agent comment (``{part}`` stands for the part's value), and received
when it was added to the field (else with the complaint); or a list of *items* in the payload with
per-item id, received and decided times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from compliance_checks.model import ActorRole, ComplaintPart, Event, EventKind, EvidenceRef
from mappings.facts import TicketFacts
from mappings.formats import format_for
from mappings.schema import MappingSpec, PartsRule
from mappings.values import MappingError, parse_time, read_path, read_source, to_text


def _tokens(text: str | None) -> set[str]:
    """The values of a multi-value field as text: comma-separated (Jira) or space-separated tags."""
    if not text:
        return set()
    parts = text.split(",") if "," in text else text.split()
    return {p.strip().casefold() for p in parts if p.strip()}


def _values(raw: object) -> list[str]:
    if isinstance(raw, list):
        return [t for t in (to_text(v) for v in raw) if t]
    text = to_text(raw)
    return sorted(_tokens(text)) if text else []


def _ref(e: Event, note: str) -> EvidenceRef:
    return EvidenceRef.of(e, note)


def _decision(events: Sequence[Event], part: str, rule: PartsRule) -> EvidenceRef | None:
    labels = {t.replace("{part}", part).casefold() for t in rule.decided_labels}
    markers = [m.replace("{part}", part).casefold() for m in rule.decided_markers]
    for e in events:
        if e.actor_role is ActorRole.CONNECTOR:
            continue  # our own writes never decide anything
        if e.kind is EventKind.LABEL_CHANGE:
            added = _tokens(e.to_value) - _tokens(e.from_value)
            if added & labels:
                return _ref(e, f"part {part} decided")
        elif e.kind is EventKind.COMMENT and e.public and e.actor_role is ActorRole.AGENT:
            text = (e.text or "").casefold()
            if any(m in text for m in markers):
                return _ref(e, f"part {part} decided")
    return None


def _added(events: Sequence[Event], part: str, field_name: str | None) -> datetime | None:
    """When ``part`` was added to the parts field after creation (None: there from the start)."""
    if not field_name:
        return None
    wanted = part.casefold()
    for e in events:
        if e.kind is not EventKind.FIELD_CHANGE or e.initial:
            continue
        if (e.field or "").casefold() != field_name.casefold():
            continue
        if wanted in _tokens(e.to_value) and wanted not in _tokens(e.from_value):
            return e.at
    return None


def _lookup(table: dict[str, str], key: str) -> str | None:
    folded = {k.casefold(): v for k, v in table.items()}
    return folded.get(key.casefold())


def _from_field(
    events: Sequence[Event], facts: TicketFacts, spec: MappingSpec, rule: PartsRule
) -> list[ComplaintPart]:
    assert rule.field is not None  # noqa: S101 - checked by PartsRule
    field_name = rule.field_event or (str(rule.field.custom_field) if rule.field.custom_field else None)
    parts = []
    for value in _values(read_source(rule.field, facts.raw, spec.platform)):
        parts.append(
            ComplaintPart(
                id=value,
                received_at=_added(events, value, field_name),
                decided=_decision(events, value, rule),
                category=_lookup(rule.categories, value),
                product_group=_lookup(rule.product_groups, value),
            )
        )
    return parts


def _time(value: object, key: str, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise MappingError(key, f"regulatory.parts.{where}", str(exc)) from None


def _from_items(facts: TicketFacts, spec: MappingSpec, rule: PartsRule) -> list[ComplaintPart]:
    assert rule.items is not None  # noqa: S101 - checked by PartsRule
    items = read_path(facts.raw, rule.items)
    # The part's decision is cited as the ticket itself (the item has no event id of its own).
    kind = format_for(spec.platform).source_kind
    parts = []
    for index, item in enumerate(items if isinstance(items, list) else ()):
        part_id = to_text(read_path(item, rule.id)) or str(index + 1)
        decided_at = _time(read_path(item, rule.decided), facts.key, "decided") if rule.decided else None
        decided = (
            EvidenceRef(
                at=decided_at,
                source_kind=kind,
                source_id=f"{facts.key}#{part_id}",
                note=f"part {part_id} decided",
            )
            if decided_at is not None
            else None
        )
        parts.append(
            ComplaintPart(
                id=part_id,
                name=to_text(read_path(item, rule.name)) if rule.name else None,
                received_at=_time(read_path(item, rule.received), facts.key, "received")
                if rule.received
                else None,
                decided=decided,
                category=_lookup(rule.categories, part_id),
                product_group=_lookup(rule.product_groups, part_id),
            )
        )
    return parts


def complaint_parts(
    events: Sequence[Event], facts: TicketFacts, spec: MappingSpec
) -> tuple[ComplaintPart, ...]:
    """The complaint's parts (empty without a ``regulatory.parts`` block or with no parts listed)."""
    rules = spec.regulatory
    if rules is None or rules.parts is None:
        return ()
    rule = rules.parts
    parts = (
        _from_field(events, facts, spec, rule) if rule.field is not None else _from_items(facts, spec, rule)
    )
    return tuple(parts)
