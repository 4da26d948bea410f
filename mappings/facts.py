"""Platform-neutral facts about one ticket, read from raw payloads by the platform modules.

``jira_payload`` and ``zendesk_payload`` know where things are in each API's JSON; they produce
``TicketFacts``. ``derive`` turns facts plus the mapping's rules into the complaint record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from compliance_checks.model import Event, EvidenceRef, Party


@dataclass
class TicketFacts:
    key: str
    id: str
    platform: str
    created: datetime
    raw: Mapping[str, Any]
    url: str | None = None
    updated: datetime | None = None
    status: str | None = None
    #: Jira status category key (``new``/``indeterminate``/``done``), for unlisted statuses.
    status_category: str | None = None
    priority: str | None = None
    assignee: str | None = None
    assignee_name: str | None = None
    group: str | None = None
    labels: list[str] = field(default_factory=list)
    requester: Party = field(default_factory=Party)
    summary: str | None = None
    description: str | None = None
    channel: str | None = None
    deleted: bool = False
    satisfaction: str | None = None
    #: Jira ``resolutiondate``: when the issue was last resolved.
    resolved_at: datetime | None = None
    #: Evidence from platform metrics when no history was supplied (Zendesk metric_set).
    metric_first_reply: EvidenceRef | None = None
    metric_solved: EvidenceRef | None = None
    metric_reopens: int | None = None
    events: list[Event] = field(default_factory=list)
    #: User id -> display name of the people on the timeline (where the payload names them).
    people: dict[str, str] = field(default_factory=dict)
    #: Option tag -> display name for the dropdown values the mapped fields hold (or held).
    option_names: dict[str, str] = field(default_factory=dict)
    #: Why the history may be incomplete (e.g. a truncated embedded changelog).
    gaps: list[str] = field(default_factory=list)
