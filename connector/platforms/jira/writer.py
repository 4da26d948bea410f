"""Apply a :class:`WritebackPlan` to one Jira issue with as few, as safe calls as possible.

Per issue whose findings changed: at most one comment call (create once, then ``PUT`` in place)
and one ``PUT /issue/{key}`` carrying the label ``update`` operations *and* the
``iso10002.findings`` property (hash + our comment id). Unchanged issues cost nothing.

Order matters: the comment is written first so the property can record its id; if the edit
then fails, the next run finds the comment by author + marker and updates it (no duplicate).
When everything is fixed our comment is edited in place into a short "resolved" note rather
than deleted, so the history of what was flagged stays visible to agents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from connector.crashpoints import ARMED, crash_point
from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.errors import AmbiguousWriteError, JiraError, JiraHttpConfigError
from connector.platforms.jira.fieldplan import FINDINGS_PROPERTY
from connector.platforms.jira.notes import note_text, to_adf, to_wiki
from connector.platforms.jira.settings import CommentVisibility
from connector.platforms.jira.state import IssueState, find_our_comment
from connector.ticket_ids import url_segment
from connector.writeback import WritebackPlan

log = logging.getLogger(__name__)

JSM_INTERNAL = {"key": "sd.public.comment", "value": {"internal": True}}


@dataclass
class IssueWriteResult:
    """What happened on one issue (for the ``writeback --apply`` report)."""

    ticket: str
    outcome: Literal["unchanged", "written", "failed"]
    comment: Literal["created", "updated", "resolved", "none"] = "none"
    comment_id: str | None = None
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    error: str | None = None


class JiraWriter:
    """Writes plans through a connected :class:`JiraClient`."""

    def __init__(
        self,
        client: JiraClient,
        *,
        marker: str,
        own_ids: set[str],
        visibility: CommentVisibility,
    ) -> None:
        self.client = client
        self.marker = marker
        self.own_ids = own_ids
        self.visibility = visibility

    # -- request bodies ---------------------------------------------------------------------

    def _params(self) -> dict[str, str]:
        return {} if self.client.source.notify_users else {"notifyUsers": "false"}

    def comment_body(self, plan: WritebackPlan) -> dict[str, Any]:
        """Comment payload: ADF on Cloud, wiki on DC, kept internal as configured."""
        note = plan.note
        resolved = note is not None and note.action == "resolve"
        text = note_text(note.findings if note else (), resolved=resolved, marker=self.marker)
        body: dict[str, Any] = {
            "body": to_adf(text) if self.client.is_cloud else to_wiki(text, marker=self.marker)
        }
        vis = self.visibility
        if vis.kind == "jsm_internal":
            body["properties"] = [JSM_INTERNAL]
        else:
            restriction: dict[str, str] = {"type": vis.kind}
            if vis.value:
                restriction["value"] = vis.value
            if vis.identifier:
                restriction["identifier"] = vis.identifier
            body["visibility"] = restriction
        return body

    @staticmethod
    def edit_body(plan: WritebackPlan, comment_id: str | None) -> dict[str, Any]:
        """The one issue edit: label add/remove operations (never a replacement) + property."""
        ops: list[dict[str, str]] = [{"add": label} for label in plan.add_labels]
        ops += [{"remove": label} for label in plan.remove_labels]
        value = {**plan.findings_summary, "comment_id": comment_id}
        body: dict[str, Any] = {"properties": [{"key": FINDINGS_PROPERTY, "value": value}]}
        if ops:
            body["update"] = {"labels": ops}
        return body

    # -- applying ---------------------------------------------------------------------------

    def apply(self, plan: WritebackPlan, state: IssueState) -> IssueWriteResult:
        """Apply one plan; failures are reported per issue, never raised for one issue."""
        result = IssueWriteResult(ticket=plan.ticket, outcome="unchanged")
        if plan.is_empty:
            return result
        key = state.key
        comment_id = state.write.note_id
        try:
            if plan.note is not None:
                body = self.comment_body(plan)
                comment_id, result.comment = self._write_comment(key, state, comment_id, body)
                if plan.note.action == "resolve":
                    result.comment = "resolved"
                if ARMED:
                    crash_point("jira-after-comment")  # crash tests: comment posted, labels not yet
            self.client.put(f"issue/{url_segment(key)}", self.edit_body(plan, comment_id), self._params())
        except JiraError as exc:
            log.warning("write-back to %s failed: %s", key, exc)
            result.outcome, result.error = "failed", str(exc)
            result.comment_id = comment_id
            return result
        if ARMED:
            crash_point("jira-after-issue-edit")  # crash tests: one issue done, the rest not
        result.outcome = "written"
        result.comment_id = comment_id
        result.labels_added = list(plan.add_labels)
        result.labels_removed = list(plan.remove_labels)
        return result

    def _write_comment(
        self, key: str, state: IssueState, comment_id: str | None, body: dict[str, Any]
    ) -> tuple[str, Literal["created", "updated"]]:
        if comment_id is None and not state.comments_complete:
            # Our comment may sit beyond the embedded page: look before creating.
            comment_id = self._find_existing(key)
        if comment_id is not None:
            try:
                self.client.put(f"issue/{url_segment(key)}/comment/{comment_id}", body, self._params())
            except JiraHttpConfigError as exc:
                if exc.status != 404:
                    raise
                log.info("our comment %s on %s is gone; creating a new one", comment_id, key)
            else:
                return comment_id, "updated"
        return self._create(key, body), "created"

    def _create(self, key: str, body: dict[str, Any]) -> str:
        try:
            return str(self.client.post_once(f"issue/{url_segment(key)}/comment", body)["id"])
        except AmbiguousWriteError:
            # The POST may have landed: re-read before trying again (never a duplicate).
            found = self._find_existing(key)
            if found is not None:
                log.info("comment POST on %s had landed (id %s); not re-posting", key, found)
                self.client.put(f"issue/{url_segment(key)}/comment/{found}", body, self._params())
                return found
            return str(self.client.post_once(f"issue/{url_segment(key)}/comment", body)["id"])

    def _find_existing(self, key: str) -> str | None:
        """Newest comments first, one page: ours is recent if it exists."""
        page = self.client.get(
            f"issue/{url_segment(key)}/comment",
            {
                "startAt": 0,
                "maxResults": self.client.source.page_sizes.comments,
                "orderBy": "-created",
            },
        )
        comments = list(reversed(page.get("comments") or []))  # oldest..newest
        return find_our_comment(comments, marker=self.marker, own_ids=self.own_ids)
