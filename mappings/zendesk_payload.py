"""Zendesk tickets (incremental export with side-loads) plus their history -> ``TicketFacts``.

History comes from the incremental ticket-events export (``include=comment_events``) or, for a
single ticket, from its audits; both are merged by event id. Users (side-loaded or listed once)
decide who is an agent. Without any history, the ticket's ``metric_set`` still gives first-reply
and solved times (marked as metric evidence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from compliance_checks.model import ActorRole, Event, EventKind, EvidenceRef, Party, SourceKind
from mappings.facts import TicketFacts
from mappings.schema import MappingSpec, field_titles
from mappings.values import MappingError, TooDeepError, parse_time, read_path, to_text

_CHANGE_KINDS = {
    "status": EventKind.STATUS_CHANGE,
    "priority": EventKind.PRIORITY_CHANGE,
    "assignee_id": EventKind.ASSIGNMENT_CHANGE,
    "group_id": EventKind.GROUP_CHANGE,
    "tags": EventKind.LABEL_CHANGE,
}
_COMMENT_TYPES = {"Comment", "VoiceComment"}
#: The ticket's form (Ticket ``ticket_form_id``), named from the form list as a dropdown is.
FORM_FIELD = "ticket_form_id"
#: Standard fields whose changes read by a title of their own (else the report titles the key).
_SYSTEM_TITLES = {FORM_FIELD: "Ticket form"}
#: Characters of a comment kept on the timeline (evidence text, our marker detection).
TEXT_LIMIT = 500
_SATISFACTION_TYPES = {"SatisfactionRating", "SurveyOffered", "Survey offered"}
#: Keys of a ticket-event child that are metadata, not the changed field's name.
_CHILD_META = {
    "id",
    "via",
    "via_reference_id",
    "event_type",
    "type",
    "previous_value",
    "value",
    "field_name",
    "comment_present",
    "comment_public",
    "created_at",
    "author_id",
    "audit_id",
    "attachments",
    "body",
    "html_body",
    "plain_body",
    "public",
    "added_tags",
    "removed_tags",
    "metadata",
    "recipients",
    "subject",
    "data",
    "formatted_from",
    "formatted_to",
    "transcription_visible",
    "trusted",
    "custom_ticket_fields",
}


class Child(NamedTuple):
    """One audit / ticket-event child, reduced to what the mapping reads.

    Kept compact on purpose: a large export holds every ticket's history in memory until the
    ticket's own page is mapped, so raw event dicts (with full comment bodies) are not kept.
    """

    id: str
    kind: str
    at: datetime
    parent_author: str | None
    channel: str | None
    author_id: str | None = None
    public: bool = False
    field: str | None = None
    value: str | None = None
    previous: str | None = None
    text: str | None = None


def _text_or_none(value: Any) -> str | None:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return None if value is None else str(value)


#: Via display names (the ticket-event export's ``via`` strings) and via ids -> via types
#: (Zendesk "Via types reference": 0 web_form/web, 4 mail/email, 5 web_service/api, 8 rule).
_VIA_TYPES: dict[str, str] = {
    "web form": "web", "web_form": "web", "0": "web",
    "mail": "email", "4": "email",
    "web service": "api", "web_service": "api", "web service (api)": "api", "5": "api",
    "rule": "rule", "trigger, automation": "rule", "8": "rule",
}


#: The spellings seen in payloads, looked up before any normalising (most events carry one).
_VIA_SPELLINGS: dict[str, str] = {
    **_VIA_TYPES,
    **{name.title(): via for name, via in _VIA_TYPES.items()},
    **{via: via for via in ("web", "email", "api", "rule", "mobile", "chat", "voice", "sms")},
    "Web form": "web", "Web service": "api",
}


def via_channel(via: Any) -> str | None:
    """The via type of a ``via`` object, a bare channel, a display name or a via id.

    Audits carry ``{"channel": "rule", ...}`` (Via object reference); the ticket-event export
    carries display names ("Rule", "Web form"); channels may also be via ids (8 = rule).
    """
    if isinstance(via, dict):
        channel = via.get("channel")
    else:
        channel = via.get("channel") if not isinstance(via, str) and isinstance(via, Mapping) else via
    if type(channel) is str and (known := _VIA_SPELLINGS.get(channel)) is not None:
        return known
    if channel is None or isinstance(channel, bool) or channel == "":
        return None
    text = str(channel).strip().casefold()
    return _VIA_TYPES.get(text, text)


def _child(raw: Mapping[str, Any], at: datetime, parent_author: str | None, channel: str | None) -> Child:
    kind = str(raw.get("type") or raw.get("event_type") or "")
    child_id = str(raw.get("id"))
    # An event's own via decides who made it: a trigger's change inside an agent's update is
    # the rule's (Ticket Audits: each event may carry its own ``via``).
    channel = via_channel(raw["via"]) if raw.get("via") else channel
    if kind in _COMMENT_TYPES:
        author = raw.get("author_id")
        text = to_text(raw.get("plain_body") or raw.get("body"))
        own_at = parse_time(raw.get("created_at")) or at
        return Child(
            child_id,
            kind,
            own_at,
            parent_author,
            channel,
            author_id=str(author) if author is not None else parent_author,
            public=bool(raw.get("public")),
            text=text[:TEXT_LIMIT] if text else None,
        )
    if kind in _SATISFACTION_TYPES:
        score = raw.get("score") or raw.get("value") or "offered"
        return Child(child_id, kind, at, parent_author, channel, value=_text_or_none(score))
    name, value = _changed_field(raw)
    return Child(
        child_id,
        kind,
        at,
        parent_author,
        channel,
        field=name,
        value=_text_or_none(value),
        previous=_text_or_none(raw.get("previous_value")),
    )


def ticket_event_children(event: Mapping[str, Any]) -> list[Child]:
    """The children of one incremental ticket-event, compacted."""
    at = parse_time(event.get("created_at") or event.get("timestamp"))
    if at is None:
        return []
    channel = via_channel(event.get("via"))
    updater = event.get("updater_id")
    author = str(updater) if updater is not None else None
    return [
        _child(c, at, author, channel)
        for raw in event.get("child_events") or ()
        for c in _split_custom_fields(raw)
    ]


def _split_custom_fields(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A ticket-event child naming custom fields by id, one child per field.

    The export carries a custom-field change as ``{"custom_ticket_fields": {"<field id>":
    "<value>"}, "event_type": "Change", "previous_value": ...}``; as an audit event the same
    change is ``{"field_name": "<field id>", "value": ...}``, with the same event id.
    """
    fields = raw.get("custom_ticket_fields")
    if not isinstance(fields, Mapping) or raw.get("field_name"):
        return [raw]
    rest = {k: v for k, v in raw.items() if k != "custom_ticket_fields"}
    if len(fields) == 1:
        ((name, value),) = fields.items()
        return [{**rest, "field_name": str(name), "value": value}]
    return [{**rest, "id": f"{raw.get('id')}:{name}", "field_name": str(name), "value": value}
            for name, value in fields.items()]


