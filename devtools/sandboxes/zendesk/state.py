"""The sandbox account: tickets, audits, users, jobs and tokens, with Zendesk's semantics.

Independent of HTTP so the rules (cursor export, time-based exports, safe updates, jobs) can be
read in one place. Thread-safe: the server thread and the test thread share one instance.
"""

from __future__ import annotations

import base64
import bisect
import copy
import html
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devtools.generator import GeneratorConfig
from devtools.sandboxes.common.values import is_calendar_date
from devtools.sandboxes.zendesk.model import API_USER_ID, DAY, Audit, World, iso

HOLD_BACK = 60  # seconds: exports never return the most recent minute
AGENT_ROLES = ("agent", "admin")
#: Audits carry via types (``via.channel``: web, email, api, rule, ...; "Via types reference",
#: recorded go-zendesk GET_ticket_audits.json); the ticket-event export names them for display
#: ("Web form", "Rule"; a real export child recorded in zendesk-java-client's ChildEvent).
VIA_NAMES = {"web": "Web form", "email": "Mail", "api": "Web service", "rule": "Rule",
             "voice": "Voice", "chat": "Chat", "mobile": "Mobile SDK"}
_TAG_HTML = re.compile(r"<[^>]+>")


class ApiError(Exception):
    """An error answer: status, Zendesk-style body, extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class Clock:
    """Unix seconds; virtual (``advance``) when started at a fixed time, else wall time."""

    def __init__(self, start: float | None = None) -> None:
        self._virtual = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() if self._virtual is None else self._virtual

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._virtual is None:
                raise RuntimeError("a wall clock cannot be advanced")
            self._virtual += seconds


#: Job Statuses, JSON format ``status``: "queued", "working", "failed", "completed", "killed"
#: (developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
JOB_END_STATES = ("completed", "failed", "killed")
#: Comments API: a ticket takes at most 5,000 comments, then updates adding one get 422
#: (platform-zendesk.md §3b).
MAX_COMMENTS = 5000


@dataclass
class Job:
    """One background job. It is ``queued`` until ``started_at``, ``working`` until
    ``ready_at``, then ends as ``end`` (``completed`` unless a test asked otherwise)."""

    id: str
    ready_at: float
    total: int
    results: list[dict[str, Any]]
    started_at: float = 0.0
    end: str = "completed"
    message: str | None = None


@dataclass
class Credentials:
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105 - the sandbox's own demo credential
    email: str = "connector@example.test"
    api_token: str = "sandbox-api-token"  # noqa: S105 - the sandbox's own demo credential
    token_ttl: int = 1800


@dataclass
class Limits:
    account_per_minute: int = 700
    incremental_per_minute: int = 10
    max_jobs: int = 30
    job_latency_seconds: float = 1.0
    #: Exports never return the most recent ``hold_back_seconds`` (Zendesk: one minute). The
    #: demo shortens it so a change is visible to the next sync without waiting a minute.
    hold_back_seconds: int = HOLD_BACK


def _cursor(key: tuple[int, int]) -> str:
    return base64.b64encode(f"{key[0]}.0||{key[1]}|".encode()).decode()


def _uncursor(text: str) -> tuple[int, int]:
    try:
        ts, _, rest = base64.b64decode(text).decode().partition("||")
        return int(float(ts)), int(rest.rstrip("|"))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, {"error": "InvalidCursor", "description": "cursor is invalid"}) from None


@dataclass
class SandboxState:
    """Everything the fake account knows. ``on_write`` hooks let fault injection race writes."""

    world: World
    clock: Clock
    creds: Credentials = field(default_factory=Credentials)
    limits: Limits = field(default_factory=Limits)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (kind, exp)
    refresh_tokens: set[str] = field(default_factory=set)
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    before_ticket_put: list[Callable[[int], None]] = field(default_factory=list)
    #: Called with the ticket ids of each ``update_many`` before the job runs (races).
    before_update_many: list[Callable[[list[int]], None]] = field(default_factory=list)
    #: End states (``failed``/``killed``) with their message for the next jobs queued.
    next_job_ends: list[tuple[str, str]] = field(default_factory=list)
    by_ticket: dict[int, list[Audit]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Index audits per ticket: metric sets and audits pages must not scan the account.
        for audit in self.world.audits:
            self.by_ticket.setdefault(audit.ticket_id, []).append(audit)

    @classmethod
    def seeded(cls, seed: int, complaints: int, *, start: float | None = None, days: int = 14
               ) -> SandboxState:
        """A small account from the shared generator: ``complaints`` complaints received over
        the ``days`` before ``start`` (or now), all of it older than the export hold-back."""
        end = datetime.fromtimestamp(int(Clock(start).now()) - HOLD_BACK - 1, UTC)
        return cls.realistic(GeneratorConfig(complaints=complaints, end=end, seed=seed, days=days),
                             start=start)

    @classmethod
    def realistic(cls, config: GeneratorConfig, *, start: float | None = None) -> SandboxState:
        """An account seeded from the shared generator (every non-compliance pattern).

        ``config.end`` should be at least the hold-back before ``start`` (or now), so every
        generated change is already exportable.
        """
        from devtools.sandboxes.zendesk.realistic import realistic_world

        return cls(world=realistic_world(config), clock=Clock(start))

    # -- auth ---------------------------------------------------------------------------
    def issue_token(self, body: dict[str, Any]) -> dict[str, Any]:
        grant = body.get("grant_type")
        with self.lock:
            if body.get("client_id") != self.creds.client_id or body.get(
                "client_secret"
            ) != self.creds.client_secret:
                raise ApiError(401, {"error": "invalid_client",
                                     "error_description": "Client authentication failed."})
            if grant == "refresh_token":
                old = str(body.get("refresh_token"))
                if old not in self.refresh_tokens:
                    raise ApiError(400, {"error": "invalid_grant"})
                self.refresh_tokens.discard(old)  # refresh tokens rotate
            elif grant != "client_credentials":
                raise ApiError(400, {"error": "unsupported_grant_type"})
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            self.tokens[access] = ("bearer", self.clock.now() + self.creds.token_ttl)
            self.refresh_tokens.add(refresh)
            return {"access_token": access, "token_type": "bearer", "scope": body.get(
                "scope") or "read write", "expires_in": self.creds.token_ttl,
                "refresh_token": refresh, "refresh_token_expires_in": 30 * DAY}

    def authenticate(self, bearer: str | None, basic: tuple[str, str] | None) -> int | None:
        """The user id behind the credentials, or None (anonymous)."""
        with self.lock:
            if bearer is not None:
                entry = self.tokens.get(bearer)
                if entry is not None and entry[1] > self.clock.now():
                    return API_USER_ID
                return None
            if basic is not None and basic == (f"{self.creds.email}/token", self.creds.api_token):
                return API_USER_ID
            if basic is not None and basic[0].endswith("/token") and basic[1] == self.creds.api_token:
                # As on Zendesk, the account's API token authenticates any agent by e-mail:
                # the demo's "team lead" acts as a real agent through the normal API.
                return self.agent_by_email(basic[0].removesuffix("/token"))
            return None

    def agent_by_email(self, email: str) -> int | None:
        with self.lock:
            for uid, person in self.world.users.items():
                if person.get("email") == email and person.get("role") in AGENT_ROLES:
                    return uid
            return None

    # -- views --------------------------------------------------------------------------
    def ticket_view(self, ticket: dict[str, Any], base: str, *, metric_set: bool = False
                    ) -> dict[str, Any]:
        view = copy.deepcopy(ticket)
        view["url"] = f"{base}/api/v2/tickets/{ticket['id']}.json"
        if metric_set:
            view["metric_set"] = self._metric_set(ticket)
        return view

    def _audits_of(self, tid: int) -> list[Audit]:
        return self.by_ticket.get(tid, [])

    def _metric_set(self, ticket: dict[str, Any]) -> dict[str, Any]:
        tid, created = ticket["id"], ticket["generated_timestamp"]
        audits = self._audits_of(tid)
        created = audits[0].ts if audits else created
        replies = [a.ts for a in audits for e in a.events if e["type"] == "Comment"
                   and e["public"] and self.world.users.get(e["author_id"], {}).get("role")
                   in ("agent", "admin")]
        solved = [a.ts for a in audits for e in a.events if e.get("field_name") == "status"
                  and e.get("value") == "solved"]
        reply_min = (replies[0] - created) // 60 if replies else None
        return {
            "id": tid + 5_000_000, "ticket_id": tid, "created_at": iso(created),
            "updated_at": ticket["updated_at"], "replies": len(replies),
            "reply_time_in_minutes": {"calendar": reply_min, "business": reply_min},
            "solved_at": iso(solved[-1]) if solved else None, "reopens": max(len(solved) - 1, 0),
            "first_resolution_time_in_minutes": {"calendar": None, "business": None},
            "full_resolution_time_in_minutes": {"calendar": None, "business": None},
            "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
        }

    # -- incremental exports --------------------------------------------------------------
    def export_tickets(self, base: str, *, start_time: int | None, cursor: str | None,
                       per_page: int, include: set[str]) -> dict[str, Any]:
        with self.lock:
            horizon = int(self.clock.now()) - self.limits.hold_back_seconds
            if start_time is not None and start_time > horizon:
                raise ApiError(400, {"error": "InvalidValue",
                                     "description": "start_time must be more than a minute ago"})
            after = (start_time, 0) if start_time is not None else _uncursor(str(cursor))
            keys = sorted((t["generated_timestamp"], t["id"]) for t in self.world.tickets.values()
                          if t["generated_timestamp"] < horizon)
            rest = [k for k in keys if k > after]
            page = rest[:per_page]
            last = page[-1] if page else after
            tickets = [self.ticket_view(self.world.tickets[k[1]], base,
                                        metric_set="metric_sets" in include) for k in page]
            # A first export with no results has no position to hand back: ``after_cursor`` and
            # ``after_url`` are null (CursorBasedExportIncrementalTicketsResponse: nullable).
            cursor_out = None if start_time is not None and not page else _cursor(last)
            body: dict[str, Any] = {
                "tickets": tickets,
                "after_url": None if cursor_out is None else
                f"{base}/api/v2/incremental/tickets/cursor.json?cursor={cursor_out}",
                "after_cursor": cursor_out,
                "before_url": None, "before_cursor": None,
                "end_of_stream": len(rest) <= per_page,
            }
            if "users" in include:
                ids = {t[k] for t in tickets for k in ("requester_id", "submitter_id",
                                                       "assignee_id") if t.get(k)}
                body["users"] = [copy.deepcopy(self.world.users[i]) for i in sorted(ids)
                                 if i in self.world.users]
            return body

    def _child_events(self, audit: Audit, with_comments: bool) -> list[dict[str, Any]]:
        children: list[dict[str, Any]] = []
        for event in audit.events:
            # Each event's own via (a trigger's change inside an agent's update) or the audit's.
            own = event.get("via")
            channel = own.get("channel") if isinstance(own, dict) else audit.channel
            base = {"id": event["id"], "via": VIA_NAMES.get(str(channel), channel),
                    "via_reference_id": None}
            rest = {k: v for k, v in event.items() if k not in ("id", "via")}
            if event["type"] == "Comment":
                if with_comments:
                    children.append({**base, **rest, "created_at": iso(audit.ts),
                                     "event_type": "Comment"})
                else:
                    children.append({**base, "comment_present": True,
                                     "comment_public": event["public"], "event_type": "Change"})
            elif event["type"] not in ("Change", "Create"):
                # e.g. SatisfactionRating: exported with its own keys
                children.append({**base, **rest, "event_type": event["type"]})
            elif event["field_name"] == "tags":
                old, new = set(event.get("previous_value") or []), set(event["value"] or [])
                children.append({**base, "tags": event["value"],
                                 "added_tags": sorted(new - old),
                                 "removed_tags": sorted(old - new), "event_type": event["type"]})
            elif str(event["field_name"]).isdigit():
                # A custom field (named by id) is exported under ``custom_ticket_fields`` (a real
                # export child recorded in zendesk-java-client's ChildEvent: {"custom_ticket_fields":
                # {"360041597112": "set_up_app"}, "event_type": "Change", "previous_value": null}).
                child = {**base, "custom_ticket_fields": {str(event["field_name"]): event["value"]},
                         "event_type": event["type"]}
                if event["type"] == "Change":
                    child["previous_value"] = event.get("previous_value")
                children.append(child)
            else:
                child = {**base, event["field_name"]: event["value"], "event_type": event["type"]}
                if event["type"] == "Change":
                    child["previous_value"] = event.get("previous_value")
                children.append(child)
        return children

    def ticket_events(self, base: str, *, start_time: int, per_page: int,
                      with_comments: bool) -> dict[str, Any]:
        with self.lock:
            horizon = int(self.clock.now()) - self.limits.hold_back_seconds
            if start_time > horizon:
                raise ApiError(400, {"error": "InvalidValue",
                                     "description": "start_time must be more than a minute ago"})
            page = []
            # Audits are kept sorted by (ts, id): start at the first one at ``start_time``.
            first = bisect.bisect_left(self.world.audits, start_time, key=lambda a: a.ts)
            for audit in self.world.audits[first:first + per_page]:
                if audit.ts >= horizon:
                    break
                page.append(audit)
            if len(page) == per_page:
                # A page ends on a whole second: items sharing the last timestamp all come, even
                # past ``per_page`` ("Using the Incremental Exports API", time-based exports: a
                # page can exceed the limit when timestamps tie), so ``end_time`` can move on.
                for audit in self.world.audits[first + per_page:]:
                    if audit.ts != page[-1].ts:
                        break
                    page.append(audit)
            events = [{
                "id": a.id, "ticket_id": a.ticket_id, "timestamp": a.ts,
                "created_at": iso(a.ts), "updater_id": a.author_id,
                "via": VIA_NAMES.get(a.channel, a.channel), "system": {},
                "event_type": "Audit", "merged_ticket_ids": [],
                "child_events": self._child_events(a, with_comments),
            } for a in page]
            end_time = page[-1].ts if page else start_time
            include = "&include=comment_events" if with_comments else ""
            return {
                "ticket_events": events, "count": len(events), "end_time": end_time,
                "next_page": f"{base}/api/v2/incremental/ticket_events.json?"
                             f"start_time={end_time}{include}",
                "end_of_stream": len(events) < per_page,
            }

    def metric_events(self, base: str, *, start_time: int, per_page: int = 100
                      ) -> dict[str, Any]:
        with self.lock:
            horizon = int(self.clock.now()) - self.limits.hold_back_seconds
            out: list[dict[str, Any]] = []
            first = bisect.bisect_left(self.world.audits, start_time, key=lambda a: a.ts)
            for audit in self.world.audits[first:]:
                if audit.ts >= horizon:
                    break
                out.extend(self._metric_events_of(audit))
                if len(out) >= per_page:
                    break
            out = out[:per_page]
            end_time = int(_ts_of(out[-1]["time"])) if out else start_time
            return {"ticket_metric_events": out, "count": len(out), "end_time": end_time,
                    "next_page": f"{base}/api/v2/incremental/ticket_metric_events.json?"
                                 f"start_time={end_time}",
                    "end_of_stream": len(out) < per_page}

    def _metric_events_of(self, audit: Audit) -> list[dict[str, Any]]:
        out = []
        for event in audit.events:
            metric = kind = None
            if event["type"] == "Comment" and event["public"] and self.world.users.get(
                    event["author_id"], {}).get("role") in ("agent", "admin"):
                metric, kind = "reply_time", "fulfill"
            elif event.get("field_name") == "status" and event.get("value") == "new":
                metric, kind = "reply_time", "activate"
            elif event.get("field_name") == "status" and event.get("value") == "solved":
                metric, kind = "resolution_time", "fulfill"
            if metric:
                out.append({"id": event["id"] + 1, "ticket_id": audit.ticket_id,
                            "metric": metric, "instance_id": 1, "type": kind,
                            "time": iso(audit.ts)})
        return out

    # -- users --------------------------------------------------------------------------
    def list_users(self, roles: list[str], size: int, after: str | None) -> dict[str, Any]:
        with self.lock:
            users = [u for u in self.world.users.values() if not roles or u["role"] in roles]
            return _id_page("users", users, size, after)

    def list_groups(self, size: int, after: str | None, *, exclude_deleted: bool) -> dict[str, Any]:
        """``GET /api/v2/groups`` with cursor pagination. ``exclude_deleted`` is the documented
        parameter; its default is not documented, so the connector always sends it."""
        with self.lock:
            groups = [g for g in self.world.groups.values() if not (exclude_deleted and g.get("deleted"))]
            return _id_page("groups", groups, size, after)

    def list_ticket_fields(self, size: int, after: str | None) -> dict[str, Any]:
        """``GET /api/v2/ticket_fields`` with cursor pagination, fields in id order (Zendesk
        Support API reference, ListTicketFields: "Cursor pagination returns a maximum of 100
        records per page and fields are returned in the order specified by their id")."""
        with self.lock:
            return _id_page("ticket_fields", list(self.world.ticket_fields.values()), size, after)

    def list_ticket_forms(self, base: str, active: bool | None) -> dict[str, Any]:
        """``GET /api/v2/ticket_forms``: every form in one body, no paging (zendesk-support-v2.yaml,
        ListTicketForms takes no paging parameters; TicketFormsResponse holds only
        ``ticket_forms``); ``active`` filters, absent "returns both" (ListTicketForms ``active``)."""
        with self.lock:
            forms = [{**f, "url": f"{base}/api/v2/ticket_forms/{f['id']}.json"}
                     for _, f in sorted(self.world.ticket_forms.items())
                     if active is None or bool(f.get("active")) is active]
            return {"ticket_forms": forms}

    # -- tickets ------------------------------------------------------------------------
    def get_ticket(self, tid: int) -> dict[str, Any]:
        with self.lock:
            ticket = self.world.tickets.get(tid)
            if ticket is None or ticket["status"] == "deleted":
                raise ApiError(404, {"error": "RecordNotFound", "description": "Not found"})
            return ticket

    def _write(self, ticket: dict[str, Any], author: int, events: list[dict[str, Any]]
               ) -> Audit:
        ts = max(int(self.clock.now()), _ts_of(ticket["updated_at"]) + 1)
        audit = Audit(self.world.new_id(), ticket["id"], ts, author, "api", events)
        for event in events:
            event["audit_id"] = audit.id
            if event["type"] == "Change" and str(event["field_name"]).isdigit():
                _set_custom_field(ticket, int(event["field_name"]), event["value"])
            elif event["type"] == "Change":
                ticket[event["field_name"]] = event["value"]
        self.world.audits.append(audit)
        if len(self.world.audits) > 1 and (self.world.audits[-2].ts, self.world.audits[-2].id) > (
                audit.ts, audit.id):
            self.world.audits.sort(key=lambda a: (a.ts, a.id))
        self.by_ticket.setdefault(ticket["id"], []).append(audit)
        ticket["updated_at"] = iso(ts)
        ticket["generated_timestamp"] = ts
        return audit

    def _check_stamp(self, ticket: dict[str, Any], body: dict[str, Any]) -> None:
        """Safe update: only when ``safe_update`` is sent. Tickets API, Ticket ``safe_update``:
        "A value of false has the same effect as true. Omit the property to force the updates
        to not be safe"; Tags API, "Safe Update": a stale ``updated_stamp`` gives 409 Conflict.
        ``safe_update`` without ``updated_stamp`` ("required when true", Update Ticket request
        schema) is refused too: its real answer is not documented, and refusing is stricter."""
        if "safe_update" not in body:
            return
        if body.get("updated_stamp") != ticket["updated_at"]:
            raise ApiError(409, {"error": "UpdateConflict",
                                 "description": "Safe Update prevented the update due to "
                                                "outdated ticket data. Please fetch the latest "
                                                "ticket data and try again."})

    @staticmethod
    def _refuse_closed(ticket: dict[str, Any]) -> None:
        """Closed tickets take no updates (platform-zendesk.md §4, "Comments are immutable":
        writing to closed tickets fails). The real status and body are not verified: 422."""
        if ticket["status"] == "closed":
            raise ApiError(422, {"error": "RecordInvalid",
                                 "description": "Record validation errors",
                                 "details": {"status": [{"description": "closed"}]}})

    def _comment_count(self, tid: int) -> int:
        return sum(1 for a in self.by_ticket.get(tid, []) for e in a.events
                   if e["type"] in ("Comment", "VoiceComment"))

    def _retag(self, ticket: dict[str, Any], author: int, old: list[str], new: list[str]
               ) -> None:
        """A tags change event when the tags differ (the tag endpoints and bulk jobs)."""
        if new != old:
            self._write(ticket, author, [{"id": self.world.new_id(), "type": "Change",
                                          "field_name": "tags", "value": new,
                                          "previous_value": old}])

    def _field_changes(self, ticket: dict[str, Any], entries: Any) -> list[dict[str, Any]]:
        """Change events for ``custom_fields: [{id, value}]``, all checked before any is applied.

        A date field takes ``YYYY-MM-DD`` or null (Tickets API, "Setting custom field values");
        anything else, a datetime included, is 422 RecordInvalid with an ``InvalidValue`` detail
        naming the field (real answer recorded in facetoe/zenpy issue #425, "Error on a Date
        Custom Field"). Fields the sandbox does not define are refused too (stricter: the real
        answer for an unknown id is not confirmed)."""
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise ApiError(400, {"error": "InvalidValue", "description": "custom_fields: list"})
        changes: list[dict[str, Any]] = []
        for entry in entries:
            ident = entry.get("id") if isinstance(entry, dict) else None
            value = entry.get("value") if isinstance(entry, dict) else None
            if not isinstance(ident, int) or ident not in self.world.date_fields:
                raise ApiError(422, _invalid_field(ident, "unknown ticket field", "Unknown"))
            if value is not None and not is_calendar_date(value):
                raise ApiError(422, _invalid_field(ident, "Date Field is not valid", "FieldDate"))
            previous = _custom_field(ticket, ident)
            if value != previous:
                changes.append({"id": self.world.new_id(), "type": "Change",
                                "field_name": str(ident), "value": value,
                                "previous_value": previous})
        return changes

    def update_ticket(self, tid: int, body: dict[str, Any], author: int) -> dict[str, Any]:
        for hook in list(self.before_ticket_put):
            hook(tid)
        with self.lock:
            ticket = self.get_ticket(tid)
            self._refuse_closed(ticket)
            self._check_stamp(ticket, body)
            events: list[dict[str, Any]] = self._field_changes(ticket, body.get("custom_fields"))
            comment = body.get("comment")
            if isinstance(comment, dict):
                if self._comment_count(tid) >= MAX_COMMENTS:
                    raise ApiError(422, {"error": "RecordInvalid",
                                         "description": "Record validation errors",
                                         "details": {"base": [{"description": "comment limit"}]}})
                markup = str(comment.get("html_body") or comment.get("body") or "")
                plain = html.unescape(_TAG_HTML.sub("", markup)).strip()
                events.append({"id": self.world.new_id(), "type": "Comment",
                               "author_id": int(comment.get("author_id") or author),
                               "body": plain, "html_body": markup, "plain_body": plain,
                               "public": bool(comment.get("public", True)), "attachments": []})
            for name in ("tags", "status", "priority", "group_id", "assignee_id"):
                if name in body and body[name] != ticket.get(name):
                    events.append({"id": self.world.new_id(), "type": "Change",
                                   "field_name": name, "value": body[name],
                                   "previous_value": ticket.get(name)})
            audit = self._write(ticket, author, events) if events else None
            return {"ticket": ticket, "audit": _audit_view(audit) if audit else None}

    def simulate_agent_update(self, tid: int, author: int = 2) -> None:
        """Another agent touches the ticket (an internal note): a 409 race for stale stamps."""
        with self.lock:
            ticket = self.world.tickets.get(tid)
            if ticket is not None:
                self._write(ticket, author, [{"id": self.world.new_id(), "type": "Comment",
                                              "author_id": author, "body": "Checking.",
                                              "html_body": "<p>Checking.</p>",
                                              "plain_body": "Checking.", "public": False,
                                              "attachments": []}])

    def audits(self, tid: int, size: int, after: str | None) -> dict[str, Any]:
        with self.lock:
            self.get_ticket(tid)
            start = int(after) if after else 0
            rest = [a for a in self._audits_of(tid) if a.id > start]
            page = rest[:size]
            return {"audits": [copy.deepcopy(_audit_view(a)) for a in page],
                    "meta": {"has_more": len(rest) > size,
                             "after_cursor": str(page[-1].id) if page else None,
                             "before_cursor": None},
                    "links": {"next": None, "prev": None}}

    def change_tags(self, tid: int, body: dict[str, Any], author: int, mode: str
                    ) -> list[str]:
        with self.lock:
            ticket = self.get_ticket(tid)
            self._refuse_closed(ticket)
            if mode != "set":  # Add and Remove Tags support safe updates; Set Tags does not
                self._check_stamp(ticket, body)
            given = [str(t) for t in body.get("tags") or []]
            old = list(ticket["tags"])
            new = given if mode == "set" else (
                old + [t for t in given if t not in old] if mode == "add"
                else [t for t in old if t not in given])
            self._retag(ticket, author, old, new)
            return list(ticket["tags"])

    def show_many(self, ids: list[int]) -> list[dict[str, Any]]:
        if len(ids) > 100:
            raise ApiError(400, {"error": "TooManyValues", "description": "Parameter ids cannot "
                                 "specify more than 100 values", "max_count": 100})
        with self.lock:
            return [self.world.tickets[i] for i in ids
                    if i in self.world.tickets and self.world.tickets[i]["status"] != "deleted"]

    # -- jobs ---------------------------------------------------------------------------
    def update_many(self, ids: list[int], body: dict[str, Any], author: int) -> Job:
        """Update Many Tickets, bulk form (``ids`` + one ``ticket``): at most 100 ids; a job
        slot among ``max_jobs`` (Rate limits, "Job limit"). The tag changes are applied here,
        when the job is queued: the sandbox does not delay them to when the job runs."""
        if len(ids) > 100:
            raise ApiError(400, {"error": "TooManyValues", "max_count": 100})
        for hook in list(self.before_update_many):
            hook(ids)
        with self.lock:
            now = self.clock.now()
            active = sum(1 for j in self.jobs.values() if j.ready_at > now)
            if active >= self.limits.max_jobs:
                raise ApiError(429, {"error": "TooManyJobs"}, {"Retry-After": "5"})
            end, message = self.next_job_ends.pop(0) if self.next_job_ends else ("completed", None)
            add = [str(t) for t in body.get("additional_tags") or []]
            remove = {str(t) for t in body.get("remove_tags") or []}
            fields = body.get("custom_fields")
            results = [] if end == "killed" else [
                self._bulk_update_one(tid, add, remove, author, fields) for tid in ids]
            latency = self.limits.job_latency_seconds
            job = Job(secrets.token_hex(8), now + 2 * latency, len(ids), results,
                      started_at=now + latency, end=end, message=message)
            self.jobs[job.id] = job
            return job

    def _bulk_update_one(self, tid: int, add: list[str], remove: set[str], author: int,
                         fields: Any = None) -> dict[str, Any]:
        """One job result: ``UpdateResourceResult`` or, for a ticket that cannot be updated,
        ``FailedResult`` {id, action, success: false, error, details} (Support API OpenAPI,
        components/schemas). The error text for a closed ticket is not documented."""
        ticket = self.world.tickets.get(tid)
        if ticket is None or ticket["status"] in ("deleted", "closed"):
            reason = "RecordNotFound" if ticket is None or ticket["status"] == "deleted" \
                else "TicketUpdateFailed"
            return {"id": tid, "action": "update", "success": False, "error": reason,
                    "details": "Ticket cannot be updated" if ticket else "Not found"}
        try:
            changes = self._field_changes(ticket, fields)
        except ApiError as exc:
            return {"id": tid, "action": "update", "success": False, "error": "InvalidValue",
                    "details": str(exc.body.get("details") or exc.body)}
        old = list(ticket["tags"])
        new = [t for t in old if t not in remove] + [
            t for t in add if t not in old and t not in remove]
        if new != old:
            changes.append({"id": self.world.new_id(), "type": "Change", "field_name": "tags",
                            "value": new, "previous_value": old})
        if changes:
            self._write(ticket, author, changes)
        return {"id": tid, "action": "update", "success": True, "status": "Updated"}

    def end_next_job(self, status: str, message: str) -> None:
        """Make the next queued job end ``failed`` (its results kept) or ``killed`` (nothing
        done, no results): both are documented end states a client must handle."""
        if status not in ("failed", "killed"):
            raise ValueError(status)
        with self.lock:
            self.next_job_ends.append((status, message))

    def job_view(self, job_id: str, base: str) -> dict[str, Any]:
        """Show Job Status (``JobStatus``): ``queued`` (no progress, no results), ``working``
        (partial progress, results not yet given), then the end state with ``results``."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise ApiError(404, {"error": "RecordNotFound", "description": "Not found"})
            now = self.clock.now()
            view: dict[str, Any] = {"id": job.id, "url": f"{base}/api/v2/job_statuses/{job.id}.json",
                                    "job_type": "Bulk Update", "total": job.total}
            if now < job.started_at:
                view.update(status="queued", progress=None, message=None, results=None)
            elif now < job.ready_at:
                view.update(status="working", progress=job.total // 2, message=None,
                            results=None)
            else:
                done = len(job.results) if job.end != "completed" else job.total
                view.update(status=job.end, progress=done,
                            message=job.message or "Completed at " + iso(int(job.ready_at)),
                            results=copy.deepcopy(job.results) if job.end != "killed" else None)
            return {"job_status": view}


def _id_page(name: str, items: list[dict[str, Any]], size: int, after: str | None
             ) -> dict[str, Any]:
    """One page of ``items`` by id after the cursor ``after`` (Zendesk cursor pagination, the
    cursor an opaque base64 of the last id)."""
    start = int(base64.b64decode(after).decode()) if after else 0
    rest = sorted((i for i in items if i["id"] > start), key=lambda i: int(i["id"]))
    page = rest[:size]
    cursor = base64.b64encode(str(page[-1]["id"]).encode()).decode() if page else None
    return {name: copy.deepcopy(page),
            "meta": {"has_more": len(rest) > size, "after_cursor": cursor, "before_cursor": None},
            "links": {"next": None, "prev": None}}


def _ts_of(text: str) -> int:
    import datetime as _dt

    return int(_dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=_dt.UTC).timestamp())


def _audit_view(audit: Audit) -> dict[str, Any]:
    return {"id": audit.id, "ticket_id": audit.ticket_id, "created_at": iso(audit.ts),
            "author_id": audit.author_id, "via": {"channel": audit.channel},
            "metadata": {"system": {}, "custom": {}}, "events": audit.events}



def _custom_field(ticket: dict[str, Any], ident: int) -> Any:
    for entry in ticket.get("custom_fields") or ():
        if entry.get("id") == ident:
            return entry.get("value")
    return None


def _set_custom_field(ticket: dict[str, Any], ident: int, value: Any) -> None:
    """Both ``custom_fields`` and its legacy twin ``fields`` carry the value (real tickets do)."""
    for key in ("custom_fields", "fields"):
        entries = ticket.setdefault(key, [])
        for entry in entries:
            if entry.get("id") == ident:
                entry["value"] = value
                break
        else:
            entries.append({"id": ident, "value": value})


def _invalid_field(ident: object, description: str, kind: str) -> dict[str, Any]:
    return {"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"base": [{"description": description, "error": "InvalidValue",
                                  "ticket_field_id": ident, "ticket_field_type": kind}]}}
