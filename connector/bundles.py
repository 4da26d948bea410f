"""Per-ticket payload bundles: the raw documents the store keeps for one ticket version.

A bundle is a list of documents in the shapes ``mappings.assemble`` accepts, holding one ticket
and everything needed to map it again offline (history, the users it mentions). Building
bundles from pages and mapping a bundle are pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from compliance_checks.model import ComplaintRecord
from connector.store.tickets import canonical_json, sha256_text
from mappings.assemble import Assembler, MappedTicket, Origin
from mappings.jira_payload import history_key, merge_history, unnamed_change_fields
from mappings.schema import MappingSpec
from mappings.zendesk_payload import FORM_FIELD, held_option_tags, history_field_changes

Doc = dict[str, Any]
_ORIGIN = Origin("store")
#: History document keys carried from one version of a Zendesk ticket to the next.
_ZENDESK_HISTORY = ("ticket_events", "audits")


def record_texts(record: ComplaintRecord) -> tuple[str, str]:
    """A mapped record's JSON without its timeline, and the timeline's JSON: what sync stores
    in ``tickets.record``/``timeline`` (apart: reports hardly read timelines). Both canonical
    JSON, the text ``record_digest`` is defined over, so a reader checks the digest by hashing
    them as stored (``tickets.record_matches``) instead of parsing and re-encoding them."""
    document = record.model_dump(mode="json")
    timeline = document.pop("timeline")
    return canonical_json(document), canonical_json(timeline)


def record_digest_of(record: ComplaintRecord) -> str:
    """``record_digest(*record_texts(record))`` without the JSON text round trip: the
    canonical JSON of the record's JSON-mode dump is the same text."""
    return sha256_text(canonical_json(record.model_dump(mode="json")))


def parse_stamp(value: str) -> datetime:
    """A ticket's ``updated`` stamp (Zendesk ISO ``Z``, Jira ``-0700``) as aware UTC."""
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def map_bundle(
    spec: MappingSpec, documents: Sequence[Any], as_of: datetime | None, site: str | None = None
) -> MappedTicket | None:
    """Map the bundle's one ticket (None when the bundle holds no ticket); ``site``: the
    source's site URL, for the ticket link when the stored payload carries none."""
    assembler = Assembler(spec, as_of=as_of, site=site)
    for doc in documents:
        if not assembler.is_primary(doc):
            assembler.add_history(doc, _ORIGIN)
    for doc in documents:
        if assembler.is_primary(doc):
            for raw in assembler.items(doc, _ORIGIN):
                return assembler.map_item(raw)
    return None


@dataclass(frozen=True)
class DocumentBundle:
    """A stored bundle (one ticket version's documents), mapped on its own as of a time."""

    spec: MappingSpec
    documents: Sequence[Any]
    as_of: datetime | None
    site: str | None = None

    def map(self) -> MappedTicket | None:
        return map_bundle(self.spec, self.documents, self.as_of, self.site)


# -- Zendesk ------------------------------------------------------------------------------


@dataclass
class ZendeskPages:
    """What one Zendesk read returned, grouped per ticket."""

    tickets: dict[str, Doc] = field(default_factory=dict)
    metric_sets: dict[str, Doc] = field(default_factory=dict)
    users: MutableMapping[str, Doc] = field(default_factory=dict)
    agents: dict[str, Doc] = field(default_factory=dict)
    events: dict[str, list[Doc]] = field(default_factory=dict)
    audits: dict[str, list[Doc]] = field(default_factory=dict)
    groups: dict[str, Doc] = field(default_factory=dict)
    #: Dropdown ticket fields by id (``GET /api/v2/ticket_fields``), for their options' names.
    fields: dict[str, Doc] = field(default_factory=dict)
    #: Ticket forms by id (``GET /api/v2/ticket_forms``), for the name of a ticket's form.
    forms: dict[str, Doc] = field(default_factory=dict)

    def add(self, kind: str, body: Mapping[str, Any]) -> None:
        for ticket in body.get("tickets") or ():
            self.tickets[str(ticket["id"])] = dict(ticket)  # later pages hold newer versions
        if isinstance(body.get("ticket"), Mapping):
            self.tickets[str(body["ticket"]["id"])] = dict(body["ticket"])
        for metric_set in body.get("metric_sets") or ():
            self.metric_sets[str(metric_set.get("ticket_id"))] = dict(metric_set)
        target = self.agents if kind == "users" else self.users
        for user in body.get("users") or ():
            target[str(user.get("id"))] = dict(user)
        for event in body.get("ticket_events") or ():
            self.events.setdefault(str(event.get("ticket_id")), []).append(dict(event))
        for audit in body.get("audits") or ():
            self.audits.setdefault(str(audit.get("ticket_id")), []).append(dict(audit))
        for group in body.get("groups") or ():
            self.groups[str(group.get("id"))] = dict(group)
        self.fields.update(dropdown_fields(body))
        self.forms.update(ticket_forms(body))

    def touched(self) -> list[str]:
        ids = set(self.tickets) | set(self.events) | set(self.audits)
        return sorted(ids, key=lambda t: (len(t), t))


