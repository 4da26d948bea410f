"""Jira issues (Cloud v3 with ADF bodies, Data Center v2 with wiki markup) -> ``TicketFacts``.

An issue's history may arrive embedded (``changelog``/``fields.comment``, often truncated) or
in separate pages (``/changelog/bulkfetch``, ``/issue/{key}/changelog``, ``/issue/{key}/comment``);
``JiraBundle`` merges them by id, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from compliance_checks.model import ActorRole, Event, EventKind, Party, SourceKind
from mappings.facts import TicketFacts
from mappings.schema import MappingSpec
from mappings.values import MappingError, TooDeepError, parse_time, read_path, to_text

_CHANGE_KINDS = {
    "status": EventKind.STATUS_CHANGE,
    "priority": EventKind.PRIORITY_CHANGE,
    "assignee": EventKind.ASSIGNMENT_CHANGE,
    "labels": EventKind.LABEL_CHANGE,
}
JSM_INTERNAL_PROPERTY = "sd.public.comment"


@dataclass
class JiraBundle:
    """One issue and every piece of its history seen so far."""

    issue: Mapping[str, Any]
    histories: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    comments: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    def add_histories(self, items: list[Mapping[str, Any]]) -> None:
        for history in items:
            self.histories[str(history.get("id"))] = history

    def add_comments(self, items: list[Mapping[str, Any]]) -> None:
        for comment in items:
            self.comments[str(comment.get("id"))] = comment


def _user_id(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    for key in ("accountId", "key", "name", "emailAddress"):
        if user.get(key):
            return str(user[key])
    return None


_UNSET: Any = object()


def _role(
    user: Any, reporter_id: str | None, spec: MappingSpec, text: str | None = None, user_id: Any = _UNSET
) -> ActorRole:
    if user_id is _UNSET:  # callers that already know the id pass it (one lookup per event)
        user_id = _user_id(user)
    actors = spec.actors
    if user_id and user_id in actors.connector_accounts:
        return ActorRole.CONNECTOR
    if text and actors.connector_marker and text.lstrip().startswith(actors.connector_marker):
        return ActorRole.CONNECTOR
    if user_id and user_id in actors.system_accounts:
        return ActorRole.SYSTEM
    account_type = user.get("accountType") if isinstance(user, dict) else None
    if account_type == "app":
        return ActorRole.SYSTEM
    if account_type == "customer" or (user_id is not None and user_id == reporter_id):
        return ActorRole.COMPLAINANT
    if user_id is None:
        return ActorRole.SYSTEM
    return ActorRole.AGENT


def comment_public(comment: Mapping[str, Any], spec: MappingSpec) -> bool | None:
    """Whether the complainant can see a comment; ``None`` when the payload cannot tell.

    Precedence (docs/jira.md, "Comment visibility"): a ``visibility`` restriction (Comment
    schema: "the group or role to which this comment is visible") hides it whatever
    ``jsdPublic`` says; then JSM's ``sd.public.comment`` property; then ``jsdPublic: false``
    (Cloud's JSM internal flag). ``jsdPublic: true`` only says JSM does not hide it (the schema:
    it defaults to true, also on projects without JSM), as does a fetched property list without
    the JSM key: the mapping's ``comments_public_by_default`` decides those. Data Center search
    sends neither ``jsdPublic`` nor properties: unknown until the comment page is read with
    ``expand=properties``.
    """
    seen = _visibility(comment)
    return spec.actors.comments_public_by_default if seen == _BY_DEFAULT else seen


_BY_DEFAULT: Final = "default"


def _visibility(comment: Mapping[str, Any]) -> bool | Literal["default"] | None:
    if comment.get("visibility"):
        return False
    properties = comment.get("properties")
    for prop in properties if isinstance(properties, list) else ():
        if isinstance(prop, Mapping) and prop.get("key") == JSM_INTERNAL_PROPERTY:
            value = prop.get("value")
            return not (isinstance(value, Mapping) and bool(value.get("internal")))
    if comment.get("jsdPublic") is False:
        return False
    if comment.get("jsdPublic") is True or isinstance(properties, list):
        return _BY_DEFAULT
    return None


def comments_needing_visibility(issue: Mapping[str, Any]) -> bool:
    """True when an embedded comment not written by the reporter has unknown visibility, so
    only its comment page with ``expand=properties`` can tell an internal note from a reply.

    (Spec-free on purpose: the reader and the generator's export decide alike.)
    """
    fields = issue.get("fields")
    if not isinstance(fields, Mapping):
        return False
    page = fields.get("comment")
    comments = page.get("comments") if isinstance(page, Mapping) else None
    reporter = _user_id(fields.get("reporter") or fields.get("creator"))
    return any(
        isinstance(c, Mapping) and _visibility(c) is None and _user_id(c.get("author")) != reporter
        for c in comments or ()
    )


def browse_url(issue: Mapping[str, Any], spec: MappingSpec) -> str | None:
    self_url = issue.get("self")
    if not self_url:
        return None
    parts = urlsplit(str(self_url))
    base = f"{parts.scheme}://{parts.netloc}"
    template = spec.ticket_url or "{base}/browse/{key}"
    return template.format(base=base, key=issue.get("key"))


def _history_events(bundle: JiraBundle, reporter: str | None, spec: MappingSpec, key: str) -> list[Event]:
    events = []
    for history_id, history in bundle.histories.items():
        at = _time(key, f"changelog[{history_id}].created", history.get("created"))
        if at is None:
            raise MappingError(key, f"changelog[{history_id}].created", "missing timestamp")
        author = history.get("author")
        actor_id = _user_id(author)
        role = _role(author, reporter, spec, user_id=actor_id)  # once per history
        for item in history.get("items") or ():
            field_id = str(item.get("fieldId") or item.get("field") or "")
            kind = _CHANGE_KINDS.get(field_id.lower(), EventKind.FIELD_CHANGE)
            events.append(
                Event(
                    at=at,
                    kind=kind,
                    source_kind=SourceKind.CHANGELOG,
                    source_id=history_id,
                    actor_role=role,
                    actor_id=actor_id,
                    public=None,
                    field=field_id,
                    from_value=item.get("fromString") or item.get("from"),
                    to_value=item.get("toString") or item.get("to"),
                    text=None,
                    initial=False,
                )
            )
    return events


def _comment_events(bundle: JiraBundle, reporter: str | None, spec: MappingSpec, key: str) -> list[Event]:
    events = []
    for comment_id, comment in bundle.comments.items():
        at = _time(key, f"comment[{comment_id}].created", comment.get("created"))
        if at is None:
            raise MappingError(key, f"comment[{comment_id}].created", "missing timestamp")
        text = _text(key, f"comment[{comment_id}].body", comment.get("body"))
        author = comment.get("author")
        actor_id = _user_id(author)
        events.append(
            Event(
                at=at,
                kind=EventKind.COMMENT,
                source_kind=SourceKind.COMMENT,
                source_id=comment_id,
                actor_role=_role(author, reporter, spec, text, user_id=actor_id),
                actor_id=actor_id,
                public=comment_public(comment, spec),
                field=None,
                from_value=None,
                to_value=None,
                text=(text or "")[:500] or None,
                initial=False,
            )
        )
    return events


def _time(key: str, field_path: str, value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise MappingError(key, field_path, str(exc)) from None


def _text(key: str, field_path: str, value: Any) -> str | None:
    try:
        return to_text(value)
    except TooDeepError as exc:
        raise MappingError(key, field_path, str(exc)) from None


def _completeness_gaps(issue: Mapping[str, Any], bundle: JiraBundle) -> list[str]:
    gaps = []
    changelog = issue.get("changelog") or {}
    total = changelog.get("total")
    if isinstance(total, int) and total > len(bundle.histories):
        gaps.append(f"changelog truncated: {len(bundle.histories)} of {total} histories")
    comment_page = read_path(issue, "fields.comment") or {}
    total = comment_page.get("total") if isinstance(comment_page, dict) else None
    if isinstance(total, int) and total > len(bundle.comments):
        gaps.append(f"comments truncated: {len(bundle.comments)} of {total}")
    return gaps


def jira_facts(bundle: JiraBundle, spec: MappingSpec) -> TicketFacts:
    issue = bundle.issue
    key = str(issue.get("key") or issue.get("id") or "?")
    fields: Mapping[str, Any] = issue.get("fields") or {}
    try:
        created = parse_time(fields.get("created"))
        updated = parse_time(fields.get("updated"))
        resolved = parse_time(fields.get("resolutiondate"))
    except ValueError as exc:
        raise MappingError(key, "fields.created", str(exc)) from None
    if created is None:
        raise MappingError(key, "fields.created", "missing: every complaint needs its receipt time")
    reporter = fields.get("reporter") or fields.get("creator")
    reporter_id = _user_id(reporter)
    properties = dict(bundle.properties)
    properties.update(issue.get("properties") or {})
    try:
        events = _history_events(bundle, reporter_id, spec, key) + _comment_events(
            bundle, reporter_id, spec, key
        )
    except ValueError as exc:
        if isinstance(exc, MappingError):
            raise
        raise MappingError(key, "history", str(exc)) from None
    status = fields.get("status") or {}
    channel = properties.get("request.channel.type")
    return TicketFacts(
        key=key,
        id=str(issue.get("id") or key),
        platform="jira",
        created=created,
        raw={**issue, "properties": properties},
        url=browse_url(issue, spec),
        updated=updated,
        resolved_at=resolved,
        status=status.get("name") if isinstance(status, dict) else None,
        status_category=read_path(status, "statusCategory.key"),
        priority=read_path(fields, "priority.name"),
        assignee=_user_id(fields.get("assignee")),
        group=None,
        labels=[str(label) for label in fields.get("labels") or ()],
        requester=Party(
            id=reporter_id,
            name=reporter.get("displayName") if isinstance(reporter, dict) else None,
            contact=reporter.get("emailAddress") if isinstance(reporter, dict) else None,
        ),
        summary=_text(key, "fields.summary", fields.get("summary")),
        description=_text(key, "fields.description", fields.get("description")),
        channel=to_text(channel.get("value")) if isinstance(channel, dict) else to_text(channel),
        events=events,
        gaps=_completeness_gaps(issue, bundle),
    )