def audit_children(audit: Mapping[str, Any]) -> list[Child]:
    """The events of one audit, compacted."""
    at = parse_time(audit.get("created_at"))
    if at is None:
        return []
    channel = via_channel(audit.get("via"))
    author = audit.get("author_id")
    return [
        _child(c, at, str(author) if author is not None else None, channel)
        for c in audit.get("events") or ()
    ]


@dataclass
class ZendeskBundle:
    """One ticket and every piece of its history seen so far (children merged by id)."""

    ticket: Mapping[str, Any]
    children: dict[str, Child] = field(default_factory=dict)
    metric_set: Mapping[str, Any] | None = None

    def add_children(self, children: list[Child]) -> None:
        for child in children:
            self.children[child.id] = child


@dataclass
class Directory:
    """Users, groups and dropdown options of the account, shared by all tickets of an input."""

    users: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    #: Custom field id -> option tag -> the option's display name (dropdown and multiselect).
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Custom field id -> the field's title in the helpdesk (the dropdowns a ticket holds).
    titles: dict[str, str] = field(default_factory=dict)

    def add_users(self, users: list[Mapping[str, Any]]) -> None:
        for user in users:
            self.users[str(user.get("id"))] = user

    def add_groups(self, groups: list[Mapping[str, Any]]) -> None:
        for group in groups:
            self.groups[str(group.get("id"))] = str(group.get("name"))

    def add_ticket_fields(self, fields: list[Any]) -> None:
        """``GET /api/v2/ticket_fields`` entries: a dropdown's ``custom_field_options`` pair the
        display ``name`` with the tag (``value``) tickets hold (Ticket Fields API)."""
        for ticket_field in fields:
            options = ticket_field.get("custom_field_options") if isinstance(ticket_field, Mapping) else None
            if not isinstance(options, list):
                continue
            if title := to_text(ticket_field.get("title")):
                self.titles[str(ticket_field.get("id"))] = title
            named = self.options.setdefault(str(ticket_field.get("id")), {})
            for option in options:
                if isinstance(option, Mapping) and option.get("value") is not None and option.get("name"):
                    named[str(option["value"])] = str(option["name"])

    def add_ticket_forms(self, forms: list[Any]) -> None:
        """``GET /api/v2/ticket_forms`` entries (zendesk-support-v2.yaml, TicketForm: ``id``,
        ``name``, ``display_name``): named as the ticket's ``ticket_form_id`` dropdown, so a form
        is named where an option is. ``name`` (required; "The name of the form") is what agents
        and admins see; ``display_name`` is "displayed to an end user" and optional. The audit
        report and ``explain`` are read by staff, so ``name`` is taken, ``display_name`` only
        when a form has no name."""
        for form in forms:
            if not isinstance(form, Mapping) or form.get("id") is None:
                continue
            if name := to_text(form.get("name")) or to_text(form.get("display_name")):
                self.options.setdefault(FORM_FIELD, {})[str(form["id"])] = name

    def people(self, ids: Iterable[str | None]) -> dict[str, str]:
        """User id -> name for the people acting on a ticket's timeline (those the directory knows)."""
        named: dict[str, str] = {}
        for user_id in ids:
            if not user_id or user_id in named:
                continue
            if name := to_text(self.users.get(user_id, {}).get("name")):
                named[user_id] = name
        return named

    def option_names(self, ticket: Mapping[str, Any], children: Iterable[Child],
                     field_ids: Iterable[str]) -> dict[str, str]:
        """Tag -> name of the options the ticket's dropdowns hold now or held in its history:
        those of ``field_ids`` (the mapped fields) first, then those of the other dropdowns
        the directory knows (a tag both name keeps the mapped field's name)."""
        mapped = [f for f in field_ids if f in self.options]
        others = sorted(set(self.options) - set(mapped))
        if not mapped and not others:
            return {}
        held = held_option_tags(ticket, ((c.field, c.value, c.previous) for c in children))

        def named(fields: list[str]) -> dict[str, str]:
            return {tag: name for f in fields for tag in sorted(held.get(f, ()))
                    if (name := self.options[f].get(tag)) is not None and name != tag}

        return named(others) | named(mapped)


