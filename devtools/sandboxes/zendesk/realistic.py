"""Seed the sandbox from the shared realistic generator (``devtools.generator``).

The generator's complaint model is rendered as raw Zendesk payloads (ticket JSON and
ticket-event audits) and held in the sandbox's account as if Zendesk had recorded it: users
(agents, admins, complainants), tickets, and one :class:`Audit` per update. Same generator
config, same account. Every non-compliance pattern of the generator is present.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools.generator import GeneratorConfig, generate
from devtools.generator.people import AGENT_PEOPLE
from devtools.generator.zendesk_render import (
    GROUPS,
    NEXT_DUE_FIELD,
    group,
    ticket_fields,
    ticket_forms,
    ticket_payloads,
    user,
)
from devtools.sandboxes.zendesk.model import API_USER_ID, Audit, World
from devtools.sandboxes.zendesk.model import user as sandbox_user

#: Ids the sandbox hands out for its own writes start here: far above the generator's ids
#: (tickets ~1e5, audits ~1e8, children ~1e9), so nothing collides.
FIRST_WRITE_ID = 50_000_000_000


def _event(child: dict[str, Any]) -> dict[str, Any]:
    """A ticket-event child as the sandbox keeps it (audit event shape: ``type`` first)."""
    kind = str(child.get("event_type") or child.get("type"))
    if kind == "Comment":
        return {"id": child["id"], "type": "Comment", "author_id": child["author_id"],
                "body": child["body"], "html_body": child["html_body"],
                "plain_body": child["plain_body"], "public": child["public"], "attachments": []}
    if kind in ("Create", "Change"):
        out = {"id": child["id"], "type": kind, "field_name": child["field_name"],
               "value": child["value"]}
        if kind == "Change":
            out["previous_value"] = child.get("previous_value")
        return out
    # Anything else (SatisfactionRating) is kept as it is, minus the export-only keys.
    return {"type": kind, **{k: v for k, v in child.items()
                             if k not in ("via", "via_reference_id", "event_type")}}


#: The generator writes the export's display names; audits keep via types ("Via types
#: reference": web form 0 -> web, mail 4 -> email, web service 5 -> api, rule 8 -> rule).
VIA_TYPES = {"Web form": "web", "Mail": "email", "Web service": "api", "Rule": "rule",
             "Voice": "voice", "Chat": "chat", "Mobile SDK": "mobile"}


def realistic_world(config: GeneratorConfig) -> World:
    """The account for ``config``: the generator's complaints plus our integration user."""
    world = World(next_id=FIRST_WRITE_ID, date_fields={NEXT_DUE_FIELD})
    oldest = int((config.end - timedelta(days=config.days + 1)).timestamp())
    world.users[API_USER_ID] = sandbox_user(API_USER_ID, "ISO 10002 connector", "admin", oldest)
    for person in AGENT_PEOPLE:
        world.users[person.id] = copy.deepcopy(user(person))  # user() is cached: never share
    for name in GROUPS:
        payload = group(name)
        payload.pop("url", None)  # the sandbox adds its own base URL when it answers
        world.groups[int(payload["id"])] = payload
    for ticket_field in ticket_fields():
        ticket_field.pop("url", None)  # the sandbox adds its own base URL when it answers
        world.ticket_fields[int(ticket_field["id"])] = ticket_field
    for form in ticket_forms():
        form.pop("url", None)  # the sandbox adds its own base URL when it answers
        world.ticket_forms[int(form["id"])] = form
    for complaint in generate(config):
        ticket, events = ticket_payloads(complaint)
        ticket.pop("url", None)  # the sandbox adds its own base URL when it answers
        world.tickets[int(ticket["id"])] = ticket
        if complaint.complainant.id not in world.users:
            world.users[complaint.complainant.id] = copy.deepcopy(user(complaint.complainant))
        for event in events:
            world.audits.append(Audit(
                id=int(event["id"]), ticket_id=int(event["ticket_id"]),
                ts=int(event["timestamp"]), author_id=int(event["updater_id"]),
                channel=VIA_TYPES.get(str(event["via"]), str(event["via"]).lower()),
                events=[_event(c) for c in event["child_events"]],
            ))
    world.audits.sort(key=lambda a: (a.ts, a.id))
    return world


def demo_config(complaints: int, *, seed: int = 1, days: int = 180,
                end: datetime | None = None, hold_back: int = 60) -> GeneratorConfig:
    """Complaints over the ``days`` before ``end`` (default: now, minus the export hold-back,
    so the whole history is exportable at once)."""
    moment = end or datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=hold_back + 1)
    return GeneratorConfig(complaints=complaints, end=moment, seed=seed, days=days)
