"""A small deterministic generator of complaint tickets with realistic histories.

Same seed, same account. Histories are audits (requester and agent comments, public and
internal; status, priority, group and tag changes). Profiles mix compliant handling with the
usual failures (late or missing acknowledgement, stale tickets), plus non-complaints and
deleted tickets. The lead may replace it with the shared generator later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

API_USER_ID = 1
AGENT_IDS = (2, 3, 4, 5, 6, 7)
GROUPS = {100: "Complaints", 101: "Complaints Escalation", 102: "Tier 2"}
PRODUCTS = ("product_card", "product_loan", "product_app", "product_account")
#: Custom field ids used by mappings/zendesk.yaml (contact reason, product, outcome).
FIELD_CONTACT_REASON = 360000000010
FIELD_PRODUCT = 360000000020
FIELD_OUTCOME = 360000000030
COMPLAINT_FORM = 360000000001
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
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    audits: list[Audit] = field(default_factory=list)
    next_id: int = 10_000_000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


def iso(ts: int) -> str:
    """Zendesk's timestamp format (UTC, seconds)."""
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ts, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user(uid: int, name: str, role: str, ts: int) -> dict[str, Any]:
    return {
        "id": uid, "name": name, "email": f"user{uid}@example.test", "role": role,
        "active": True, "verified": True, "created_at": iso(ts), "updated_at": iso(ts),
        "time_zone": "UTC", "locale": "en-US", "organization_id": None, "tags": [],
        "user_fields": {}, "suspended": False, "shared": False,
    }


def comment(world: World, author: int, text: str, *, public: bool) -> dict[str, Any]:
    return {
        "id": world.new_id(), "type": "Comment", "author_id": author, "body": text,
        "html_body": f'<div class="zd-comment"><p>{text}</p></div>', "plain_body": text,
        "public": public, "attachments": [],
    }


def change(world: World, name: str, value: Any, previous: Any) -> dict[str, Any]:
    return {"id": world.new_id(), "type": "Change", "field_name": name, "value": value,
            "previous_value": previous}


class _TicketBuilder:
    def __init__(self, world: World, rng: random.Random, tid: int, created: int) -> None:
        self.world, self.rng, self.tid = world, rng, tid
        self.ts = created
        self.ticket: dict[str, Any] = {}

    def audit(self, author: int, events: list[dict[str, Any]], *, after: int,
              channel: str = "web") -> None:
        self.ts += max(after, 1)
        audit = Audit(self.world.new_id(), self.tid, self.ts, author, channel, events)
        for event in events:
            event["audit_id"] = audit.id
            if event["type"] in ("Change", "Create"):
                self.ticket[event["field_name"]] = event["value"]
        self.world.audits.append(audit)
        self.ticket["updated_at"] = iso(self.ts)
        self.ticket["generated_timestamp"] = self.ts

    def set(self, name: str, value: Any) -> dict[str, Any]:
        return change(self.world, name, value, self.ticket.get(name))

    def create(self, name: str, value: Any) -> dict[str, Any]:
        return {"id": self.world.new_id(), "type": "Create", "field_name": name, "value": value}


def _ticket_skeleton(tid: int, requester: int, created: int, tags: list[str], rng: random.Random
                     ) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "id": tid, "external_id": None,
        "via": {"channel": rng.choice(["web", "email", "api"]),
                "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(created), "updated_at": iso(created), "generated_timestamp": created,
        "type": None, "subject": f"Complaint about {product.removeprefix('product_')}",
        "raw_subject": f"Complaint about {product.removeprefix('product_')}",
        "description": "I am unhappy with how my issue was handled.",
        "priority": None, "status": "new", "recipient": "support@example.test",
        "requester_id": requester, "submitter_id": requester, "assignee_id": None,
        "organization_id": None, "group_id": None, "collaborator_ids": [], "follower_ids": [],
        "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
        "is_public": True, "due_at": None, "tags": tags,
        "custom_fields": [{"id": FIELD_CONTACT_REASON, "value": "complaint" if "complaint" in tags
                           else "question"},
                          {"id": FIELD_PRODUCT, "value": product},
                          {"id": FIELD_OUTCOME, "value": None}],
        "fields": [], "satisfaction_rating": None, "sharing_agreement_ids": [],
        "followup_ids": [], "ticket_form_id": COMPLAINT_FORM if "complaint" in tags else None,
        "brand_id": 1, "allow_channelback": False, "allow_attachments": True,
        "custom_status_id": 1, "from_messaging_channel": False,
    }


