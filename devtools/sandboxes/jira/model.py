"""What the Jira sandbox holds: issues (fields, changelog, comments, properties) and the site's
field definitions. Issues come from the shared generator only (:mod:`devtools.sandboxes.jira.realistic`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BOT = "acc-iso-bot"
SLA_FIELD = "customfield_10030"
REQUEST_TYPE_FIELD = "customfield_10010"
CATEGORY_FIELD = "customfield_10050"
#: A date picker field for the connector's next-due write-back (unset when seeded).
NEXT_DUE_FIELD = "customfield_10200"
DATE_PICKER = "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"


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


FIELD_DEFINITIONS: list[dict[str, Any]] = [
    {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string"}},
    {"id": "status", "name": "Status", "custom": False, "schema": {"type": "status"}},
    {"id": "labels", "name": "Labels", "custom": False, "schema": {"type": "array"}},
    {"id": CATEGORY_FIELD, "name": "Complaint category", "custom": True,
     "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}},
    {"id": REQUEST_TYPE_FIELD, "name": "Request Type", "custom": True,
     "schema": {"type": "sd-customerrequesttype", "custom": "com.atlassian.servicedesk:vp-origin"}},
    {"id": NEXT_DUE_FIELD, "name": "ISO 10002 next due", "custom": True,
     "schema": {"type": "date", "custom": DATE_PICKER, "customId": 10200}},
    {"id": SLA_FIELD, "name": "Time to first response", "custom": True,
     "schema": {"type": "sd-servicelevelagreement",
                "custom": "com.atlassian.servicedesk:sd-sla-field"}},
]

#: Fields an edit can set (``editmeta``); status and the SLA field are never editable.
EDITABLE_FIELDS = [
    f for f in FIELD_DEFINITIONS if f["id"] not in ("status", SLA_FIELD, REQUEST_TYPE_FIELD)
]
