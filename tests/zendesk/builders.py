"""Builders for Zendesk payloads: real ticket/user objects (go-zendesk, MIT) + overrides."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zendesk"
BASE = "https://acme.zendesk.com"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def ticket(ticket_id: int, **overrides: Any) -> dict[str, Any]:
    """A real ticket object (GET_ticket.json) with ``id`` and any fields overridden."""
    body = copy.deepcopy(load("GET_ticket.json")["ticket"])
    body["id"] = ticket_id
    body["url"] = f"{BASE}/api/v2/tickets/{ticket_id}.json"
    body.update(overrides)
    return body


def users() -> list[dict[str, Any]]:
    return list(load("GET_users.json")["users"])


def export_page(
    tickets: list[dict[str, Any]], *, after: str | None, end: bool, with_users: bool = True
) -> dict[str, Any]:
    """An incremental cursor-export page (documented envelope)."""
    return {
        "tickets": tickets,
        "users": users() if with_users else [],
        "after_url": f"{BASE}/api/v2/incremental/tickets/cursor.json?cursor={after}"
        if after
        else None,
        "after_cursor": after,
        "before_url": None,
        "before_cursor": None,
        "end_of_stream": end,
    }


def ticket_event(event_id: int, ticket_id: int, ts: int, *, public: bool = True) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": ticket_id,
        "timestamp": ts,
        "created_at": "2024-01-01T00:00:00Z",
        "updater_id": 369537351454,
        "via": "Web form",
        "system": {},
        "event_type": "Audit",
        "merged_ticket_ids": [],
        "child_events": [
            {
                "id": event_id * 10,
                "via": "Web form",
                "via_reference_id": None,
                "type": "Comment",
                "author_id": 369537351454,
                "body": "We are looking into it",
                "html_body": "<p>We are looking into it</p>",
                "public": public,
                "attachments": [],
                "audit_id": event_id,
                "created_at": "2024-01-01T00:00:00Z",
                "event_type": "Comment",
            }
        ],
    }


def events_page(events: list[dict[str, Any]], *, end_time: int, end: bool) -> dict[str, Any]:
    return {
        "ticket_events": events,
        "count": len(events),
        "end_time": end_time,
        "next_page": f"{BASE}/api/v2/incremental/ticket_events.json?start_time={end_time}",
        "end_of_stream": end,
    }


def finding(
    ticket: str = "1",
    check: str = "ack-7.4",
    *,
    status: str = "FAIL",
    message: str = "No acknowledgement was sent within 2 business days.",
) -> Any:
    """A Finding as the checks produce it (constructed directly; no mapping involved)."""
    from datetime import UTC, datetime

    from compliance_checks.findings import Evidence, Finding, Status
    from compliance_checks.model import Severity

    return Finding(
        ticket=ticket,
        platform="zendesk",
        check=check,
        title="Acknowledge the complaint promptly",
        status=Status(status),
        clauses=("7.4",),
        severity=Severity.HIGH,
        due_at=datetime(2024, 1, 3, 17, 0, tzinfo=UTC),
        message=message,
        evidence=(
            Evidence(kind="event", ref="ticket_event:101",
                     at=datetime(2024, 1, 1, 9, 0, tzinfo=UTC), note="complaint received"),
        ),
        remediation="Send the complainant an acknowledgement with the case reference.",
    )


def drain(gen: Any) -> tuple[list[Any], Any]:
    """Every item a generator yields, and the value it returns."""
    items = []
    try:
        while True:
            items.append(next(gen))
    except StopIteration as stop:
        return items, stop.value
