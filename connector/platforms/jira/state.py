"""Read what write-back needs to know about issues, in bulk (never one GET per issue).

Cloud: ``POST issue/bulkfetch`` (<=100 keys, unknown keys reported, not fatal).
Data Center: ``GET search`` with ``key in (...)`` and ``validateQuery=warn``.
Both return labels, ``updated``, the embedded comments and our ``iso10002.findings`` property.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connector.platforms.jira.client import JiraClient
from connector.platforms.jira.fieldplan import FINDINGS_PROPERTY
from connector.platforms.jira.jql import keys_jql
from connector.platforms.jira.notes import body_text
from connector.platforms.jira.reader import comments_complete
from connector.writeback import TicketWriteState

STATE_FIELDS = ("labels", "updated", "comment")


@dataclass(frozen=True)
class IssueState:
    key: str
    issue_id: str
    write: TicketWriteState
    #: Embedded comments held every comment (so "no note of ours" is a fact).
    comments_complete: bool
    #: Our property records that the last edit could not carry the labels (the project's edit
    #: screen lacks the Labels field): check the screen before sending them again.
    labels_refused: bool = False


def is_our_comment(comment: Mapping[str, Any], *, marker: str, own_ids: set[str]) -> bool:
    """Ours = written by the connector account *and* starting with the marker."""
    author = comment.get("author") or {}
    ids = {str(author.get(k)) for k in ("accountId", "key", "name") if author.get(k)}
    return bool(ids & own_ids) and body_text(comment.get("body")).lstrip().startswith(marker)


def find_our_comment(
    comments: Iterable[Mapping[str, Any]], *, marker: str, own_ids: set[str]
) -> str | None:
    """Id of the newest comment of ours, if any."""
    found = [c for c in comments if is_our_comment(c, marker=marker, own_ids=own_ids)]
    return str(found[-1]["id"]) if found else None


def issue_state(
    issue: Mapping[str, Any], *, marker: str, own_ids: set[str], due_field: str | None = None
) -> IssueState:
    """Write state of one raw issue (from search or bulk fetch)."""
    fields = issue.get("fields") or {}
    prop = (issue.get("properties") or {}).get(FINDINGS_PROPERTY) or {}
    note_id = prop.get("comment_id")
    comments = (fields.get("comment") or {}).get("comments") or []
    if not note_id:
        # Recovery: a comment of ours exists but the property never recorded it (the edit
        # after the comment failed). Updating it avoids a duplicate.
        note_id = find_our_comment(comments, marker=marker, own_ids=own_ids)
    return IssueState(
        key=str(issue["key"]),
        issue_id=str(issue["id"]),
        write=TicketWriteState(
            ticket=str(issue["key"]),
            platform="jira",
            labels=tuple(fields.get("labels") or ()),
            note_hash=prop.get("hash"),
            note_id=str(note_id) if note_id else None,
            updated_stamp=fields.get("updated"),
            due_value=_date_value(fields, due_field),
        ),
        comments_complete=comments_complete(issue),
        labels_refused=prop.get("labels_refused") is True,
    )


def _date_value(fields: Mapping[str, Any], due_field: str | None) -> str | None:
    """A date picker's value is a ``YYYY-MM-DD`` string or null; anything else (a wrongly
    configured field) reads as unset, so the next edit sets it and Jira says what is wrong."""
    value = fields.get(due_field) if due_field else None
    return value if isinstance(value, str) and value else None


def _batches(keys: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def read_states(
    client: JiraClient,
    keys: Iterable[str],
    *,
    marker: str,
    own_ids: set[str],
    due_field: str | None = None,
) -> dict[str, IssueState]:
    """Write state for each existing issue among ``keys`` (missing ones are left out).

    ``due_field``: the next-due date field, read in the same calls as the labels."""
    wanted = sorted(dict.fromkeys(keys))
    state_fields = [*STATE_FIELDS, *([due_field] if due_field else [])]
    size = client.source.page_sizes.state_read
    states: dict[str, IssueState] = {}
    for batch in _batches(wanted, size):
        if client.is_cloud:
            page = client.post_read(
                "issue/bulkfetch",
                {
                    "issueIdsOrKeys": batch,
                    "fields": state_fields,
                    "properties": [FINDINGS_PROPERTY],
                },
            )
        else:
            page = client.get(
                "search",
                {
                    "jql": keys_jql(batch),
                    "fields": ",".join(state_fields),
                    "properties": FINDINGS_PROPERTY,
                    "maxResults": len(batch),
                    "validateQuery": "warn",
                },
            )
        for raw in page.get("issues") or []:
            st = issue_state(raw, marker=marker, own_ids=own_ids, due_field=due_field)
            states[st.key] = st
    return states
