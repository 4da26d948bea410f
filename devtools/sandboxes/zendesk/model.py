"""What the Zendesk sandbox's account holds: users, groups, tickets and their audits.

The account is seeded from the shared generator only (:mod:`devtools.sandboxes.zendesk.realistic`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

API_USER_ID = 1
HOUR = 3600
DAY = 24 * HOUR


@dataclass
class Audit:
    id: int
    ticket_id: int
    ts: int
    author_id: int
    channel: str
    events: list[dict[str, Any]]


@dataclass
class World:
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Ticket fields (``GET /api/v2/ticket_fields``) by id: dropdowns name their option tags.
    ticket_fields: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Ticket forms (``GET /api/v2/ticket_forms``) by id: name a ticket's ``ticket_form_id``.
    ticket_forms: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    audits: list[Audit] = field(default_factory=list)
    next_id: int = 10_000_000
    #: Custom ticket fields of type ``date`` (Ticket Fields API ``type: "date"``), by id: the
    #: only custom fields a write may set here, each value checked as a date.
    date_fields: set[int] = field(default_factory=set)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


def iso(ts: int) -> str:
    """Zendesk's timestamp format (UTC, seconds)."""
    return _dt.datetime.fromtimestamp(ts, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user(uid: int, name: str, role: str, ts: int) -> dict[str, Any]:
    return {
        "id": uid, "name": name, "email": f"user{uid}@example.test", "role": role,
        "active": True, "verified": True, "created_at": iso(ts), "updated_at": iso(ts),
        "time_zone": "UTC", "locale": "en-US", "organization_id": None, "tags": [],
        "user_fields": {}, "suspended": False, "shared": False,
    }
