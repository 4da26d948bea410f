"""Redaction for reports handed outside (a certification body, an external auditor).

``redacted(data)`` wraps the report's sources so every view, in every format, sees complaints
with the complainant pseudonymised and free text removed:

- the complainant's id and name become ``Complainant-<10 hex>``: an HMAC-SHA256 of who they are
  under a random key drawn once per report and never stored, so within one report the same
  complainant always has the same pseudonym (repeat-complaint figures still count) while
  pseudonyms cannot be linked across reports or reversed;
- contact details, free-text fields (summary, description, remedy sought, resolution, corrective
  action...), mapped attributes and comment bodies are dropped; changed values of non-workflow
  fields and evidence notes (which quote comments) read ``REDACTED_NOTE``.

Ticket ids, links, dates, statuses, findings and staff names stay: they are what an auditor
samples and checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from compliance_checks.findings import Finding
from compliance_checks.model import ActorRole, ComplaintRecord, Event, Party
from report_templates.input import AnyFinding, Brief, ComplaintSource, Item, ReportInput

#: What replaces an evidence note (it may quote a comment or a field's free text).
REDACTED_NOTE = "(redacted)"
#: Shown on every redacted report (page header, first CSV line, first XLSX sheet).
REDACTION_NOTICE = (
    "Redacted for external use: complainants are pseudonymised (stable within this report only); "
    "contact details, free-text fields, comment bodies and evidence quotes are removed."
)
#: Free-text record fields a complainant or an agent writes (may name or quote the complainant).
FREE_TEXT_FIELDS: tuple[str, ...] = (
    "summary",
    "description",
    "remedy_sought",
    "resolution_summary",
    "remedy_offered",
    "corrective_action",
    "closure_reason",
    "scope_reason",
    "satisfaction",
)
#: Changed fields whose old/new values stay in a timeline (workflow values, not free text).
WORKFLOW_FIELDS = frozenset(
    {
        "status",
        "priority",
        "severity",
        "stage",
        "resolution",
        "assignee",
        "assignee_id",
        "group",
        "group_id",
        "team",
        "type",
    }
)


class Pseudonyms:
    """``Complainant-<hex>`` per complainant, keyed by a random per-report secret."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def of(self, party: Party) -> str | None:
        identity = party.id or party.contact or party.name
        if not identity:
            return None
        digest = hmac.new(self._key, identity.strip().casefold().encode("utf-8"), hashlib.sha256)
        return f"Complainant-{digest.hexdigest()[:10]}"


def _value(value: str | None, workflow: bool) -> str | None:
    """A changed field's value: kept for workflow fields, else marked removed (not shown as empty)."""
    return value if workflow or value is None else REDACTED_NOTE


def _event(event: Event, complainant_id: str | None, pseudonym: str | None) -> Event:
    workflow = event.field in WORKFLOW_FIELDS
    by_complainant = event.actor_role is ActorRole.COMPLAINANT or (
        complainant_id is not None and event.actor_id == complainant_id
    )
    return dataclasses.replace(
        event,
        text=None,
        from_value=_value(event.from_value, workflow),
        to_value=_value(event.to_value, workflow),
        actor_id=pseudonym if by_complainant else event.actor_id,
    )


def _writes_as_complainant(record: ComplaintRecord, user_id: str) -> bool:
    return any(e.actor_id == user_id and e.actor_role is ActorRole.COMPLAINANT for e in record.timeline)


def redact_record(record: ComplaintRecord, names: Pseudonyms) -> ComplaintRecord:
    pseudonym = names.of(record.complainant)
    complainant_id = record.complainant.id
    update: dict[str, object] = dict.fromkeys(FREE_TEXT_FIELDS)
    update |= {
        "complainant": Party(id=pseudonym, name=pseudonym, contact=None),
        "attributes": {},
        "timeline": tuple(_event(e, complainant_id, pseudonym) for e in record.timeline),
        # Staff stay named; the complainant (and anyone writing as one) does not.
        "people": {uid: name for uid, name in record.people.items()
                   if uid != complainant_id and not _writes_as_complainant(record, uid)},
    }
    return record.model_copy(update=update)


def redact_finding(finding: AnyFinding) -> AnyFinding:
    if not isinstance(finding, Finding):
        return finding  # a head carries no message, evidence or text
    evidence = tuple(dataclasses.replace(e, note=REDACTED_NOTE) for e in finding.evidence)
    return dataclasses.replace(finding, evidence=evidence)


@dataclass(frozen=True)
class RedactedSource:
    """``inner`` with every complaint redacted as it streams (nothing is held)."""

    inner: ComplaintSource
    names: Pseudonyms

    @property
    def as_of(self) -> datetime:
        return self.inner.as_of

    def _each(self, items: Iterable[Item]) -> Iterator[Item]:
        for record, findings in items:
            yield Item(redact_record(record, self.names), tuple(redact_finding(f) for f in findings))

    def items(self) -> Iterator[Item]:
        return self._each(self.inner.items())

    def lookup(self, ids: Collection[str]) -> Iterator[Item]:
        return self._each(self.inner.lookup(ids))

    def briefs(self) -> Iterator[Brief]:
        return self.inner.briefs()  # ids, times and flags only


def redacted(data: ReportInput, names: Pseudonyms | None = None) -> ReportInput:
    """``data`` with its current and earlier evaluations redacted under one per-report key."""
    names = names or Pseudonyms()
    return dataclasses.replace(
        data,
        current=RedactedSource(data.current, names),
        history=tuple(RedactedSource(h, names) for h in data.history),
    )
