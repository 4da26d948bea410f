"""Jira issues (Cloud v3 with ADF bodies, Data Center v2 with wiki markup) -> ``TicketFacts``.

An issue's history may arrive embedded (``changelog``/``fields.comment``, often truncated) or
in separate pages (``/changelog/bulkfetch``, ``/issue/{key}/changelog``, ``/issue/{key}/comment``);
``JiraBundle`` merges them by id, so nothing is counted twice. A history without an id (the
``Changelog`` schema does not require one; go-jira's recorded sprint page has one) is keyed by
a digest of its content, so it is neither lost nor counted twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from compliance_checks.model import ActorRole, Event, EventKind, Party, SourceKind
from mappings.facts import TicketFacts
from mappings.schema import MappingSpec, field_titles
from mappings.values import MappingError, TooDeepError, parse_time, read_path, to_text

_CHANGE_KINDS = {
    "status": EventKind.STATUS_CHANGE,
    "priority": EventKind.PRIORITY_CHANGE,
    "assignee": EventKind.ASSIGNMENT_CHANGE,
    "labels": EventKind.LABEL_CHANGE,
}
JSM_INTERNAL_PROPERTY = "sd.public.comment"
#: Prefix of a derived history key; Jira's own history ids are numeric, so these never clash.
DERIVED_HISTORY_PREFIX = "noid-"
#: ``ChangeDetails.fieldtype`` of a system field (its ``field`` is then the changelog name, not a
#: display name to look up); custom fields say ``custom``.
SYSTEM_FIELDTYPE = "jira"


def history_key(history: Mapping[str, Any]) -> str:
    """The history's id; without one, a digest of when, who and what changed (stable across
    reads, so the same history read twice is kept once and its evidence id never moves)."""
    ident = history.get("id")
    if ident is not None and str(ident) != "":
        return str(ident)
    material = [str(history.get("created")), _user_id(history.get("author")), history.get("items") or []]
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return DERIVED_HISTORY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def merge_history(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Mapping[str, Any]:
    """Two copies of one history (same id): the union of their items, in order.

    Copies can differ (``changelog/bulkfetch`` with ``fieldIds`` returns only those items), and
    a repeated id must never drop the items only the other copy has.
    """
    if old is None or old == new:
        return new
    seen = {_item_digest(item) for item in old.get("items") or ()}
    extra = [item for item in new.get("items") or () if _item_digest(item) not in seen]
    return {**new, **old, "items": [*(old.get("items") or ()), *extra]} if extra else old


def _item_digest(item: Any) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)


def field_names(definitions: Iterable[Any]) -> dict[str, list[str]]:
    """``GET /rest/api/{2,3}/field`` definitions -> casefolded display name -> field ids."""
    names: dict[str, list[str]] = {}
    for definition in definitions:
        if not isinstance(definition, Mapping) or not definition.get("id") or not definition.get("name"):
            continue
        ids = names.setdefault(str(definition["name"]).casefold(), [])
        if str(definition["id"]) not in ids:
            ids.append(str(definition["id"]))
    return names


def unnamed_change_fields(histories: Iterable[Mapping[str, Any]]) -> set[str]:
    """Casefolded display names of custom-field change items that carry no ``fieldId``."""
    return {
        str(item.get("field")).casefold()
        for history in histories
        for item in history.get("items") or ()
        if isinstance(item, Mapping) and not item.get("fieldId") and item.get("field")
        and item.get("fieldtype") != SYSTEM_FIELDTYPE
    }


def is_field_definition(doc: Mapping[str, Any]) -> bool:
    """One entry of the ``/field`` list (``FieldDetails``: ``id``, ``name``, ``custom``, ...)."""
    return "id" in doc and "name" in doc and "fields" not in doc and ("custom" in doc or "clauseNames" in doc)


@dataclass
class JiraBundle:
    """One issue and every piece of its history seen so far."""

    issue: Mapping[str, Any]
    histories: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    comments: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    #: The site's field list (casefolded display name -> ids), to name changes without ``fieldId``.
    field_names: dict[str, list[str]] = field(default_factory=dict)

    def add_histories(self, items: list[Mapping[str, Any]]) -> None:
        for history in items:
            key = history_key(history)
            self.histories[key] = merge_history(self.histories.get(key), history)

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


def _display_name(user: Any) -> str | None:
    """A user object's ``displayName`` (Jira REST ``UserDetails``/``User`` schemas)."""
    name = user.get("displayName") if isinstance(user, dict) else None
    return str(name) if name else None


def _people(bundle: JiraBundle) -> dict[str, str]:
    """Account id -> ``displayName`` of the authors of the issue's changelog and comments."""
    authors = [h.get("author") for h in bundle.histories.values()]
    authors += [c.get("author") for c in bundle.comments.values()]
    return {uid: name for author in authors
            if (uid := _user_id(author)) is not None and (name := _display_name(author)) is not None}


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


