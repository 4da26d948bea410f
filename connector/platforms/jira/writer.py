"""Apply a :class:`WritebackPlan` to one Jira issue with as few, as safe calls as possible.

Per issue whose findings changed: at most one comment call (create once, then ``PUT`` in place)
and one ``PUT /issue/{key}`` carrying the label ``update`` operations *and* the
``iso10002.findings`` property (hash + our comment id). Unchanged issues cost nothing.

Order matters: the comment is written first so the property can record its id; if the edit
then fails, the next run finds the comment by author + marker and updates it (no duplicate).
When everything is fixed our comment is edited in place into a short "resolved" note rather
than deleted, so the history of what was flagged stays visible to agents.

A project whose edit screen lacks the Labels field refuses the whole edit (400, ``errors.labels``
"... not on the appropriate screen, or unknown."), property included. The edit is then repeated
without the labels, and the property records ``labels_refused`` so the next run reads the edit
screen once per project (``GET /issue/{key}/editmeta``) instead of re-sending a failing edit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Literal

from connector.crashpoints import ARMED, crash_point
from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.errors import (
    AmbiguousWriteError,
    JiraApiError,
    JiraError,
    JiraHttpConfigError,
)
from connector.platforms.jira.fieldplan import FINDINGS_PROPERTY
from connector.platforms.jira.notes import note_text, to_adf, to_wiki
from connector.platforms.jira.settings import CommentVisibility
from connector.platforms.jira.state import IssueState, find_our_comment
from connector.ticket_ids import url_segment
from connector.writeback import WritebackPlan

log = logging.getLogger(__name__)

JSM_INTERNAL = {"key": "sd.public.comment", "value": {"internal": True}}
#: Reported once per project and run when its edit screen refuses labels.
SCREEN_FIX = (
    "labels are not on the edit screen of project {project}: add the Labels field to the Edit "
    "screen (Project settings > Screens; Data Center: Administration > Issues > Screens). "
    "Until then the findings property and the comment are written without labels."
)


def project_of(key: str) -> str:
    """The project key of an issue key (``CS-12`` -> ``CS``)."""
    return key.rsplit("-", 1)[0]


def labels_off_screen(exc: JiraApiError) -> bool:
    """Jira refused the labels because the field is not on the issue's edit screen."""
    message = exc.field_errors.get("labels", "")
    return exc.status == 400 and "screen" in message.lower()