def dropdown_fields(body: Mapping[str, Any]) -> dict[str, Doc]:
    """The dropdown/multiselect fields of a ``ticket_fields`` page, by id, reduced to what names
    an option (Ticket Fields API: ``custom_field_options[{id, name, value}]``)."""
    found: dict[str, Doc] = {}
    for item in body.get("ticket_fields") or ():
        options = item.get("custom_field_options") if isinstance(item, Mapping) else None
        if isinstance(options, list) and options:
            found[str(item.get("id"))] = {
                "id": item.get("id"), "type": item.get("type"), "title": item.get("title"),
                "custom_field_options": [{"name": o.get("name"), "value": o.get("value")}
                                         for o in options if isinstance(o, Mapping)],
            }
    return found


def ticket_forms(body: Mapping[str, Any]) -> dict[str, Doc]:
    """The forms of a ``ticket_forms`` list, by id, reduced to what names one
    (zendesk-support-v2.yaml, TicketFormsResponse / TicketForm: ``id``, ``name``,
    ``display_name``): a form switched on or off leaves the bundles that hold it unchanged."""
    return {str(form.get("id")): {k: form.get(k) for k in ("id", "name", "display_name")}
            for form in body.get("ticket_forms") or () if isinstance(form, Mapping)}


@dataclass
class ZendeskDirectory:
    """The account's agents, groups, dropdown fields and ticket forms as the store keeps them
    between reads.

    Every bundle carries the agents and groups its ticket mentions, the options its fields
    hold and the forms it is or was on, as an export file does, so a stored ticket maps exactly
    as the same ticket read from files.
    """

    agents: dict[str, Doc] = field(default_factory=dict)
    groups: dict[str, Doc] = field(default_factory=dict)
    fields: dict[str, Doc] = field(default_factory=dict)
    forms: dict[str, Doc] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str | None) -> ZendeskDirectory:
        """Stored form: ``{"users": [...], "groups": [...], "ticket_fields": [...],
        "ticket_forms": [...]}`` (a bare list: agents only)."""
        data = json.loads(text or "[]")
        if isinstance(data, list):
            data = {"users": data}
        users, groups = data.get("users") or [], data.get("groups") or []
        fields, forms = data.get("ticket_fields") or [], data.get("ticket_forms") or []
        return cls({str(u["id"]): u for u in users}, {str(g["id"]): g for g in groups},
                   {str(f["id"]): f for f in fields}, {str(f["id"]): f for f in forms})

    def to_json(self) -> str:
        doc: dict[str, Any] = {"users": sorted(self.agents.values(), key=lambda u: str(u["id"])),
                               "groups": sorted(self.groups.values(), key=lambda g: str(g["id"]))}
        if self.fields:
            doc["ticket_fields"] = sorted(self.fields.values(), key=lambda f: str(f["id"]))
        if self.forms:
            doc["ticket_forms"] = sorted(self.forms.values(), key=lambda f: str(f["id"]))
        return json.dumps(doc)

    def updated(self, agents: Mapping[str, Doc], groups: Mapping[str, Doc],
                fields: Mapping[str, Doc] | None = None,
                forms: Mapping[str, Doc] | None = None) -> ZendeskDirectory:
        """This directory with a read's agents, groups, fields and forms (newer) on top."""
        return ZendeskDirectory({**self.agents, **agents}, {**self.groups, **groups},
                                {**self.fields, **(fields or {})}, {**self.forms, **(forms or {})})