#: A field change of a ticket's history: (field, value, previous value), as the mapping reads it.
FieldChange = tuple[str | None, str | None, str | None]


def held_option_tags(ticket: Mapping[str, Any], changes: Iterable[FieldChange]) -> dict[str, set[str]]:
    """Field id -> the option tags the ticket holds (``custom_fields``; its form under
    ``ticket_form_id``) or its history set or replaced. The mapping (option names) and the
    stored bundle (options and forms kept) both use it: a stored ticket must map as the same
    ticket from files."""
    held: dict[str, set[str]] = {}
    if ticket.get(FORM_FIELD) is not None:
        held[FORM_FIELD] = {str(ticket[FORM_FIELD])}
    for custom in ticket.get("custom_fields") or ():
        if isinstance(custom, Mapping):
            held.setdefault(str(custom.get("id")), set()).update(_tags(custom.get("value")))
    for name, value, previous in changes:
        if name is not None:
            held.setdefault(name, set()).update(_tags(value), _tags(previous))
    return held


def history_field_changes(item: Mapping[str, Any]) -> list[FieldChange]:
    """The field changes of one raw audit (``events``) or incremental ticket event
    (``child_events``), read as :func:`audit_children` / :func:`ticket_event_children` read them."""
    if item.get("child_events"):
        raws = [c for raw in item["child_events"] for c in _split_custom_fields(raw)]
    else:
        raws = list(item.get("events") or ())
    changes: list[FieldChange] = []
    for raw in raws:
        if str(raw.get("type") or raw.get("event_type") or "") in _COMMENT_TYPES | _SATISFACTION_TYPES:
            continue
        name, value = _changed_field(raw)
        changes.append((name, _text_or_none(value), _text_or_none(raw.get("previous_value"))))
    return changes


