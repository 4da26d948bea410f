"""Type checks on a raw ticket at the mapping boundary, before anything reads it.

The mapping reads values loosely (``str(...)``, iteration, substring matching), so a value of
the wrong type would give a silently wrong record: ``created_at: 12345`` read as 1970, a ticket
id ``"abc"`` that no history joins, ``tags: "complaint nospam"`` matched character by
character. The types here are the vendors' (shared/specs: Zendesk ``Ticket``, Jira
``IssueBean``/``PageOfComments``); a ticket that does not fit is a ``MappingError`` naming
the ticket, the field path and the reason. Only the fields the mapping relies on are checked;
others pass through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from mappings.values import MappingError, parse_time

#: Zendesk ids are 64-bit integers.
_ID_MAX = 2**63 - 1


def _timestamp(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date-time string, got {_shown(value)}")  # noqa: TRY004
    parse_time(value)  # raises ValueError: no timezone, not ISO 8601, outside the supported range
    return value


Timestamp = Annotated[str | None, BeforeValidator(_timestamp)]
ZendeskId = Annotated[int, Field(strict=True, ge=1, le=_ID_MAX)]
StrictList = Annotated[list[Any], Field(strict=True)]


class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class ZendeskTicket(_Raw):
    id: ZendeskId
    created_at: Timestamp = None
    updated_at: Timestamp = None
    tags: list[str] | None = None
    custom_fields: list[dict[str, Any]] | None = None
    via: dict[str, Any] | None = None
    requester_id: ZendeskId | None = None
    assignee_id: ZendeskId | None = None
    group_id: ZendeskId | None = None
    status: str | None = None
    priority: str | None = None
    subject: str | None = None
    metric_set: dict[str, Any] | None = None
    satisfaction_rating: dict[str, Any] | None = None


class _JiraCommentPage(_Raw):
    comments: list[dict[str, Any]] | None = None
    total: int | None = None


class _JiraChangelog(_Raw):
    histories: list[dict[str, Any]] | None = None
    total: int | None = None


class _JiraFields(_Raw):
    created: Timestamp = None
    updated: Timestamp = None
    resolutiondate: Timestamp = None
    labels: list[str] | None = None
    comment: _JiraCommentPage | None = None
    status: dict[str, Any] | None = None
    project: dict[str, Any] | None = None
    issuetype: dict[str, Any] | None = None
    summary: str | None = None


class JiraIssue(_Raw):
    # Strings per IssueBean; history pages join on them (a number id would not match).
    id: str | None = None
    key: str | None = None
    fields: _JiraFields
    changelog: _JiraChangelog | None = None
    properties: dict[str, Any] | None = None


def check_raw(platform: str, ticket: str, raw: Mapping[str, Any]) -> None:
    """Raise ``MappingError`` (ticket, field path, reason) when ``raw`` has a value of the wrong type."""
    from mappings.formats import format_for  # the formats name this module's models

    model = format_for(platform).raw_model
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        reason = _EXPECTED.get(first["type"], str(first["msg"]).removeprefix("Value error, "))
        if first["type"] != "value_error":
            reason = f"{reason}, got {_shown(first.get('input'))}"
        raise MappingError(ticket, field_path(first["loc"]), reason) from None


_EXPECTED = {
    "model_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected an array",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "missing": "missing",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("fields", "comment", "comments", 0)`` -> ``fields.comment.comments[0]``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "payload"


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"