def _merge_by_id(*groups: Iterable[Doc]) -> list[Doc]:
    merged: dict[str, Doc] = {}
    for group in groups:
        for item in group:
            merged[str(item.get("id"))] = item
    return sorted(merged.values(), key=lambda d: (str(d.get("created_at") or d.get("timestamp") or ""),
                                                  str(d.get("id"))))


def _first_found(key: str, sources: Sequence[Mapping[str, Doc]]) -> Doc | None:
    for source in sources:
        found = source.get(key)
        if found is not None:
            return found
    return None


def _mentioned_users(ticket: Mapping[str, Any], history: Iterable[Doc]) -> set[str]:
    ids = {str(ticket.get(k)) for k in ("requester_id", "submitter_id", "assignee_id") if ticket.get(k)}
    for item in history:
        for k in ("updater_id", "author_id"):
            if item.get(k) is not None:
                ids.add(str(item[k]))
        for child in item.get("child_events") or item.get("events") or ():
            if child.get("author_id") is not None:
                ids.add(str(child["author_id"]))
    return ids


def _mentioned_groups(ticket: Mapping[str, Any], history: Iterable[Doc]) -> set[str]:
    ids = {str(ticket["group_id"])} if ticket.get("group_id") is not None else set()
    for item in history:
        for child in item.get("child_events") or item.get("events") or ():
            # Audits name the field (``field_name``/``value``); incremental ticket events key
            # the value by the field itself (``{"group_id": ..., "previous_value": ...}``).
            if child.get("field_name") == "group_id":
                values = (child.get("value"), child.get("previous_value"))
            elif "group_id" in child:
                values = (child.get("group_id"), child.get("previous_value"))
            else:
                continue
            ids.update(str(v) for v in values if v not in (None, ""))
    return ids


def _option_fields(held: Mapping[str, set[str]], sources: Sequence[Mapping[str, Doc]]) -> list[Doc]:
    """The dropdown fields the ticket uses, each with only the options it holds or held (the
    bundle stays small and changes only when one of its own options is renamed)."""
    fields = []
    for field_id, values in sorted(held.items()):
        found = _first_found(field_id, sources)
        if found is None:
            continue
        options = [o for o in found.get("custom_field_options") or () if str(o.get("value")) in values]
        if options:
            fields.append({**found, "custom_field_options": options})
    return fields


def zendesk_bundle(
    ticket_id: str,
    pages: ZendeskPages,
    previous: Sequence[Any] | None,
    directory: ZendeskDirectory,
) -> list[Doc] | None:
    """The new bundle of a ticket: its newest object plus all history known so far."""
    old_ticket: Doc | None = None
    old_metric: Doc | None = None
    old_users: list[Doc] = []
    old_groups: list[Doc] = []
    old_fields: dict[str, Doc] = {}
    old_forms: dict[str, Doc] = {}
    old_history: dict[str, list[Doc]] = {k: [] for k in _ZENDESK_HISTORY}
    for doc in previous or ():
        if isinstance(doc.get("tickets"), list) and doc["tickets"]:
            old_ticket = doc["tickets"][0]
            old_metric = (doc.get("metric_sets") or [None])[0]
            old_users = list(doc.get("users") or ())
            old_groups = list(doc.get("groups") or ())
            old_fields = {str(f.get("id")): f for f in doc.get("ticket_fields") or ()}
            old_forms = {str(f.get("id")): f for f in doc.get("ticket_forms") or ()}
        for key in _ZENDESK_HISTORY:
            old_history[key].extend(doc.get(key) or ())
    ticket = pages.tickets.get(ticket_id) or old_ticket
    if ticket is None:
        return None  # history for a ticket we never saw (not a complaint): nothing to keep
    events = _merge_by_id(old_history["ticket_events"], pages.events.get(ticket_id, ()))
    audits = _merge_by_id(old_history["audits"], pages.audits.get(ticket_id, ()))
    wanted = _mentioned_users(ticket, [*events, *audits])
    # Newest source first: this read's users, its agents, the stored directory, the old bundle.
    # (Looked up per wanted id: merging the read's users into one dict per ticket was quadratic.)
    sources = (pages.users, pages.agents, directory.agents, {str(u.get("id")): u for u in old_users})
    users = [found for u in sorted(wanted) if (found := _first_found(u, sources)) is not None]
    primary: Doc = {"tickets": [ticket], "users": users}
    group_sources = (pages.groups, directory.groups, {str(g.get("id")): g for g in old_groups})
    groups = [found for g in sorted(_mentioned_groups(ticket, [*events, *audits]))
              if (found := _first_found(g, group_sources)) is not None]
    if groups:
        primary["groups"] = groups
    changes = (change for item in [*events, *audits] for change in history_field_changes(item))
    held = held_option_tags(ticket, changes)
    fields = _option_fields(held, (pages.fields, directory.fields, old_fields))
    if fields:
        primary["ticket_fields"] = fields
    # Only the forms it holds or held, as for options: renaming another form leaves it alone.
    form_sources = (pages.forms, directory.forms, old_forms)
    forms = [found for f in sorted(held.get(FORM_FIELD, ()))
             if (found := _first_found(f, form_sources)) is not None]
    if forms:
        primary["ticket_forms"] = forms
    metric = pages.metric_sets.get(ticket_id) or old_metric
    if metric is not None:
        primary["metric_sets"] = [metric]
    bundle: list[Doc] = [primary]
    if events:
        bundle.append({"ticket_events": events})
    if audits:
        bundle.append({"audits": audits})
    return bundle


