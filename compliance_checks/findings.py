"""Findings: the outcome of one check on one complaint, with its evidence."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, ConfigDict, TypeAdapter

from compliance_checks.model import VALUE_CONFIG, Frozen, Severity

#: Version of the findings JSON document (``docs/findings.schema.json``).
FINDINGS_SCHEMA_VERSION = "1.0"

Scalar = str | int | float | bool | None


class Status(StrEnum):
    """Outcome of a check (domain document, "Outcomes of a check").

    ``WAIVED`` and ``ERROR`` are set only by the runner: a check never returns them.
    """

    PASS = "PASS"
    FAIL = "FAIL"
    AT_RISK = "AT_RISK"
    PENDING = "PENDING"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    MANUAL = "MANUAL"
    WAIVED = "WAIVED"
    ERROR = "ERROR"

    @property
    def needs_action(self) -> bool:
        """Statuses a team lead must act on (these are written back to the ticket)."""
        return self in (Status.FAIL, Status.AT_RISK, Status.ERROR)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One thing a check looked at: an event of the timeline or a mapped field."""

    kind: str  # "event" | "field" | "absent"
    ref: str | None = None  # e.g. "comment:10023", "changelog:11008613", "field:remedy_sought"
    at: AwareDatetime | None = None
    note: str
    #: Who acted (a user id the complaint's ``people`` may name), for an event.
    actor_id: str | None = None

    __pydantic_config__: ClassVar[ConfigDict] = VALUE_CONFIG


class WaiverApplied(Frozen):
    reason: str
    approver: str
    expires: date
    original_status: Status


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """The result of one check on one complaint (a plain value like :class:`Evidence`: one per
    check per complaint; validated where read from JSON, through :data:`FINDING_JSON`)."""

    ticket: str
    platform: str
    check: str
    title: str
    status: Status
    clauses: tuple[str, ...]
    severity: Severity
    due_at: AwareDatetime | None = None
    message: str
    evidence: tuple[Evidence, ...] = ()
    remediation: str | None = None
    fields_read: tuple[str, ...] = ()
    facts: dict[str, Scalar] = dataclasses.field(default_factory=dict)
    waiver: WaiverApplied | None = None
    url: str | None = None

    __pydantic_config__: ClassVar[ConfigDict] = VALUE_CONFIG

    def to_json_dict(self) -> dict[str, object]:
        result: dict[str, object] = FINDING_JSON.dump_python(self, mode="json")
        return result


#: Reads and writes a finding's JSON form (the store, the write-back journal, ``--format json``).
FINDING_JSON: TypeAdapter[Finding] = TypeAdapter(Finding)


def findings_hash(findings: Iterable[Finding]) -> str:
    """A stable fingerprint of what a ticket's findings *say*.

    It covers check, status, due date and message, so a note is re-written only when its
    content would change; it ignores evidence ordering and the time the run happened.
    """
    material = sorted(
        (f.check, f.status.value, f.due_at.isoformat() if f.due_at else "", f.message)
        for f in findings
    )
    digest = hashlib.sha256(json.dumps(material, separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest()[:16]


def as_json_document(findings: Iterable[Finding], *, as_of: datetime) -> dict[str, object]:
    """The versioned ``--format json`` document (see ``docs/findings.schema.json``)."""
    return {
        "schema_version": FINDINGS_SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "findings": [f.to_json_dict() for f in findings],
    }