def browse_url(issue: Mapping[str, Any], spec: MappingSpec, site: str | None = None) -> str | None:
    """The issue's page: on the site its ``self`` names, else on ``site`` (the source's)."""
    self_url = issue.get("self")
    if self_url:
        parts = urlsplit(str(self_url))
        base = f"{parts.scheme}://{parts.netloc}"
    elif site:
        base = site.rstrip("/")
    else:
        return None
    template = spec.ticket_url or "{base}/browse/{key}"
    return template.format(base=base, key=issue.get("key"))


def _rule_fields(spec: MappingSpec) -> set[str]:
    """Every changelog field a mapping rule names (casefolded ids or names)."""
    named = [*spec.escalation.fields, *spec.assessment.fields, *spec.decision.fields]
    regulatory = spec.regulatory
    if regulatory is None:
        return {str(name).casefold() for name in named if name}
    for letter in (regulatory.holding_response, regulatory.final_response, regulatory.summary_resolution,
                   regulatory.stage2, regulatory.extension_letter, regulatory.overdue_update):
        if letter is not None:
            named.extend(letter.fields)
    if regulatory.acceptance is not None:
        named.extend(regulatory.acceptance.fields)
    parts = regulatory.parts
    if parts is not None:
        named.append(parts.field_event or "")
        if parts.field is not None and parts.field.custom_field is not None:
            named.append(str(parts.field.custom_field))
    return {str(name).casefold() for name in named if name}


@dataclass
class _FieldResolver:
    """Names a change item's field by id. Data Center changelog items may lack ``fieldId``
    (``ChangeDetails`` does not require it) and carry the display name in ``field``: a custom
    field's name is looked up in the site's field list, so rules naming ``customfield_NNNNN``
    match; a name several fields share is never resolved by guessing."""

    names: Mapping[str, list[str]]
    spec: MappingSpec
    key: str
    unresolved: set[str] = field(default_factory=set)
    _named: set[str] | None = None

    def named(self) -> set[str]:
        if self._named is None:
            self._named = _rule_fields(self.spec)
        return self._named

    def __call__(self, item: Mapping[str, Any], where: str) -> str:
        if item.get("fieldId"):
            return str(item["fieldId"])
        name = str(item.get("field") or "")
        if not name or item.get("fieldtype") == SYSTEM_FIELDTYPE:  # a system field's changelog name
            return name
        candidates = self.names.get(name.casefold(), [])
        if not self.names:
            self.unresolved.add(name)
        if len(candidates) == 1:
            only = candidates[0].casefold()
            # A mapping that names this site's display name (and not the id) keeps matching.
            keep_name = name.casefold() in self.named() and only not in self.named()
            return name if keep_name else candidates[0]
        if len(candidates) > 1 and any(c.casefold() in self.named() for c in candidates):
            raise MappingError(
                self.key, f"{where}.field",
                f"field name {name!r} belongs to several fields ({', '.join(candidates)}) and the "
                "change item has no fieldId: cannot tell which one changed",
            )
        return name


def _field_title(item: Mapping[str, Any], field_id: str, titles: Mapping[str, str]) -> str | None:
    """The site's own name for a changed custom field (``ChangeDetails.field``), else the record
    field the mapping reads from it; system fields (``status``) need none."""
    name = item.get("field")
    if name and str(name) != field_id:
        return str(name)
    return titles.get(field_id)


def _history_events(
    bundle: JiraBundle, reporter: str | None, spec: MappingSpec, key: str, field_of: _FieldResolver
) -> list[Event]:
    events = []
    titles = field_titles(spec.fields)
    for history_id, history in bundle.histories.items():
        at = _time(key, f"changelog[{history_id}].created", history.get("created"))
        if at is None:
            raise MappingError(key, f"changelog[{history_id}].created", "missing timestamp")
        author = history.get("author")
        actor_id = _user_id(author)
        role = _role(author, reporter, spec, user_id=actor_id)  # once per history
        for index, item in enumerate(history.get("items") or ()):
            field_id = field_of(item, f"changelog[{history_id}].items[{index}]")
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
                    field_title=_field_title(item, field_id, titles),
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


def jira_facts(bundle: JiraBundle, spec: MappingSpec, site: str | None = None) -> TicketFacts:
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
    field_of = _FieldResolver(bundle.field_names, spec, key)
    try:
        events = _history_events(bundle, reporter_id, spec, key, field_of) + _comment_events(
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
        url=browse_url(issue, spec, site),
        updated=updated,
        resolved_at=resolved,
        status=status.get("name") if isinstance(status, dict) else None,
        status_category=read_path(status, "statusCategory.key"),
        priority=read_path(fields, "priority.name"),
        assignee=_user_id(fields.get("assignee")),
        assignee_name=_display_name(fields.get("assignee")),
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
        people=_people(bundle),
        gaps=_completeness_gaps(issue, bundle) + [
            f"changelog field {name!r} has no fieldId and no field list was given to resolve it"
            for name in sorted(field_of.unresolved)
        ],
    )
