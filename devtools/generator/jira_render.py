"""Render generated complaints as raw Jira payloads.

* Jira Cloud REST v3 ``/search/jql`` pages: ``{"issues", "nextPageToken", "isLast"}``, ADF
  bodies, ``jsdPublic`` on comments, user objects with ``accountId``/``accountType``, the
  changelog embedded (complete, or truncated with separate ``/changelog/bulkfetch`` pages).
* Jira Data Center REST v2 ``/search`` pages: ``{"expand", "startAt", "maxResults", "total",
  "issues"}``, wiki-markup bodies and no comment properties (DC search embeds none), each
  followed by the ``GET issue/{key}/comment?expand=properties`` pages (JSM's
  ``sd.public.comment`` on each comment) of the issues the connector reads them for.

Ids, statuses, priorities and custom fields are those of the shipped ``mappings/jira.yaml``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from typing import Any

from devtools.generator.model import Complaint, Event, Kind, Person
from devtools.generator.people import BY_ID
from mappings.jira_payload import comments_needing_visibility

BASE = "https://complaints-demo.atlassian.net"
DC_BASE = "https://jira.example-bank.internal"
PROJECT = {"id": "10010", "key": "CS", "name": "Customer Complaints", "projectTypeKey": "service_desk"}

#: neutral status -> (name, id, status category key, category id, colour)
STATUS = {
    "new": ("Open", "1", "new", 2, "blue-gray"),
    "acknowledged": ("Acknowledged", "10101", "indeterminate", 4, "yellow"),
    "assessment": ("In Assessment", "10102", "indeterminate", 4, "yellow"),
    "investigating": ("Under investigation", "10103", "indeterminate", 4, "yellow"),
    "waiting": ("Waiting for customer", "10104", "indeterminate", 4, "yellow"),
    "escalated": ("Escalated", "10105", "indeterminate", 4, "yellow"),
    "resolved": ("Resolved", "5", "done", 3, "green"),
    "closed": ("Closed", "6", "done", 3, "green"),
}
PRIORITY = {
    "critical": ("Highest", "1"),
    "high": ("High", "2"),
    "medium": ("Medium", "3"),
    "low": ("Low", "4"),
}
CHANNEL = {"web": "portal", "email": "email", "phone": "phone", "chat": "chat", "api": "api", "app": "api"}
#: neutral field -> (custom field id, display name, option values or None for text)
FIELDS: dict[str, tuple[str, str, dict[str, str] | None]] = {
    "outcome": (
        "customfield_10060",
        "Outcome",
        {
            "upheld": "Upheld",
            "partly_upheld": "Partly upheld",
            "not_upheld": "Not upheld",
            "withdrawn": "Withdrawn",
        },
    ),
    "resolution_summary": ("customfield_10061", "Resolution summary", None),
    "remedy_offered": ("customfield_10062", "Remedy offered", None),
    "complainant_response": (
        "customfield_10063",
        "Complainant response",
        {"accepted": "Accepted", "rejected": "Rejected", "none": "No response"},
    ),
    "recourse_given": ("customfield_10064", "Recourse information given", {"yes": "Yes", "no": "No"}),
    "root_cause": ("customfield_10065", "Root cause", None),
    "corrective_action": ("customfield_10066", "Corrective action", None),
    "escalation_level": ("customfield_10070", "Escalation level", None),
}
RESOLUTION = {"decision_issued": ("Done", "10000"), "referred_to_hr": ("Declined", "10003")}
TEAM_IDS = {"Complaints": "36885b3c-1bf0-4f85-a357-c5b858c31de4"}


@dataclass(frozen=True)
class JiraOptions:
    """How to shape the output (Cloud vs Data Center, page size, changelog embedding)."""

    data_center: bool = False
    page_size: int = 100
    #: Cloud only: embed at most this many histories and emit ``/changelog/bulkfetch`` pages
    #: with the full history (None: embed the complete changelog).
    embed_histories: int | None = None


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")


def _option(value: str, option_id: int) -> dict[str, Any]:
    return {"self": f"{BASE}/rest/api/3/customFieldOption/{option_id}", "value": value, "id": str(option_id)}


def _option_id(text: str) -> int:
    return 10_300 + sum(text.encode()) % 600  # stable small ids per option value


def _account_id(person: Person) -> str:
    if person.role == "end-user":
        return f"qm:{uuid.UUID(int=(person.id * 0x9E3779B97F4A7C15) % (1 << 128))}:{person.id % 99_991:05d}"
    if person.role == "system":
        return "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"  # Automation for Jira
    return f"5f{(person.id * 0x5DEECE66D) % (1 << 88):022x}"


@lru_cache(maxsize=4096)
def cloud_user(person: Person) -> dict[str, Any]:
    account_id = _account_id(person)
    avatar = f"https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/{account_id[-12:]}"
    user: dict[str, Any] = {
        "self": f"{BASE}/rest/api/3/user?accountId={account_id}",
        "accountId": account_id,
    }
    if person.role != "system":
        user["emailAddress"] = person.email
    user.update(
        avatarUrls={size: f"{avatar}/{size.split('x')[0]}" for size in ("48x48", "24x24", "16x16", "32x32")},
        displayName=person.name if person.role != "system" else "Automation for Jira",
        active=True,
        timeZone=person.time_zone,
        accountType={"end-user": "customer", "system": "app"}.get(person.role, "atlassian"),
    )
    return user


@lru_cache(maxsize=4096)
def dc_user(person: Person) -> dict[str, Any]:
    name = person.email.split("@")[0] if person.role != "system" else "automation"
    key = f"JIRAUSER{10_000 + abs(person.id) % 900_000}"
    return {
        "self": f"{DC_BASE}/rest/api/2/user?username={name}",
        "name": name,
        "key": key,
        "emailAddress": person.email,
        "avatarUrls": {
            size: f"{DC_BASE}/secure/useravatar?size={label}&avatarId=10122"
            for size, label in (
                ("48x48", "large"),
                ("24x24", "small"),
                ("16x16", "xsmall"),
                ("32x32", "medium"),
            )
        },
        "displayName": person.name,
        "active": True,
        "timeZone": person.time_zone,
    }


def adf(text: str) -> dict[str, Any]:
    """Atlassian Document Format: one paragraph per line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} if line else {"type": "paragraph"}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


