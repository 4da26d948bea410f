"""Render generated complaints as raw Zendesk payloads.

* ``GET /api/v2/users`` (agents) and ``GET /api/v2/groups`` pages first: the directory that
  decides who is an agent and names the groups.
* Incremental cursor export pages ``/api/v2/incremental/tickets/cursor?include=users``:
  ``{"tickets", "users", "after_url", "after_cursor", "before_url", "before_cursor", "end_of_stream"}``.
* Incremental ticket-event pages ``/api/v2/incremental/ticket_events?include=comment_events``:
  ``{"ticket_events", "next_page", "count", "end_time", "end_of_stream"}``, each event an audit
  whose ``child_events`` are Create/Change (``field_name``/``value``/``previous_value``),
  Comment (``public``/``author_id``/``body``) and SatisfactionRating children.

Each export page is followed by the event pages of its tickets, so a file is written (and can
be read) one page at a time. Field ids and values are those of ``mappings/zendesk.yaml``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import groupby
from typing import Any

from devtools.generator.config import CATEGORIES, PRODUCTS
from devtools.generator.model import OUTCOMES, Complaint, Event, Kind, Person
from devtools.generator.people import AGENT_PEOPLE
from devtools.generator.text import ROOT_CAUSES

BASE = "https://complaints-demo.zendesk.com"
FORM_ID = 360000000001
BRAND_ID = 360000000002
GROUPS = {
    "Complaints": 360000010001,
    "Complaints Escalation": 360000010002,
    "Tier 2": 360000010003,
    "Billing": 360000010004,
    "Digital Support": 360000010005,
    "Mortgages Team": 360000010006,
    "HR Cases": 360000010007,
}
STATUS = {
    "new": "new",
    "acknowledged": "open",
    "assessment": "open",
    "investigating": "open",
    "waiting": "pending",
    "escalated": "open",
    "resolved": "solved",
    "closed": "closed",
}
PRIORITY = {"critical": "urgent", "high": "high", "medium": "normal", "low": "low"}
CHANNEL = {"web": "web", "email": "email", "phone": "voice", "chat": "chat", "api": "api", "app": "mobile"}
VIA_TEXT = {
    "web": "Web form",
    "email": "Mail",
    "voice": "Voice",
    "chat": "Chat",
    "api": "Web service",
    "mobile": "Mobile SDK",
}
#: neutral field -> custom field id, and how neutral values become Zendesk values (dropdown tags).
FIELD_IDS = {
    "product": 360000000020,
    "category": 360000000021,
    "subcategory": 360000000022,
    "remedy_sought": 360000000023,
    "outcome": 360000000030,
    "resolution_summary": 360000000031,
    "remedy_offered": 360000000032,
    "complainant_response": 360000000033,
    "recourse_given": 360000000034,
    "closure_reason": 360000000035,
    "root_cause": 360000000036,
    "corrective_action": 360000000037,
}
CONTACT_REASON = 360000000010
#: The demo account's date field for the connector's next-due write-back (unset when seeded).
NEXT_DUE_FIELD = 360000000060


@dataclass(frozen=True)
class ZendeskOptions:
    page_size: int = 1000  # tickets per export page (the API's maximum)
    events_page_size: int = 1000  # ticket events per events page


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # Zendesk always answers in UTC


def _tag(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")


def field_value(name: str, value: str | None) -> Any:
    """A neutral field value as Zendesk stores it (dropdowns hold option tags)."""
    if value is None:
        return None
    if name == "outcome":
        return f"outcome_{value}"
    if name == "complainant_response":
        return f"response_{value}"
    if name == "recourse_given":
        return value == "yes"  # a checkbox
    if name in ("root_cause", "closure_reason", "product", "category", "subcategory"):
        return _tag(value)
    return value


@lru_cache(maxsize=65_536)
def user(person: Person) -> dict[str, Any]:
    created = "2019-03-04T10:11:12Z" if person.is_agent else "2024-01-15T08:30:00Z"
    return {
        "id": person.id,
        "url": f"{BASE}/api/v2/users/{person.id}.json",
        "name": person.name,
        "email": person.email,
        "created_at": created,
        "updated_at": created,
        "time_zone": "London",
        "iana_time_zone": person.time_zone,
        "phone": None,
        "locale": person.locale.lower(),
        "locale_id": 1176 if person.locale == "en-GB" else 1,
        "organization_id": None,
        "role": person.role,
        "role_type": 0 if person.role == "agent" else None,
        "verified": True,
        "active": True,
        "suspended": False,
        "tags": [],
        "user_fields": {},
    }


def group(name: str) -> dict[str, Any]:
    ident = GROUPS[name]
    return {
        "url": f"{BASE}/api/v2/groups/{ident}.json",
        "id": ident,
        "is_public": True,
        "name": name,
        "description": "",
        "default": name == "Complaints",
        "deleted": False,
        "created_at": "2019-03-04T10:11:12Z",
        "updated_at": "2019-03-04T10:11:12Z",
    }


class _Ticket:
    def __init__(self, c: Complaint) -> None:
        self.c = c
        self.id = 100_000 + c.index + 1
        self.channel = CHANNEL[c.channel]

    def custom_fields(self) -> list[dict[str, Any]]:
        c = self.c
        values: dict[str, Any] = {
            "product": c.product,
            "category": c.category,
            "subcategory": c.subcategory,
            "remedy_sought": c.remedy_sought,
        }
        values.update(c.fields)
        out = [{"id": CONTACT_REASON, "value": "complaint"}]
        out += [
            {"id": ident, "value": field_value(name, values.get(name))} for name, ident in FIELD_IDS.items()
        ]
        return out

    def ticket(self) -> dict[str, Any]:
        c = self.c
        fields = self.custom_fields()
        rating: dict[str, Any] = {"score": c.satisfaction or "unoffered"}
        if c.satisfaction in ("good", "bad"):
            rating = {"id": self.id * 10 + 7, "score": c.satisfaction, "comment": None, "reason_id": None}
        source_from: dict[str, Any] = (
            {"address": c.complainant.email, "name": c.complainant.name} if self.channel == "email" else {}
        )
        return {
            "url": f"{BASE}/api/v2/tickets/{self.id}.json",
            "id": self.id,
            "external_id": None,
            "via": {"channel": self.channel, "source": {"from": source_from, "to": {}, "rel": None}},
            "created_at": _iso(c.received_at),
            "updated_at": _iso(c.updated_at),
            "generated_timestamp": int(c.updated_at.timestamp()),
            "type": "incident",
            "subject": c.subject,
            "raw_subject": c.subject,
            "description": c.description,
            "priority": PRIORITY[c.priority],
            "status": STATUS[c.status],
            "recipient": "complaints@example-bank.co.uk" if self.channel == "email" else None,
            "requester_id": c.complainant.id,
            "submitter_id": c.complainant.id,
            "assignee_id": c.assignee.id if c.assignee else None,
            "organization_id": None,
            "group_id": GROUPS[c.group],
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": sorted(_tag(label) for label in c.labels),
            "custom_fields": fields,
            "satisfaction_rating": rating,
            "sharing_agreement_ids": [],
            "custom_status_id": 360000020000 + list(STATUS.values()).index(STATUS[c.status]),
            "fields": fields,
            "followup_ids": [],
            "ticket_form_id": FORM_ID,
            "brand_id": BRAND_ID,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
        }

    # -- events ---------------------------------------------------------------------------

    def _child_id(self, seq: int, part: int = 0) -> int:
        return (self.id * 1000 + seq) * 10 + part

    def creation(self) -> dict[str, Any]:
        """The audit that created the ticket: the description comment and Create children."""
        c = self.c
        via = VIA_TEXT.get(self.channel, "Web form")
        children: list[dict[str, Any]] = [
            self.comment_child(c.description, c.complainant, True, self._child_id(0), via, c.received_at)
        ]
        created = {
            "subject": c.subject,
            "status": "new",
            "priority": PRIORITY[c.initial_priority],
            "group_id": str(GROUPS[c.initial_group]),
            "requester_id": str(c.complainant.id),
            "tags": sorted(_tag(t) for t in c.initial_labels),
            "ticket_form_id": str(FORM_ID),
            str(CONTACT_REASON): "complaint",
        }
        for part, (name, value) in enumerate(created.items(), start=1):
            children.append(
                {
                    "id": self._child_id(0, part),
                    "via": via,
                    "via_reference_id": None,
                    "event_type": "Create",
                    "field_name": name,
                    "value": value,
                }
            )
        return self.audit(c.received_at, c.complainant, via, children, 0)

    def comment_child(
        self, text: str, author: Person, public: bool, ident: int, via: str, at: datetime
    ) -> dict[str, Any]:
        return {
            "id": ident,
            "via": via,
            "via_reference_id": None,
            "event_type": "Comment",
            "type": "Comment",
            "author_id": author.id,
            "body": text,
            "html_body": f'<div class="zd-comment"><p>{html.escape(text)}</p></div>',
            "plain_body": text,
            "public": public,
            "attachments": [],
            "audit_id": self.id * 1000,
            "created_at": _iso(at),
        }

    def child(self, e: Event, via: str) -> dict[str, Any] | None:
        ident = self._child_id(e.seq)
        if e.kind is Kind.COMMENT:
            return self.comment_child(e.text or "", e.actor, bool(e.public), ident, via, e.at)
        if e.kind is Kind.SATISFACTION:
            if e.after not in ("good", "bad"):
                return None
            return {
                "id": ident,
                "via": via,
                "via_reference_id": None,
                "event_type": "SatisfactionRating",
                "type": "SatisfactionRating",
                "score": e.after,
                "assignee_id": self.c.assignee.id if self.c.assignee else None,
                "body": "",
            }
        name, before, after = self._change(e)
        if name is None:
            return None
        return {
            "id": ident,
            "via": via,
            "via_reference_id": None,
            "event_type": "Change",
            "field_name": name,
            "value": after,
            "previous_value": before,
        }

    def _change(self, e: Event) -> tuple[str | None, Any, Any]:
        if e.kind is Kind.STATUS:
            before, after = STATUS[str(e.before)], STATUS[str(e.after)]
            return ("status", before, after) if before != after else (None, None, None)
        if e.kind is Kind.PRIORITY:
            return "priority", PRIORITY[str(e.before)], PRIORITY[str(e.after)]
        if e.kind is Kind.ASSIGNEE:
            return "assignee_id", e.before, e.after
        if e.kind is Kind.GROUP:
            return "group_id", str(GROUPS[str(e.before)]), str(GROUPS[str(e.after)])
        if e.kind is Kind.LABELS:
            return "tags", sorted(_tag(t) for t in e.before or ()), sorted(_tag(t) for t in e.after or ())
        if e.kind is Kind.FIELD and e.field in FIELD_IDS:
            before, after = field_value(e.field, _s(e.before)), field_value(e.field, _s(e.after))
            return str(FIELD_IDS[e.field]), before, after
        return None, None, None

    def audit(
        self, at: datetime, actor: Person, via: str, children: list[dict[str, Any]], seq: int
    ) -> dict[str, Any]:
        return {
            "id": self.id * 1000 + seq,
            "ticket_id": self.id,
            "timestamp": int(at.timestamp()),
            "created_at": _iso(at),
            "updater_id": actor.id,
            "via": via,
            "system": {"client": "Mozilla/5.0", "location": "London, United Kingdom"} if actor.id > 0 else {},
            "event_type": "Audit",
            "child_events": children,
            "merged_ticket_ids": [],
        }

    def events(self) -> list[dict[str, Any]]:
        """One audit per update: changes made together by one person share an audit."""
        out = [self.creation()]
        for (at, actor), group in groupby(self.c.events, key=lambda e: (e.at, e.actor)):
            via = (
                "Rule"
                if actor.role == "system"
                else ("Web form" if actor.is_agent else VIA_TEXT.get(self.channel, "Web form"))
            )
            events = list(group)
            children = [child for e in events if (child := self.child(e, via)) is not None]
            if children:
                out.append(self.audit(at, actor, via, children, events[0].seq))
        return out


def ticket_payloads(c: Complaint) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One complaint as its ticket JSON and its ticket-event audits, oldest first.

    For consumers that hold tickets one by one (the Zendesk sandbox seeds itself from this).
    """
    t = _Ticket(c)
    return t.ticket(), t.events()


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _options(name: str, values: Iterator[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """A dropdown's options: the display ``name`` people read and the ``value`` (tag) a ticket holds."""
    return [{"name": value.replace("_", " ").capitalize(), "value": field_value(name, value)}
            for value in dict.fromkeys(values)]


#: Each dropdown's option values (neutral spelling, before ``field_value``).
_DROPDOWNS: dict[str, tuple[str, ...]] = {
    "product": tuple(name for name, _ in PRODUCTS),
    "category": tuple(name for name, _ in CATEGORIES),
    "subcategory": tuple(sub for _, subs in CATEGORIES for sub in subs),
    "outcome": OUTCOMES,
    "complainant_response": ("accepted", "rejected", "none"),
    "closure_reason": ("decision_issued", "referred_to_hr"),
    "root_cause": ROOT_CAUSES,
}


def ticket_fields() -> list[dict[str, Any]]:
    """The dropdown custom fields (``GET /api/v2/ticket_fields``: ``type: "tagger"``, options
    ``custom_field_options[{id, name, value}]``, as the recorded go-zendesk ``ticket_fields.json``)."""
    fields = []
    for name, values in _DROPDOWNS.items():
        ident = FIELD_IDS[name]
        options = [{"id": ident * 100 + i, "raw_name": o["name"], "default": False, **o}
                   for i, o in enumerate(_options(name, values), 1)]
        fields.append({"url": f"{BASE}/api/v2/ticket_fields/{ident}.json", "id": ident, "type": "tagger",
                       "title": name.replace("_", " ").capitalize(), "active": True,
                       "custom_field_options": options})
    # The account lists every field, the one that marks a ticket a complaint too (the mapping's
    # complaint selector reads it; no record field does).
    reasons = [{"id": CONTACT_REASON * 100 + i, "name": label, "raw_name": label, "value": tag,
                "default": False}
               for i, (label, tag) in enumerate((("Complaint", "complaint"), ("Enquiry", "enquiry")), 1)]
    fields.append({"url": f"{BASE}/api/v2/ticket_fields/{CONTACT_REASON}.json", "id": CONTACT_REASON,
                   "type": "tagger", "title": "Contact reason", "active": True,
                   "custom_field_options": reasons})
    return fields


def ticket_forms() -> list[dict[str, Any]]:
    """The account's one ticket form, every ticket's ``ticket_form_id`` (``GET
    /api/v2/ticket_forms``; zendesk-support-v2.yaml TicketForm: ``name`` for agents,
    ``display_name`` for end users)."""
    return [{"url": f"{BASE}/api/v2/ticket_forms/{FORM_ID}.json", "id": FORM_ID, "name": "Complaints",
             "raw_name": "Complaints", "display_name": "Make a complaint",
             "raw_display_name": "Make a complaint", "active": True, "default": True,
             "end_user_visible": True, "position": 1, "in_all_brands": True,
             "restricted_brand_ids": [], "ticket_field_ids": [*FIELD_IDS.values(), CONTACT_REASON],
             "created_at": "2020-01-06T09:00:00Z", "updated_at": "2020-01-06T09:00:00Z"}]


def directory_pages() -> Iterator[dict[str, Any]]:
    """The agents (``/api/v2/users?role[]=agent&role[]=admin``), groups (``/api/v2/groups``),
    ticket fields (``/api/v2/ticket_fields``: dropdown options' names) and ticket forms
    (``/api/v2/ticket_forms``: the form's name)."""
    agents = [user(p) for p in AGENT_PEOPLE]
    yield {"users": agents, "next_page": None, "previous_page": None, "count": len(agents)}
    groups = [group(name) for name in GROUPS]
    yield {"groups": groups, "next_page": None, "previous_page": None, "count": len(groups)}
    fields = ticket_fields()
    yield {"ticket_fields": fields, "next_page": None, "previous_page": None, "count": len(fields)}
    yield {"ticket_forms": ticket_forms()}  # TicketFormsResponse: the list alone, no paging


def _cursor(n: int) -> str:
    return base64.b64encode(f"1.{n}.cursor".encode()).decode()


def zendesk_pages(
    complaints: Iterator[Complaint], total: int, options: ZendeskOptions
) -> Iterator[dict[str, Any]]:
    """Directory pages, then per chunk of tickets: one export page and its ticket-event pages."""
    yield from directory_pages()
    chunk: list[Complaint] = []
    done = 0
    for complaint in complaints:
        chunk.append(complaint)
        if len(chunk) == options.page_size:
            done += len(chunk)
            yield from _chunk_pages(chunk, done, done >= total, options)
            chunk = []
    if chunk or done == 0:
        yield from _chunk_pages(chunk, done + len(chunk), True, options)


def _chunk_pages(
    chunk: list[Complaint], done: int, last: bool, options: ZendeskOptions
) -> Iterator[dict[str, Any]]:
    tickets = [_Ticket(c) for c in chunk]
    people: dict[int, Person] = {}
    for c in chunk:
        people[c.complainant.id] = c.complainant
        if c.assignee is not None:
            people[c.assignee.id] = c.assignee
    after = _cursor(done)
    yield {
        "tickets": [t.ticket() for t in tickets],
        "users": [user(p) for p in people.values()],
        "after_url": None
        if last
        else f"{BASE}/api/v2/incremental/tickets/cursor.json?cursor={after}&include=users",
        "after_cursor": None if last else after,
        "before_url": None,
        "before_cursor": None,
        "end_of_stream": last,
    }
    events = sorted((e for t in tickets for e in t.events()), key=lambda e: (e["timestamp"], e["id"]))
    size = options.events_page_size
    for offset in range(0, len(events), size):
        page = events[offset : offset + size]
        final = last and offset + size >= len(events)
        end_time = page[-1]["timestamp"]
        yield {
            "ticket_events": page,
            "next_page": None
            if final
            else f"{BASE}/api/v2/incremental/ticket_events.json?start_time={end_time}&include=comment_events",
            "count": len(page),
            "end_time": end_time,
            "end_of_stream": final,
        }