@dataclass
class IssueWriteResult:
    """What happened on one issue (for the ``writeback --apply`` report)."""

    ticket: str
    outcome: Literal["unchanged", "written", "failed"]
    comment: Literal["created", "updated", "resolved", "none"] = "none"
    comment_id: str | None = None
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    #: Label operations the project's edit screen did not accept (``+label`` / ``-label``).
    labels_not_written: list[str] = field(default_factory=list)
    #: Something to fix on the Jira side; set on the first affected issue of a project per run.
    warning: str | None = None
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
        zone: tzinfo | None = None,
        due_field: str | None = None,
    ) -> None:
        self.client = client
        self.zone = zone
        #: The next-due date field (``customfield_NNNNN``), set in the same edit as the labels.
        self.due_field = due_field
        self.marker = marker
        self.own_ids = own_ids
        self.visibility = visibility
        #: Per project: does its edit screen take labels? Learnt at most once per run.
        self.labels_on_screen: dict[str, bool] = {}
        self._warned: set[str] = set()

    # -- request bodies ---------------------------------------------------------------------

    def _params(self) -> dict[str, str]:
        return {} if self.client.source.notify_users else {"notifyUsers": "false"}

    def comment_body(self, plan: WritebackPlan) -> dict[str, Any]:
        """Comment payload: ADF on Cloud, wiki on DC, kept internal as configured."""
        note = plan.note
        resolved = note is not None and note.action == "resolve"
        text = note_text(note.findings if note else (), resolved=resolved, marker=self.marker,
                         zone=self.zone)
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

    def edit_body(
        self, plan: WritebackPlan, comment_id: str | None, *, labels: bool = True
    ) -> dict[str, Any]:
        """The one issue edit: label add/remove operations (never a replacement) + property,
        and the next-due date field when it changes.

        ``labels=False``: without the labels, recording that the label operations were refused.
        """
        ops: list[dict[str, str]] = [{"add": label} for label in plan.add_labels]
        ops += [{"remove": label} for label in plan.remove_labels]
        value: dict[str, Any] = {**plan.findings_summary, "comment_id": comment_id}
        if ops and not labels:
            value["labels_refused"] = True
        body: dict[str, Any] = {"properties": [{"key": FINDINGS_PROPERTY, "value": value}]}
        if ops and labels:
            body["update"] = {"labels": ops}
        if self.due_field and plan.set_due:
            body["fields"] = {self.due_field: plan.due_value}
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
            send_labels = self._labels_writable(key, state, plan)
            if not send_labels and plan.note is None and state.labels_refused and not plan.set_due:
                # Only refused labels are left and the property already says so: no call.
                self._labels_refused(result, plan, project_of(key))
                return result
            if plan.note is not None:
                body = self.comment_body(plan)
                comment_id, result.comment = self._write_comment(key, state, comment_id, body)
                if plan.note.action == "resolve":
                    result.comment = "resolved"
                if ARMED:
                    crash_point("jira-after-comment")  # crash tests: comment posted, labels not yet
            labels_written = self._edit(key, plan, comment_id, labels=send_labels)
        except JiraError as exc:
            log.warning("write-back to %s failed: %s", key, exc)
            result.outcome, result.error = "failed", str(exc)
            result.comment_id = comment_id
            return result
        if ARMED:
            crash_point("jira-after-issue-edit")  # crash tests: one issue done, the rest not
        result.outcome = "written"
        result.comment_id = comment_id
        if labels_written:
            result.labels_added = list(plan.add_labels)
            result.labels_removed = list(plan.remove_labels)
        else:
            self._labels_refused(result, plan, project_of(key))
        return result

    # -- labels and the edit screen -----------------------------------------------------------

    def _labels_writable(self, key: str, state: IssueState, plan: WritebackPlan) -> bool:
        """Send label operations? Yes unless this project's edit screen is known to lack them.

        A refusal recorded by an earlier run is re-checked with one ``editmeta`` read per
        project and run (a read, instead of an edit that would fail again)."""
        if not (plan.add_labels or plan.remove_labels):
            return True
        project = project_of(key)
        known = self.labels_on_screen.get(project)
        if known is not None:
            return known
        if not state.labels_refused:
            return True  # the edit itself tells (400 on labels -> repeated without them)
        on_screen = self._labels_on_edit_screen(key)
        self.labels_on_screen[project] = on_screen
        return on_screen

    def _labels_on_edit_screen(self, key: str) -> bool:
        """``GET /issue/{key}/editmeta`` lists the fields of the issue's edit screen."""
        try:
            meta = self.client.get(f"issue/{url_segment(key)}/editmeta")
        except JiraApiError as exc:
            log.info("edit screen of %s unreadable (%s); labels stay unsent", key, exc)
            return False
        return "labels" in (meta.get("fields") or {})

    def _edit(self, key: str, plan: WritebackPlan, comment_id: str | None, *, labels: bool) -> bool:
        """The issue edit; ``True`` when the label operations (if any) were written."""
        path = f"issue/{url_segment(key)}"
        has_ops = bool(plan.add_labels or plan.remove_labels)
        try:
            self.client.put(path, self.edit_body(plan, comment_id, labels=labels), self._params())
        except JiraApiError as exc:
            if not (has_ops and labels and labels_off_screen(exc)):
                raise
            # Jira applied nothing: write what the screen allows (the property) without labels.
            self.labels_on_screen[project_of(key)] = False
            self.client.put(path, self.edit_body(plan, comment_id, labels=False), self._params())
            return False
        if has_ops and labels:
            self.labels_on_screen[project_of(key)] = True
        return labels or not has_ops

    def _labels_refused(self, result: IssueWriteResult, plan: WritebackPlan, project: str) -> None:
        result.labels_not_written = [f"+{x}" for x in plan.add_labels]
        result.labels_not_written += [f"-{x}" for x in plan.remove_labels]
        if project not in self._warned:
            self._warned.add(project)
            result.warning = SCREEN_FIX.format(project=project)
            log.warning("%s", result.warning)

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