# -- Jira ---------------------------------------------------------------------------------


@dataclass
class JiraPages:
    """What one Jira read returned, grouped per issue (by id; comments by key)."""

    issues: dict[str, Doc] = field(default_factory=dict)
    histories: dict[str, dict[str, Doc]] = field(default_factory=dict)
    comments: dict[str, dict[str, Doc]] = field(default_factory=dict)

    def add(self, page: Mapping[str, Any]) -> None:
        for issue in page.get("issues") or ():
            self.issues[str(issue["id"])] = dict(issue)
        for entry in page.get("issueChangeLogs") or ():
            self._add_histories(str(entry.get("issueId")), entry.get("changeHistories") or ())
        if "issue" in page and isinstance(page.get("changelog"), Mapping):
            changelog = page["changelog"]
            listed = changelog.get("values") or changelog.get("histories") or ()
            self._add_histories(str(page["issue"]), listed)
        if "issue" in page and isinstance(page.get("comments"), Mapping):
            bucket = self.comments.setdefault(str(page["issue"]), {})
            for comment in page["comments"].get("comments") or ():
                bucket[str(comment.get("id"))] = comment

    def _add_histories(self, issue: str, histories: Iterable[Doc]) -> None:
        """Keyed as the mapping keys them: an id-less history is kept, a repeated id merged."""
        bucket = self.histories.setdefault(issue, {})
        for history in histories:
            key = history_key(history)
            bucket[key] = dict(merge_history(bucket.get(key), history))


def jira_bundle(issue: Doc, pages: JiraPages, definitions: Sequence[Mapping[str, Any]] = ()) -> list[Any]:
    """One issue with the changelog and comment pages read for it.

    When a change item names its field only by display name (older Data Center), the bundle
    also carries the site's definitions of that name (a ``GET /field`` list), so the stored
    ticket maps as the same ticket read from files.
    """
    issue_id, key = str(issue["id"]), str(issue["key"])
    bundle: list[Any] = [{"issues": [issue]}]
    histories = dict(pages.histories.get(issue_id, {}))
    for hkey, history in pages.histories.get(key, {}).items():
        histories[hkey] = dict(merge_history(histories.get(hkey), history))
    if histories:
        order = sorted(histories, key=lambda k: (str(histories[k].get("created")), k))
        ordered = [histories[k] for k in order]
        bundle.append({"issueChangeLogs": [{"issueId": issue_id, "changeHistories": ordered}]})
    embedded = (issue.get("changelog") or {}).get("histories") or ()
    names = unnamed_change_fields([*embedded, *histories.values()])
    named = [dict(d) for d in definitions if str(d.get("name")).casefold() in names]
    if named:
        bundle.append(named)
    comments = {**pages.comments.get(issue_id, {}), **pages.comments.get(key, {})}
    if comments:
        ordered = sorted(comments.values(), key=lambda c: (str(c.get("created")), str(c.get("id"))))
        bundle.append({"issue": key, "comments": {"startAt": 0, "total": len(ordered), "comments": ordered}})
    return bundle