class _Issue:
    """Builds one issue's JSON (Cloud or DC flavour)."""

    def __init__(self, c: Complaint, options: JiraOptions) -> None:
        self.c, self.dc = c, options.data_center
        self.base = DC_BASE if self.dc else BASE
        self.api = "2" if self.dc else "3"
        self.id = str(10_000 + c.index + 1)
        self.key = f"CS-{c.index + 1}"

    def user(self, person: Person | None) -> dict[str, Any] | None:
        if person is None:
            return None
        return dc_user(person) if self.dc else cloud_user(person)

    def body(self, text: str) -> Any:
        return text if self.dc else adf(text)

    def status(self, neutral: str) -> dict[str, Any]:
        name, ident, cat_key, cat_id, colour = STATUS[neutral]
        return {
            "self": f"{self.base}/rest/api/{self.api}/status/{ident}",
            "description": "",
            "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
            "name": name,
            "id": ident,
            "statusCategory": {
                "self": f"{self.base}/rest/api/{self.api}/statuscategory/{cat_id}",
                "id": cat_id,
                "key": cat_key,
                "colorName": colour,
                "name": {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}[cat_key],
            },
        }

    def priority(self, neutral: str) -> dict[str, Any]:
        name, ident = PRIORITY[neutral]
        return {
            "self": f"{self.base}/rest/api/{self.api}/priority/{ident}",
            "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": ident,
        }

    # -- history -------------------------------------------------------------------------

    def comment(self, e: Event, *, properties: bool = False) -> dict[str, Any]:
        """One comment as Jira sends it; ``properties``: with ``expand=properties``."""
        ident = str(self.c.index * 1000 + e.seq + 100_000)
        author = self.user(e.actor)
        comment: dict[str, Any] = {
            "self": f"{self.base}/rest/api/{self.api}/issue/{self.id}/comment/{ident}",
            "id": ident,
            "author": author,
            "body": self.body(e.text or ""),
            "updateAuthor": author,
            "created": _fmt(e.at),
            "updated": _fmt(e.at),
        }
        if not self.dc:
            comment["jsdPublic"] = bool(e.public)
        if properties:
            comment["properties"] = [{"key": "sd.public.comment", "value": {"internal": not e.public}}]
        return comment

    def comment_pages(self, size: int = 100) -> list[dict[str, Any]]:
        """The issue's comment pages with properties, wrapped as the connector exports them."""
        comments = [self.comment(e, properties=True) for e in self.c.events if e.kind is Kind.COMMENT]
        return [
            {"issue": self.key, "comments": {"startAt": start, "maxResults": size, "total": len(comments),
                                             "comments": comments[start:start + size]}}
            for start in range(0, len(comments), size)
        ]

    def items(self, e: Event) -> list[dict[str, Any]]:
        if e.kind is Kind.STATUS:
            old_s, new_s = STATUS[str(e.before)], STATUS[str(e.after)]
            return [_item("status", "jira", "status", old_s[1], old_s[0], new_s[1], new_s[0])]
        if e.kind is Kind.PRIORITY:
            old_p, new_p = PRIORITY[str(e.before)], PRIORITY[str(e.after)]
            return [_item("priority", "jira", "priority", old_p[1], old_p[0], new_p[1], new_p[0])]
        if e.kind is Kind.ASSIGNEE:
            old = BY_ID.get(int(str(e.before))) if e.before else None
            new = BY_ID[int(str(e.after))]
            return [
                _item(
                    "assignee",
                    "jira",
                    "assignee",
                    _account_id(old) if old else None,
                    old.name if old else None,
                    _account_id(new),
                    new.name,
                )
            ]
        if e.kind is Kind.LABELS:
            return [
                _item(
                    "labels", "jira", "labels", None, " ".join(e.before or ()), None, " ".join(e.after or ())
                )
            ]
        if e.kind is Kind.GROUP:
            return [_item("Team", "custom", "customfield_10001", None, str(e.before), None, str(e.after))]
        if e.kind is Kind.SATISFACTION:
            rating = {"good": "5", "bad": "2"}.get(str(e.after))
            return (
                [_item("Satisfaction", "custom", "customfield_10067", None, None, None, rating)]
                if rating
                else []
            )
        if e.kind is Kind.FIELD and e.field == "closure_reason":
            name, ident = RESOLUTION.get(str(e.after), ("Done", "10000"))
            return [_item("resolution", "jira", "resolution", None, None, ident, name)]
        if e.kind is Kind.FIELD and e.field in FIELDS:
            field_id, label, options = FIELDS[e.field]
            shown = [None if v is None else (options or {}).get(str(v), str(v)) for v in (e.before, e.after)]
            ids = [str(_option_id(v)) if options and v is not None else None for v in shown]
            return [_item(label, "custom", field_id, ids[0], shown[0], ids[1], shown[1])]
        return []

    def histories(self) -> list[dict[str, Any]]:
        """Changes made together (same moment, same person) form one history, as in Jira."""
        out = []
        changes = (e for e in self.c.events if e.kind is not Kind.COMMENT)
        for (at, actor), group in groupby(changes, key=lambda e: (e.at, e.actor)):
            events = list(group)
            items = [item for e in events for item in self.items(e)]
            if not items:
                continue
            if actor.role == "end-user" and any(e.kind is Kind.STATUS for e in events):
                actor = _AUTOMATION  # a customer's comment reopens the request via automation
            out.append(
                {
                    "id": str(self.c.index * 1000 + events[0].seq + 500_000),
                    "author": self.user(actor),
                    "created": _fmt(at),
                    "items": items,
                }
            )
        return out

    # -- the issue ------------------------------------------------------------------------

    def fields(self, properties: bool = False) -> dict[str, Any]:
        c = self.c
        reporter = self.user(c.complainant)
        values = dict(c.fields)
        resolution = RESOLUTION.get(values.get("closure_reason", "")) if not c.is_open else None
        fields: dict[str, Any] = {
            "statuscategorychangedate": _fmt(c.updated_at),
            "issuetype": {
                "self": f"{self.base}/rest/api/{self.api}/issuetype/10020",
                "id": "10020",
                "description": "A customer complaint (ISO 10002)",
                "name": "Complaint",
                "subtask": False,
                "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/10300",
                **({} if self.dc else {"hierarchyLevel": 0}),
            },
            "project": {"self": f"{self.base}/rest/api/{self.api}/project/{PROJECT['id']}", **PROJECT},
            "created": _fmt(c.received_at),
            "updated": _fmt(c.updated_at),
            "priority": self.priority(c.priority),
            "labels": list(c.labels),
            "assignee": self.user(c.assignee),
            "reporter": reporter,
            "creator": reporter,
            "status": self.status(c.status),
            "summary": c.subject,
            "description": self.body(c.description),
            "resolution": None
            if resolution is None
            else {
                "self": f"{self.base}/rest/api/{self.api}/resolution/{resolution[1]}",
                "id": resolution[1],
                "description": "",
                "name": resolution[0],
            },
            "resolutiondate": _fmt(c.updated_at) if resolution else None,
            "customfield_10001": {
                "id": TEAM_IDS.get(c.group, "9a1d5d1e-0000-4000-8000-000000000001"),
                "name": c.group,
                "title": c.group,
                "isShared": True,
            },
            "customfield_10010": {
                "_links": {
                    "jiraRest": f"{self.base}/rest/api/2/issue/{self.id}",
                    "web": f"{self.base}/servicedesk/customer/portal/3/{self.key}",
                },
                "requestType": {
                    "id": "31",
                    "_links": {},
                    "name": "Raise a complaint",
                    "description": "Tell us what went wrong",
                    "helpText": "",
                    "serviceDeskId": "3",
                    "portalId": "3",
                    "groupIds": ["11"],
                },
                "currentStatus": {
                    "status": STATUS[c.status][0],
                    "statusCategory": STATUS[c.status][2].upper(),
                    "statusDate": {"iso8601": _fmt(c.updated_at)},
                },
            },
            "customfield_10050": _option(c.product, _option_id(c.product)),
            "customfield_10051": _option(c.category, _option_id(c.category)),
            "customfield_10052": _option(c.subcategory, _option_id(c.subcategory)),
            "customfield_10053": c.remedy_sought,
        }
        for name, (field_id, _label, options) in FIELDS.items():
            value = values.get(name)
            if value is None:
                fields[field_id] = None
            elif options:
                fields[field_id] = _option(options[value], _option_id(options[value]))
            elif name == "resolution_summary":
                fields[field_id] = self.body(value)
            else:
                fields[field_id] = value
        rating = {"good": 5, "bad": 2}.get(c.satisfaction or "")
        fields["customfield_10067"] = {"rating": rating} if rating else None
        comments = [self.comment(e, properties=properties) for e in c.events if e.kind is Kind.COMMENT]
        fields["comment"] = {
            "comments": comments,
            "self": f"{self.base}/rest/api/{self.api}/issue/{self.id}/comment",
            "maxResults": len(comments),
            "total": len(comments),
            "startAt": 0,
        }
        return fields

    def render(
        self, embed_limit: int | None, *, properties: bool = False
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(issue JSON, its full history list when the embedded changelog was truncated);
        ``properties``: comments with their properties (stored form, not search's)."""
        histories = self.histories()
        shown = histories if embed_limit is None else histories[:embed_limit]
        issue = {
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": self.id,
            "self": f"{self.base}/rest/api/{self.api}/issue/{self.id}",
            "key": self.key,
            "fields": self.fields(properties),
            "changelog": {
                "startAt": 0,
                "maxResults": len(shown),
                "total": len(histories),
                "histories": shown,
            },
            "properties": {"request.channel.type": {"value": CHANNEL[self.c.channel]}},
        }
        return issue, (histories if len(shown) < len(histories) else [])


def issue_payload(c: Complaint, *, data_center: bool = False) -> dict[str, Any]:
    """One complaint as a complete issue (changelog and comments embedded in full, comments
    with their properties: what Jira stores, which search never sends whole).

    For consumers that hold issues one by one (the Jira sandbox seeds itself from this).
    """
    return _Issue(c, JiraOptions(data_center=data_center)).render(None, properties=True)[0]


_AUTOMATION = Person(id=-1, name="Automation for Jira", email="automation@helpdesk.invalid", role="system")


def _item(
    field: str,
    kind: str,
    field_id: str,
    old: str | None,
    old_text: str | None,
    new: str | None,
    new_text: str | None,
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": kind,
        "fieldId": field_id,
        "from": old,
        "fromString": old_text,
        "to": new,
        "toString": new_text,
    }


def jira_pages(complaints: Iterator[Complaint], total: int, options: JiraOptions) -> Iterator[dict[str, Any]]:
    """API pages, one at a time: search pages (and bulkfetch changelog pages after each)."""
    page: list[dict[str, Any]] = []
    changelogs: list[dict[str, Any]] = []
    start = 0
    for complaint in complaints:
        one = _Issue(complaint, options)
        issue, full = one.render(None if options.data_center else options.embed_histories)
        page.append(issue)
        if full:
            changelogs.append({"issueId": issue["id"], "changeHistories": full})
        if options.data_center and comments_needing_visibility(issue):
            changelogs.extend(one.comment_pages())  # read after the search page, as the reader does
        if len(page) == options.page_size:
            yield from _emit(page, changelogs, start, total, options, last=start + len(page) >= total)
            start += len(page)
            page, changelogs = [], []
    if page or start == 0:
        yield from _emit(page, changelogs, start, total, options, last=True)


def _emit(
    page: list[dict[str, Any]],
    changelogs: list[dict[str, Any]],
    start: int,
    total: int,
    options: JiraOptions,
    *,
    last: bool,
) -> Iterator[dict[str, Any]]:
    if options.data_center:
        yield {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": options.page_size,
            "total": total,
            "issues": page,
        }
        yield from changelogs  # Data Center: the comment pages with properties
        return
    token = None if last else f"CLkBEgYIgNzCogYYACIcZm9yZWlnbi1rZXk6Q1MtcGFnZS0{start + len(page):06d}"
    yield {"issues": page, "nextPageToken": token, "isLast": last}
    for offset in range(0, len(changelogs), 1000):  # bulkfetch returns up to 1000 issues per page
        chunk = changelogs[offset : offset + 1000]
        more = offset + 1000 < len(changelogs)
        yield {"issueChangeLogs": chunk, **({"nextPageToken": f"cl-{start}-{offset + 1000}"} if more else {})}
