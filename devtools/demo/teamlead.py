"""The team lead: picks a flagged ticket, fixes it through the normal API as a real agent.

The fix is what the finding's remediation asks for: a public reply to the complainant. On
Zendesk that is ``PUT /api/v2/tickets/{id}`` with a public comment, on Jira Cloud
``POST /rest/api/3/issue/{key}/comment``, each authenticated as the agent (not as our
integration user), so the connector sees an agent's reply on the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from connector.writeback import is_ours
from devtools.demo.sandboxes import HTTP_TIMEOUT, Sandbox, Secrets
from devtools.demo.summary import FLAGGED, StoreView
from devtools.generator.people import LEADS
from devtools.generator.zendesk_render import NEXT_DUE_FIELD as ZENDESK_NEXT_DUE
from devtools.sandboxes.jira.model import BOT
from devtools.sandboxes.jira.model import NEXT_DUE_FIELD as JIRA_NEXT_DUE

#: Checks a public reply can settle, best first: an AT_RISK one of these turns PASS (or its
#: clock restarts), so its flag disappears; a FAIL one stays failed but its finding changes.
REPLY_FIXES = ("acknowledged-in-time", "kept-informed", "decision-communicated")
MARKER = "[iso10002]"
REPLY = ("Dear customer, thank you for your complaint. We have received it and a complaints "
         "handler is looking into it; we will update you within five working days. "
         "Our complaints procedure is at https://example.test/complaints.")


@dataclass(frozen=True)
class Choice:
    source: str
    ticket: str
    check: str
    status: str
    why: str


def choose(view: StoreView, source: str) -> Choice | None:
    """The flagged open ticket whose flag a public reply is most likely to clear."""
    best: tuple[tuple[int, int, str], Choice] | None = None
    for ticket in view.flagged(source):
        row = view.tickets.get((source, ticket))
        if row is None or not row.is_open or row.deleted:
            continue  # closed tickets cannot take a reply on Zendesk
        found = {f["check"]: f for f in view.findings.get((source, ticket), [])}
        for rank, check in enumerate(REPLY_FIXES):
            finding = found.get(check) or {}
            status = finding.get("status")
            if status not in FLAGGED:
                continue
            if status == "FAIL" and "overdue since" not in str(finding.get("message")):
                continue  # done late already: a reply now would change nothing
            key = (0 if status == "AT_RISK" else 1, rank, ticket.zfill(12))
            why = (f"{check} is {status}: a public reply now "
                   + ("settles it before it breaches" if status == "AT_RISK"
                      else "cannot undo the breach, but it changes the finding"))
            if best is None or key < best[0]:
                best = (key, Choice(source, ticket, check, status, why))
    return best[1] if best else None


@dataclass(frozen=True)
class Look:
    """A ticket as the team lead sees it: our labels/tags and our note."""

    labels: tuple[str, ...]
    notes: int  # our notes on the ticket (Zendesk adds one per change; Jira edits one)
    note_id: str | None
    note_updated: str | None
    note_head: str  # the note's first items, for the printout


class Desk:
    """API access to one sandbox as the team lead (an agent with their own log-in)."""

    def __init__(self, sandbox: Sandbox, keys: Secrets) -> None:
        self.sandbox = sandbox
        self.lead = LEADS[0]
        self.http = requests.Session()
        if sandbox.platform == "zendesk":
            # Zendesk: the account's API token works with any agent's e-mail (Basic auth).
            self.http.auth = (f"{self.lead.email}/token", keys.zendesk_api_token)
        else:
            self.http.auth = (self.lead.email, keys.jira_agent_token)

    def _get(self, path: str, **params: Any) -> Any:
        response = self.http.get(self.sandbox.url + path, params=params, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def reply(self, ticket: str) -> str:
        """Post the public reply; returns the request made (for the printout)."""
        if self.sandbox.platform == "zendesk":
            path = f"/api/v2/tickets/{ticket}.json"
            body: dict[str, Any] = {"ticket": {"comment": {"body": REPLY, "public": True}}}
            self.http.put(self.sandbox.url + path, json=body, timeout=HTTP_TIMEOUT).raise_for_status()
            return f"PUT /api/v2/tickets/{ticket} (public comment)"
        path = f"/rest/api/3/issue/{ticket}/comment"
        adf = {"type": "doc", "version": 1,
               "content": [{"type": "paragraph", "content": [{"type": "text", "text": REPLY}]}]}
        self.http.post(self.sandbox.url + path, json={"body": adf},
                       timeout=HTTP_TIMEOUT).raise_for_status()
        return f"POST {path} (public comment)"

    def open_without_due_date(self, tickets: list[str]) -> tuple[int, list[str]]:
        """Of ``tickets``, how many are open, and which open ones lack the next-due date
        (read in pages of 100, as the connector reads)."""
        open_count, missing = 0, []
        for start in range(0, len(tickets), 100):
            for ticket, is_open, due in self._due_dates(tickets[start:start + 100]):
                open_count += is_open
                if is_open and not due:
                    missing.append(ticket)
        return open_count, missing

    def _due_dates(self, batch: list[str]) -> list[tuple[str, bool, object]]:
        if self.sandbox.platform == "zendesk":
            found = self._get("/api/v2/tickets/show_many.json", ids=",".join(batch))["tickets"]
            return [(str(t["id"]), t["status"] not in ("solved", "closed"),
                     next((f["value"] for f in t["custom_fields"] if f["id"] == ZENDESK_NEXT_DUE),
                          None)) for t in found]
        jql = "key in (" + ",".join(f'"{k}"' for k in batch) + ")"
        response = self.http.post(self.sandbox.url + "/rest/api/3/search/jql", timeout=HTTP_TIMEOUT,
                                  json={"jql": jql, "fields": ["status", JIRA_NEXT_DUE],
                                        "maxResults": len(batch)})
        response.raise_for_status()
        return [(i["key"], i["fields"]["status"]["statusCategory"]["key"] != "done",
                 i["fields"].get(JIRA_NEXT_DUE)) for i in response.json()["issues"]]

    def look(self, ticket: str) -> Look:
        if self.sandbox.platform == "zendesk":
            return self._look_zendesk(ticket)
        return self._look_jira(ticket)

    def _look_zendesk(self, ticket: str) -> Look:
        tags = self._get(f"/api/v2/tickets/{ticket}.json")["ticket"]["tags"]
        notes: list[tuple[str, str]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"page[size]": 100}
            if after:
                params["page[after]"] = after
            page = self._get(f"/api/v2/tickets/{ticket}/audits.json", **params)
            for audit in page["audits"]:
                for event in audit["events"]:
                    text = str(event.get("plain_body") or event.get("body") or "")
                    if event.get("type") == "Comment" and not event.get("public") and MARKER in text:
                        notes.append((str(event["id"]), text))
            after = page["meta"]["after_cursor"] if page["meta"]["has_more"] else None
            if not after:
                break
        last = notes[-1] if notes else None
        return Look(tuple(sorted(t for t in tags if is_ours(t))), len(notes),
                    last[0] if last else None, None, _head(last[1]) if last else "")

    def _look_jira(self, key: str) -> Look:
        labels = self._get(f"/rest/api/3/issue/{key}", fields="labels")["fields"]["labels"]
        page = self._get(f"/rest/api/3/issue/{key}/comment", maxResults=100)
        ours = [c for c in page["comments"] if c["author"].get("accountId") == BOT
                and _text(c["body"]).startswith(MARKER)]
        last = ours[-1] if ours else None
        return Look(tuple(sorted(t for t in labels if is_ours(t))), len(ours),
                    str(last["id"]) if last else None, str(last["updated"]) if last else None,
                    _head(_text(last["body"])) if last else "")


def _head(text: str, width: int = 150) -> str:
    """The start of a note, on one line, for the printout."""
    flat = " ".join(text.split()).replace(MARKER, "").strip()
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _text(body: object) -> str:
    """The words of an ADF document (or a wiki string), paragraphs separated by spaces."""
    if isinstance(body, str):
        return body
    words: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                words.append(str(node.get("text", "")))
            for child in node.get("content") or []:
                walk(child)
            if node.get("type") in ("paragraph", "listItem"):
                words.append(" ")

    walk(body)
    return "".join(words).strip()
