"""A finding's evidence as a person reads it: what, who and when, by name.

Checks cite evidence by source id (``ticket_event:1002490020``) and mapped fields by record
field name (``field:outcome`` with the note ``outcome = outcome_not_upheld``). An auditor
reads "First public agent reply by Ahmed Hassan (agent), 2026-09-07 09:35 BST" and keeps the
source id beside it (the page's tooltip, the CSV's source column) to find the item in the
helpdesk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from compliance_checks.findings import Evidence
from compliance_checks.model import ActorRole, ComplaintRecord, Event, EventKind, SourceKind
from report_templates.views.common import maybe_local, trim

#: How an actor without a known name is described, by role.
_ROLE_WORDS = {
    ActorRole.AGENT: "an agent",
    ActorRole.COMPLAINANT: "the complainant",
    ActorRole.SYSTEM: "an automation",
    ActorRole.CONNECTOR: "this connector",
    ActorRole.UNKNOWN: "an unknown user",
}
_EMPTY = "(empty)"


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One evidence item: the sentence shown and the source id that identifies it (or "")."""

    text: str
    source: str


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def actor_text(record: ComplaintRecord, event: Event) -> str:
    """``Ahmed Hassan (agent)``, "the complainant", or the role when no name is known.

    The complainant is named by role only: an auditor needs the role, the register identifies
    the person, and a redacted report's per-report pseudonym would make it unverifiable.
    """
    name = _who(record, event.actor_id)
    if name == _ROLE_WORDS[ActorRole.COMPLAINANT]:
        return name
    if name:
        role = event.actor_role.value.lower()
        return name if event.actor_role is ActorRole.UNKNOWN else f"{name} ({role})"
    return _ROLE_WORDS.get(event.actor_role, "an unknown user")


#: Checkbox values as a person says them.
_YES_NO = {"true": "yes", "false": "no"}


def _field_name(field: str) -> str:
    """``Outcome`` (the field's title when the event has one), ``group_id`` -> ``Group``."""
    return _title(field.removesuffix("_id")) if field else "Value"


def _change_value(record: ComplaintRecord, value: str | None) -> str | None:
    """A changed value as a person reads it: yes/no, an option's name, a person's name (the
    complainant by role, as in ``actor_text``); None when empty."""
    if not value:
        return None
    if value.casefold() in _YES_NO:
        return _YES_NO[value.casefold()]
    return _who(record, value) or record.named(value)


def change_text(record: ComplaintRecord, event: Event) -> str | None:
    """A timeline event's detail as a sentence: ``Outcome: Not upheld``, ``Recourse given: yes``,
    ``Status: open -> solved``; the field id stays on the event (a tooltip, the JSON)."""
    if event.text:
        # A derived event's note is ours (``closed``); ticket text is quoted as it is.
        text = _sentence(event.text) if event.source_kind is SourceKind.DERIVED else event.text
        return trim(text, 240)
    if event.kind is EventKind.RECEIVED:
        return f"Received by {event.to_value}" if event.to_value else None
    if not (event.field or event.to_value):
        return None
    name = event.field_title or _field_name(event.field or "")
    if event.kind is EventKind.LABEL_CHANGE:
        # Tags are shown as the helpdesk holds them: a dropdown option's tag among them is not
        # the option (a tag list naming one tag by its option would read as two different things).
        before, after = event.from_value or None, event.to_value or None
    else:
        before, after = _change_value(record, event.from_value), _change_value(record, event.to_value)
    if before is None:
        return trim(f"{name}: {after or _EMPTY}", 240)
    return trim(f"{name}: {before} -> {after or _EMPTY}", 240)


def _when(at: datetime | None, tz: str) -> str:
    local = maybe_local(at, tz)
    return local.strftime("%Y-%m-%d %H:%M %Z") if local is not None else ""


def _field_line(record: ComplaintRecord, evidence: Evidence) -> str:
    name = (evidence.ref or "").partition(":")[2] or "value"
    prefix = f"{name} = "
    value = evidence.note[len(prefix):] if evidence.note.startswith(prefix) else None
    if value is None:
        return f"{_title(name)}: {trim(evidence.note, 300)}"
    if value in (_EMPTY, "", "None"):
        return f"{_title(name)}: not recorded"
    if isinstance(getattr(record, name, None), bool) and value in ("True", "False"):
        return f"{_title(name)}: {'yes' if value == 'True' else 'no'}"
    if isinstance(getattr(record, name, None), Enum):
        return f"{_title(name)}: {value.replace('_', ' ')}"  # the record's own vocabulary (not_upheld)
    return f"{_title(name)}: {trim(record.named(value), 300)}"


def _who(record: ComplaintRecord, actor: str | None) -> str | None:
    """The person ``actor`` (a user id) as a report names them: the complainant by role (see
    ``actor_text``), anyone else by name; None when unknown."""
    if actor is None:
        return None
    if actor == record.complainant.id:
        return _ROLE_WORDS[ActorRole.COMPLAINANT]
    return record.people.get(actor)


def evidence_line(evidence: Evidence, record: ComplaintRecord | None, tz: str) -> EvidenceLine:
    """``evidence`` as a sentence (who by name, when in the report's zone) and its source id."""
    note = trim(evidence.note, 300) or ""
    if record is None:
        return EvidenceLine(_sentence(note), evidence.ref or "")
    if evidence.kind == "field":
        return EvidenceLine(_field_line(record, evidence), "")
    if evidence.kind == "absent" or evidence.ref is None:
        return EvidenceLine(_sentence(note), "")
    who = _who(record, evidence.actor_id)
    when = _when(evidence.at, tz)
    text = _sentence(note) + (f" by {who}" if who else "") + (f", {when}" if when else "")
    source = evidence.ref
    if evidence.actor_id and not who:
        source += f", by user id {evidence.actor_id}"  # no name known: the id stays findable
    return EvidenceLine(text, source)


def evidence_lines(items: tuple[Evidence, ...], record: ComplaintRecord | None, tz: str
                   ) -> tuple[EvidenceLine, ...]:
    return tuple(evidence_line(e, record, tz) for e in items)
