"""Webhook verification and parsing (pure): signatures, freshness, which ticket, which actor.

Zendesk: ``X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, timestamp + raw body))``
with ``X-Zendesk-Webhook-Signature-Timestamp``; a timestamp outside the allowed age is a replay.
Jira: ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`` (webhooks with a secret);
the body's ``timestamp`` (ms) is signed with it, so freshness is checked on that.
Ticket ids are checked against the platform's grammar (:mod:`connector.ticket_ids`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector import untrusted
from connector.ticket_ids import InvalidTicketId, ticket_id


class WebhookRejected(Exception):
    """The delivery is not authentic or not usable; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str, *, body_unread: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        #: Refused before the body was read: the connection is closed rather than drained.
        self.body_unread = body_unread


@dataclass(frozen=True)
class Nudge:
    """"Ticket X changed (by actor Y)": the service re-reads the ticket itself."""

    ticket: str
    actor: str | None


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_zendesk(secret: str, body: bytes, signature: str | None, timestamp: str | None,
                   now: datetime, max_age: timedelta) -> None:
    if not signature or not timestamp:
        raise WebhookRejected(401, "missing signature headers")
    expected = zendesk_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRejected(401, "bad signature")
    try:
        sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRejected(401, "unreadable signature timestamp") from None
    if sent.tzinfo is None or abs(now - sent) > max_age:
        raise WebhookRejected(401, "stale timestamp (replay?)")


def jira_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_jira(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise WebhookRejected(401, "missing X-Hub-Signature")
    if not hmac.compare_digest(jira_signature(secret, body).encode(), header.strip().encode()):
        raise WebhookRejected(401, "bad signature")


def check_jira_fresh(payload: Mapping[str, Any], now: datetime, max_age: timedelta) -> None:
    """The signed body's ``timestamp`` (epoch ms) must be within ``max_age`` of ``now``."""
    stamp = payload.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise WebhookRejected(401, "no signed timestamp")
    if abs(now.timestamp() * 1000 - stamp) > max_age.total_seconds() * 1000:
        raise WebhookRejected(401, "stale timestamp (replay?)")


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def zendesk_nudge(payload: Mapping[str, Any]) -> Nudge:
    """Ticket and actor from a Zendesk event (``detail``/``event``) or a trigger body.

    Trigger bodies are authored by the admin; docs/service.md gives the one to use:
    ``{"ticket_id": "{{ticket.id}}", "updated_by_id": "{{current_user.id}}"}``.
    """
    detail, event, ticket_obj = (_object(payload, k) for k in ("detail", "event", "ticket"))
    ticket = _text(payload.get("ticket_id")) or _text(ticket_obj.get("id")) or _text(detail.get("id"))
    if ticket is None:
        raise WebhookRejected(422, "no ticket id in the payload")
    ticket = _valid("zendesk", ticket)
    actor = (_text(payload.get("updated_by_id")) or _text(payload.get("current_user_id"))
             or _text(event.get("actor_id")) or _text(detail.get("actor_id")))
    return Nudge(ticket, actor)


def jira_nudge(payload: Mapping[str, Any]) -> Nudge:
    """Issue and actor from a Jira webhook (``user`` or the comment's author)."""
    issue = _object(payload, "issue")
    ticket = _text(issue.get("key")) or _text(issue.get("id"))
    if ticket is None:
        raise WebhookRejected(422, "no issue in the payload")
    ticket = _valid("jira", ticket)
    actor = None
    comment = _object(payload, "comment")
    for holder in (payload.get("user"), comment.get("updateAuthor"), comment.get("author")):
        if isinstance(holder, Mapping):
            actor = _text(holder.get("accountId")) or _text(holder.get("key")) or _text(holder.get("name"))
            if actor:
                break
    return Nudge(ticket, actor)


def _valid(platform: str, ticket: str) -> str:
    try:
        return ticket_id(platform, ticket)
    except InvalidTicketId as exc:
        raise WebhookRejected(422, str(exc)) from None


def delivery_key(platform: str, signed_timestamp: str | None, body: bytes) -> str:
    """Identifies a delivery by what is signed only: Zendesk's signature timestamp with the body,
    Jira's body (which carries its own timestamp). Unsigned headers (delivery or invocation ids)
    are the sender's to choose, so a replay could vary them at will."""
    material = (signed_timestamp or "").encode() + b"\n" + body
    return f"{platform}:" + hashlib.sha256(material).hexdigest()[:48]


def parse_json(body: bytes) -> dict[str, Any]:
    """A webhook body as a JSON object, or :class:`WebhookRejected` (400)."""
    try:
        value = untrusted.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(value, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    return value