def _history(b: _TicketBuilder, profile: str, requester: int, agent: int) -> None:
    rng = b.rng
    b.audit(requester, [comment(b.world, requester, "Your service failed me and I want a refund.",
                                public=True),
                        b.create("status", "new"), b.create("priority", "normal"),
                        b.create("tags", list(b.ticket["tags"]))], after=1)
    b.audit(API_USER_ID if rng.random() < 0.2 else agent,
            [b.set("group_id", 100), b.set("assignee_id", agent)],
            after=rng.randint(60, 2 * HOUR))
    if profile == "no_ack":
        b.audit(agent, [comment(b.world, agent, "Need to check the logs first.", public=False)],
                after=rng.randint(HOUR, DAY))
        return
    ack_delay = rng.randint(4 * DAY, 6 * DAY) if profile == "late_ack" else rng.randint(
        HOUR, 20 * HOUR)
    b.audit(agent, [comment(b.world, agent, "Thank you, we have received your complaint and "
                            "are looking into it.", public=True), b.set("status", "open")],
            after=ack_delay)
    if profile == "escalated":
        b.audit(agent, [b.set("priority", "urgent"), b.set("group_id", 101),
                        b.set("tags", [*b.ticket["tags"], "escalated"])],
                after=rng.randint(HOUR, DAY))
    if profile == "stale":
        return
    b.audit(agent, [comment(b.world, agent, "Investigating with the billing team.", public=False),
                    b.set("status", "pending")], after=rng.randint(HOUR, 2 * DAY))
    b.audit(requester, [comment(b.world, requester, "Any news?", public=True),
                        b.set("status", "open")], after=rng.randint(HOUR, 3 * DAY), channel="email")
    b.audit(agent, [comment(b.world, agent, "We have refunded the fee. If you are not satisfied "
                            "you can refer the matter to the ombudsman.", public=True),
                    b.set("status", "solved")], after=rng.randint(HOUR, 3 * DAY))


def generate(seed: int, tickets: int, now: int) -> World:
    """A deterministic account with ``tickets`` tickets, all history older than ``now - 120``."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    world = World()
    start = now - 90 * DAY
    world.users[API_USER_ID] = user(API_USER_ID, "ISO 10002 connector", "admin", start)
    for n, aid in enumerate(AGENT_IDS):
        world.users[aid] = user(aid, f"Agent {n + 1}", "agent" if n else "admin", start)
    for gid, name in ((100, "Complaints"), (101, "Complaints Escalation")):
        world.groups[gid] = {"id": gid, "name": name, "description": "", "default": gid == 100,
                             "deleted": False, "is_public": True, "created_at": iso(start),
                             "updated_at": iso(start)}
    profiles = ["good"] * 50 + ["late_ack"] * 15 + ["no_ack"] * 10 + ["stale"] * 10 + \
        ["escalated"] * 5 + ["not_complaint"] * 8 + ["deleted"] * 2
    span = 60 * DAY
    for tid in range(1, tickets + 1):
        created = start + (tid * span) // max(tickets, 1) + rng.randint(0, 3600)
        requester = 100_000 + tid
        world.users[requester] = user(requester, f"Customer {tid}", "end-user", created)
        profile = rng.choice(profiles)
        tags = ["question"] if profile == "not_complaint" else ["complaint",
                                                                  rng.choice(PRODUCTS)]
        b = _TicketBuilder(world, rng, tid, created)
        b.ticket = _ticket_skeleton(tid, requester, created, tags, rng)
        _history(b, "good" if profile in ("not_complaint", "deleted") else profile,
                 requester, rng.choice(AGENT_IDS))
        if profile == "deleted":
            b.ticket["status"] = "deleted"
        world.tickets[tid] = b.ticket
    world.audits.sort(key=lambda a: (a.ts, a.id))
    # Histories must be exportable: nothing in the last two minutes.
    cutoff = now - 120
    for audit in world.audits:
        if audit.ts > cutoff:
            raise ValueError("generated history reaches into the hold-back minute")
    return world
