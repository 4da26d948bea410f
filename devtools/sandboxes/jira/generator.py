"""Deterministic complaint issues for the sandbox (seeded; same seed, same data).

Each issue has about 20 history items (status, priority, assignee and label changes plus
edits of other fields) and about 8 comments (public replies, internal notes, complainant
messages). Some issues are handled on time, some are not, so checks find both.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

STATUSES = {
    "Open": ("10000", "new"),
    "In Progress": ("3", "indeterminate"),
    "Waiting for customer": ("10001", "indeterminate"),
    "Resolved": ("10002", "done"),
    "Closed": ("6", "done"),
}
PRIORITIES = {"Low": "4", "Medium": "3", "High": "2", "Highest": "1"}
AGENTS = ("acc-agent-1", "acc-agent-2", "acc-agent-3")
BOT = "acc-iso-bot"
SLA_FIELD = "customfield_10030"
REQUEST_TYPE_FIELD = "customfield_10010"
CATEGORY_FIELD = "customfield_10050"
EPOCH = datetime(2026, 3, 1, tzinfo=UTC)


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: ``2026-03-01T09:00:00.000+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}+0000"
    )


def user(account_id: str) -> dict[str, Any]:
    name = account_id.replace("acc-", "").replace("-", " ").title()
    return {"accountId": account_id, "displayName": name, "active": True, "accountType": "atlassian"}


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


@dataclass
class SandboxIssue:
    id: str
    key: str
    fields: dict[str, Any]
    histories: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)


class _Ids:
    def __init__(self, start: int) -> None:
        self.next = start

    def __call__(self) -> str:
        self.next += 1
        return str(self.next)


def _comment(
    ids: _Ids, author: str, text: str, at: datetime, *, internal: bool
) -> dict[str, Any]:
    return {
        "id": ids(),
        "author": user(author),
        "updateAuthor": user(author),
        "body": adf(text),
        "created": jira_time(at),
        "updated": jira_time(at),
        "jsdPublic": not internal,
        "properties": [{"key": "sd.public.comment", "value": {"internal": internal}}],
    }


def _history(
    ids: _Ids, author: str, at: datetime, fld: str, frm: str | None, to: str | None,
    frm_id: str | None = None, to_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": ids(),
        "author": user(author),
        "created": jira_time(at),
        "items": [
            {
                "field": fld,
                "fieldtype": "jira",
                "fieldId": fld,
                "from": frm_id,
                "fromString": frm,
                "to": to_id,
                "toString": to,
            }
        ],
    }


def generate_issue(n: int, rng: random.Random, project: str = "CMP") -> SandboxIssue:
    """One complaint issue with its full history and comments."""
    hist_ids, comment_ids = _Ids(1_000_000 + n * 100), _Ids(5_000_000 + n * 100)
    created = EPOCH + timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
    reporter = f"acc-customer-{n}"
    compliant = rng.random() < 0.6
    at = created
    status, priority, assignee = "Open", "Medium", None
    labels: list[str] = ["complaint"]
    histories: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    n_comments = 25 if rng.random() < 0.05 else rng.randint(5, 11)  # a few exceed the embed cap
    steps = rng.randint(17, 23)
    for step in range(steps):
        at += timedelta(hours=rng.uniform(0.2, 6.0 if compliant else 40.0))
        agent = rng.choice(AGENTS)
        kind = step % 6
        if kind == 0 and assignee != agent:
            histories.append(_history(hist_ids, agent, at, "assignee", None, None, assignee, agent))
            assignee = agent
        elif kind in (1, 4):
            nxt = rng.choice([s for s in ("In Progress", "Waiting for customer") if s != status])
            histories.append(_history(hist_ids, agent, at, "status", status, nxt,
                                      STATUSES[status][0], STATUSES[nxt][0]))
            status = nxt
        elif kind == 2:
            nxt = rng.choice([p for p in PRIORITIES if p != priority])
            histories.append(_history(hist_ids, agent, at, "priority", priority, nxt,
                                      PRIORITIES[priority], PRIORITIES[nxt]))
            priority = nxt
        elif kind == 3:
            label = rng.choice(["billing", "delivery", "quality", "staff"])
            if label not in labels:
                histories.append(_history(hist_ids, agent, at, "labels", " ".join(labels),
                                          " ".join([*labels, label])))
                labels.append(label)
            else:
                histories.append(_history(hist_ids, agent, at, "summary", "Complaint",
                                          f"Complaint ({label})"))
        else:
            histories.append(_history(hist_ids, agent, at, "description", None, None))
    closed = compliant or rng.random() < 0.5
    if closed:
        at += timedelta(hours=rng.uniform(1, 30))
        histories.append(_history(hist_ids, assignee or AGENTS[0], at, "status", status,
                                  "Resolved", STATUSES[status][0], STATUSES["Resolved"][0]))
        status = "Resolved"
    # Comments: complainant first, then agents (public replies and internal notes).
    moment = created
    for i in range(n_comments):
        moment += timedelta(hours=rng.uniform(0.5, 8.0 if compliant else 60.0))
        if i % 3 == 0:
            comments.append(_comment(comment_ids, reporter, "Any news on my complaint?",
                                     moment, internal=False))
        else:
            internal = rng.random() < 0.4
            text = "Internal: checking with billing." if internal else "We are looking into it."
            comments.append(_comment(comment_ids, rng.choice(AGENTS), text, moment,
                                     internal=internal))
    last = max([at, moment])
    fields = {
        "summary": f"Complaint {n}: {rng.choice(['late delivery', 'wrong bill', 'rude staff'])}",
        "issuetype": {"id": "10100", "name": "Complaint"},
        "project": {"id": "10000", "key": project, "name": "Complaints"},
        "status": {"id": STATUSES[status][0], "name": status,
                   "statusCategory": {"key": STATUSES[status][1]}},
        "priority": {"id": PRIORITIES[priority], "name": priority},
        "assignee": user(assignee) if assignee else None,
        "reporter": user(reporter),
        "creator": user(reporter),
        "created": jira_time(created),
        "updated": jira_time(last),
        "resolution": {"name": "Done"} if closed else None,
        "resolutiondate": jira_time(at) if closed else None,
        "labels": labels,
        "description": adf("I want to complain about my order."),
        "duedate": None,
        CATEGORY_FIELD: {"value": rng.choice(["Billing", "Delivery", "Service"])},
        REQUEST_TYPE_FIELD: {"requestType": {"id": "12", "name": "Raise a complaint"}},
        SLA_FIELD: {"id": "2", "name": "Time to first response", "completedCycles": []},
    }
    return SandboxIssue(
        id=str(10_000 + n),
        key=f"{project}-{n}",
        fields=fields,
        histories=histories,
        comments=comments,
        properties={"request.channel.type": {"value": rng.choice(["email", "portal"])}},
    )


def generate(seed: int, count: int, project: str = "CMP") -> list[SandboxIssue]:
    """``count`` issues; the same ``seed`` always gives the same issues."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    return [generate_issue(n, rng, project) for n in range(1, count + 1)]


FIELD_DEFINITIONS: list[dict[str, Any]] = [
    {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string"}},
    {"id": "status", "name": "Status", "custom": False, "schema": {"type": "status"}},
    {"id": "labels", "name": "Labels", "custom": False, "schema": {"type": "array"}},
    {"id": CATEGORY_FIELD, "name": "Complaint category", "custom": True,
     "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}},
    {"id": REQUEST_TYPE_FIELD, "name": "Request Type", "custom": True,
     "schema": {"type": "sd-customerrequesttype", "custom": "com.atlassian.servicedesk:vp-origin"}},
    {"id": SLA_FIELD, "name": "Time to first response", "custom": True,
     "schema": {"type": "sd-servicelevelagreement",
                "custom": "com.atlassian.servicedesk:sd-sla-field"}},
]