def _tags(value: Any) -> list[str]:
    """The option tags of a dropdown (one) or multiselect (a list; events join it with spaces)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split(" ") if " " in str(value) else [str(value)]


def _role(
    user_id: str | None,
    requester: str | None,
    directory: Directory,
    spec: MappingSpec,
    *,
    channel: str | None = None,
    text: str | None = None,
) -> ActorRole:
    actors = spec.actors
    if user_id and user_id in actors.connector_accounts:
        return ActorRole.CONNECTOR
    if text and actors.connector_marker and text.lstrip().startswith(actors.connector_marker):
        return ActorRole.CONNECTOR
    if (user_id and user_id in actors.system_accounts) or user_id in (None, "-1") or channel == "rule":
        return ActorRole.SYSTEM
    if user_id == requester:
        return ActorRole.COMPLAINANT
    user = directory.users.get(user_id)
    if user is None:
        return ActorRole.UNKNOWN
    if str(user.get("role")) in actors.agent_roles:
        return ActorRole.AGENT
    return ActorRole.COMPLAINANT if user.get("role") == "end-user" else ActorRole.UNKNOWN


def _changed_field(child: Mapping[str, Any]) -> tuple[str | None, Any]:
    if child.get("field_name"):
        return str(child["field_name"]), child.get("value")
    # The first other key in sorted order, not in the payload's: a JSON object's key order means
    # nothing (RFC 8259), and a stored bundle (canonical JSON) must map as the payload read.
    key = min((k for k in child if k not in _CHILD_META), default=None)
    return (None, None) if key is None else (key, child[key])


def _events(
    bundle: ZendeskBundle, requester: str | None, directory: Directory, spec: MappingSpec
) -> list[Event]:
    events: list[Event] = []
    roles: dict[tuple[str | None, str | None], ActorRole] = {}
    titles = field_titles(spec.fields)
    for child in bundle.children.values():
        if child.kind in _COMMENT_TYPES:
            role = _role(child.author_id, requester, directory, spec, channel=None, text=child.text)
            events.append(
                Event(
                    at=child.at,
                    kind=EventKind.COMMENT,
                    source_kind=SourceKind.TICKET_EVENT,
                    source_id=child.id,
                    actor_role=role,
                    actor_id=child.author_id,
                    public=child.public,
                    field=None,
                    from_value=None,
                    to_value=None,
                    text=child.text,
                    initial=False,
                )
            )
        elif child.kind in _SATISFACTION_TYPES:
            events.append(
                Event(
                    at=child.at,
                    kind=EventKind.SATISFACTION,
                    source_kind=SourceKind.TICKET_EVENT,
                    source_id=child.id,
                    actor_role=ActorRole.SYSTEM,
                    actor_id=child.parent_author,
                    public=None,
                    field="satisfaction",
                    from_value=None,
                    to_value=child.value,
                    text=None,
                    initial=False,
                )
            )
        elif child.kind in ("Change", "Create") and child.field is not None:
            value, previous = child.value, child.previous
            if child.field == "group_id":  # both sides named, as the ticket's group is
                value = directory.groups.get(value, value) if value is not None else None
                previous = directory.groups.get(previous, previous) if previous is not None else None
            who = (child.parent_author, child.channel)
            known = roles.get(who)
            if known is None:  # a ticket's changes come from a handful of (author, channel) pairs
                known = roles[who] = _role(child.parent_author, requester, directory, spec,
                                           channel=child.channel)
            role = known
            events.append(
                Event(
                    at=child.at,
                    kind=_CHANGE_KINDS.get(child.field, EventKind.FIELD_CHANGE),
                    source_kind=SourceKind.TICKET_EVENT,
                    source_id=child.id,
                    actor_role=role,
                    actor_id=child.parent_author,
                    public=None,
                    field=child.field,
                    from_value=previous,
                    to_value=value,
                    text=None,
                    field_title=(titles.get(child.field) or directory.titles.get(child.field)
                                 or _SYSTEM_TITLES.get(child.field)),
                    initial=child.kind == "Create",
                )
            )
    return events


def _metric_evidence(
    ticket_id: str, created: Any, metric_set: Mapping[str, Any] | None
) -> tuple[EvidenceRef | None, EvidenceRef | None, int | None]:
    if not metric_set or created is None:
        return None, None, None
    metric_id = str(metric_set.get("id") or ticket_id)
    first_reply = None
    minutes = read_path(metric_set, "reply_time_in_minutes.calendar")
    if isinstance(minutes, int | float):
        first_reply = EvidenceRef(
            at=created + timedelta(minutes=minutes),
            source_kind=SourceKind.METRIC_EVENT,
            source_id=metric_id,
            note="first public agent reply (ticket metrics, minute precision)",
        )
    solved = None
    solved_at = parse_time(metric_set.get("solved_at"))
    if solved_at is not None:
        solved = EvidenceRef(
            at=solved_at,
            source_kind=SourceKind.METRIC_EVENT,
            source_id=metric_id,
            note="solved (ticket metrics)",
        )
    reopens = metric_set.get("reopens")
    return first_reply, solved, reopens if isinstance(reopens, int) else None


def _text(key: str, field_path: str, value: Any) -> str | None:
    try:
        return to_text(value)
    except TooDeepError as exc:
        raise MappingError(key, field_path, str(exc)) from None


def zendesk_facts(
    bundle: ZendeskBundle, directory: Directory, spec: MappingSpec, site: str | None = None
) -> TicketFacts:
    ticket = bundle.ticket
    key = str(ticket.get("id") or "?")
    try:
        created = parse_time(ticket.get("created_at"))
        updated = parse_time(ticket.get("updated_at"))
    except ValueError as exc:
        raise MappingError(key, "created_at", str(exc)) from None
    if created is None:
        raise MappingError(key, "created_at", "missing: every complaint needs its receipt time")
    requester_id = str(ticket["requester_id"]) if ticket.get("requester_id") is not None else None
    requester = directory.users.get(requester_id or "", {})
    events = _events(bundle, requester_id, directory, spec)
    metric_set = bundle.metric_set or ticket.get("metric_set")
    first_reply, solved, reopens = _metric_evidence(key, created, metric_set)
    group_id = ticket.get("group_id")
    assignee_id = str(ticket["assignee_id"]) if ticket.get("assignee_id") is not None else None
    url = None
    base = str(ticket["url"]).split("/api/v2/")[0] if ticket.get("url") else site
    if base:
        url = (spec.ticket_url or "{base}/agent/tickets/{key}").format(base=base.rstrip("/"), key=key)
    return TicketFacts(
        key=key,
        id=key,
        platform="zendesk",
        created=created,
        raw=ticket,
        url=url,
        updated=updated,
        status=ticket.get("status"),
        priority=ticket.get("priority"),
        assignee=assignee_id,
        assignee_name=to_text(directory.users.get(assignee_id or "", {}).get("name")),
        group=directory.groups.get(str(group_id), str(group_id)) if group_id is not None else None,
        labels=[str(t) for t in ticket.get("tags") or ()],
        requester=Party(id=requester_id, name=requester.get("name"), contact=requester.get("email")),
        summary=_text(key, "subject", ticket.get("subject") or ticket.get("raw_subject")),
        description=_text(key, "description", ticket.get("description")),
        channel=to_text(read_path(ticket, "via.channel")),
        deleted=ticket.get("status") == "deleted",
        satisfaction=to_text(read_path(ticket, "satisfaction_rating.score")),
        metric_first_reply=first_reply if not bundle.children else None,
        metric_solved=solved if not bundle.children else None,
        metric_reopens=reopens if not bundle.children else None,
        events=events,
        people=directory.people(e.actor_id for e in events),
        option_names=directory.option_names(ticket, bundle.children.values(), field_titles(spec.fields)),
        gaps=[] if bundle.children else ["no ticket events supplied: history from ticket metrics only"],
    )
