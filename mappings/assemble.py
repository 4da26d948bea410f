"""Recognise raw API response shapes and assemble each ticket with its history.

Accepted shapes (one JSON document each; see docs/input-formats.md):

Jira: a search page ``{"issues": [...]}`` (``/search/jql``, ``/issue/bulkfetch``, Data Center
``/search``); a single issue ``{"key", "fields"}``; a changelog bulk page
``{"issueChangeLogs": [...]}``; per-issue pages wrapped as ``{"issue": KEY, "changelog": page}``
or ``{"issue": KEY, "comments": page}`` (a bare comment page is accepted when its comments
carry ``self`` URLs).

Zendesk: an export page ``{"tickets": [...], "users": [...], "groups": [...], "metric_sets":
[...]}``; a single ticket ``{"ticket": {...}}``; ticket-event pages ``{"ticket_events": [...]}``;
audit pages ``{"audits": [...]}``; user and group lists; metric-event pages (kept for SLA
evidence, not needed for the checks).

*History* documents are collected first; *primary* documents (issues, tickets) are then
mapped one at a time, so memory holds the separate history but never every ticket.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from compliance_checks.model import ComplaintRecord
from mappings.derive import build_record
from mappings.formats import PayloadFormat, format_for
from mappings.jira_payload import JiraBundle, field_names, is_field_definition, jira_facts
from mappings.raw import check_raw
from mappings.schema import MappingSpec
from mappings.select import is_complaint
from mappings.values import MappingError, parse_time
from mappings.zendesk_payload import (
    Child,
    Directory,
    ZendeskBundle,
    audit_children,
    ticket_event_children,
    zendesk_facts,
)

_ISSUE_IN_SELF = re.compile(r"/issue/([^/]+)/comment/")


class HistoryStore(Protocol):
    """Where Zendesk history waits for its ticket's page (memory, or a scratch file for big inputs)."""

    def add(self, ticket_id: str, children: list[Child]) -> None: ...

    def take(self, ticket_id: str) -> list[Child]:
        """The ticket's history, released from the store."""
        ...


class MemoryHistory:
    def __init__(self) -> None:
        self._children: dict[str, list[Child]] = {}

    def add(self, ticket_id: str, children: list[Child]) -> None:
        if children:
            self._children.setdefault(ticket_id, []).extend(children)

    def take(self, ticket_id: str) -> list[Child]:
        return self._children.pop(ticket_id, [])


#: Why a future-dated ticket is skipped (kept apart from non-complaints and duplicates).
RECEIVED_AFTER_AS_OF = "received after the as-of time"


class InputShapeError(ValueError):
    """A document is not one of the accepted payload shapes."""


@dataclass
class Origin:
    """Where a document came from, for error messages: ``file.jsonl:12``."""

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


@dataclass(frozen=True)
class BadItem:
    """An item of an ``issues``/``tickets`` list that is not an object (``null``, ``"x"``, a list).

    It cannot be identified, so it is reported by position; the other items are mapped."""

    label: str
    reason: str


@dataclass
class MappedTicket:
    """The mapping of one raw ticket: a record, or the error that stopped it."""

    ticket: str
    record: ComplaintRecord | None = None
    error: MappingError | None = None
    skipped: str | None = None
    warning: str | None = None


@dataclass
class Assembler:
    spec: MappingSpec
    as_of: datetime | None = None
    #: The source's site URL: ticket links when a payload carries none (a stored bundle).
    site: str | None = None
    directory: Directory = field(default_factory=Directory)
    _jira_histories: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    _jira_comments: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    #: The site's field list (``GET /field``), for changelog items that name a field only by name.
    _jira_fields: list[Mapping[str, Any]] = field(default_factory=list)
    _field_names: tuple[int, dict[str, list[str]]] | None = None
    #: Zendesk history per ticket id, compacted as it is read (raw events are not kept).
    zendesk_history: HistoryStore = field(default_factory=lambda: MemoryHistory())
    _metric_sets: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Tickets already mapped (overlapping pages repeat them): id -> updated stamp.
    _seen: dict[str, str] = field(default_factory=dict)
    #: Zendesk history that could not be read, per ticket id: the ticket is reported, not mapped.
    _history_errors: dict[str, MappingError] = field(default_factory=dict)

    @property
    def format(self) -> PayloadFormat:
        return format_for(self.spec.platform)

    # -- shapes ----------------------------------------------------------------------------

    def is_primary(self, doc: Any) -> bool:
        if not isinstance(doc, dict):
            return False
        return self.format.is_primary(doc)

    def add_history(self, doc: Any, origin: Origin) -> None:
        """Collect a history or directory document (primary documents are ignored here)."""
        if isinstance(doc, list):
            for item in doc:
                self.add_history(item, origin)
            return
        if not isinstance(doc, dict):
            raise InputShapeError(f"{origin}: expected a JSON object, got {type(doc).__name__}")
        self.format.add_history(self, doc, origin)

    def add_jira_history(self, doc: Mapping[str, Any], origin: Origin) -> None:
        if self.is_primary(doc):
            return
        if is_field_definition(doc):  # one entry of a ``GET /field`` list (a bare array)
            self._jira_fields.append(doc)
            return
        if isinstance(doc.get("issueChangeLogs"), list):
            for entry in doc["issueChangeLogs"]:
                self._jira_histories.setdefault(str(entry.get("issueId")), []).extend(
                    entry.get("changeHistories") or ()
                )
            return
        if "issue" in doc and isinstance(doc.get("changelog"), dict):
            page = doc["changelog"]
            self._jira_histories.setdefault(str(doc["issue"]), []).extend(
                page.get("values") or page.get("histories") or ()
            )
            return
        comments_page = doc.get("comments")
        if isinstance(comments_page, dict) and "issue" in doc:
            self._jira_comments.setdefault(str(doc["issue"]), []).extend(comments_page.get("comments") or ())
            return
        if isinstance(comments_page, list):
            for comment in comments_page:
                match = _ISSUE_IN_SELF.search(str(comment.get("self", "")))
                if not match:
                    raise InputShapeError(
                        f"{origin}: a comment page without issue ids; wrap it as "
                        '{"issue": "KEY", "comments": <page>}'
                    )
                self._jira_comments.setdefault(match.group(1), []).append(comment)
            return
        raise InputShapeError(f"{origin}: not a Jira payload shape (keys: {', '.join(list(doc)[:8])})")

    def add_zendesk_history(self, doc: Mapping[str, Any], origin: Origin) -> None:
        recognised = False
        directory = self.directory
        for key, add in (("users", directory.add_users), ("groups", directory.add_groups),
                         ("ticket_fields", directory.add_ticket_fields),
                         ("ticket_forms", directory.add_ticket_forms)):
            if isinstance(doc.get(key), list):
                add(doc[key])
                recognised = True
        for metric_set in doc.get("metric_sets") or ():
            self._metric_sets[str(metric_set.get("ticket_id"))] = metric_set
            recognised = True
        for index, event in enumerate(doc.get("ticket_events") or ()):
            self._add_zendesk_children(event, ("ticket_events", index), ticket_event_children, origin)
            recognised = True
        for index, audit in enumerate(
            doc.get("audits") or ([doc["audit"]] if isinstance(doc.get("audit"), dict) else ())
        ):
            self._add_zendesk_children(audit, ("audits", index), audit_children, origin)
            recognised = True
        if "ticket_events" in doc or "audits" in doc or "ticket_metric_events" in doc:
            recognised = True
        if not recognised and not self.is_primary(doc):
            raise InputShapeError(f"{origin}: not a Zendesk payload shape (keys: {', '.join(list(doc)[:8])})")

    def _add_zendesk_children(
        self,
        item: Any,
        where: tuple[str, int],
        children: Callable[[Mapping[str, Any]], list[Child]],
        origin: Origin,
    ) -> None:
        """Add one history item (``where``: its list and position in the page, for errors)."""
        kind, index = where
        if not isinstance(item, dict):
            raise InputShapeError(f"{origin}: {kind}[{index}]: expected an object, got {type(item).__name__}")
        ticket_id = str(item.get("ticket_id"))
        try:
            self.zendesk_history.add(ticket_id, children(item))
        except (ValueError, TypeError, AttributeError) as exc:
            # Bad history stops its own ticket (reported when the ticket is mapped), not the run.
            field_name = f"{kind}[id {item.get('id')}]"
            self._history_errors.setdefault(ticket_id, MappingError(ticket_id, field_name, str(exc)))

    # -- primary documents -----------------------------------------------------------------

    def items(self, doc: Any, origin: Origin) -> Iterator[Mapping[str, Any] | BadItem]:
        """The raw tickets/issues of a primary document."""
        if isinstance(doc, list):
            for item in doc:
                yield from self.items(item, origin)
            return
        if not self.is_primary(doc):
            return
        kind, items, side_loads = self.format.primary_items(doc)
        if side_loads:  # the page's side-loads describe its tickets: taken first
            self.format.add_history(self, doc, origin)
        noun = self.format.ticket_noun
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield item
            else:
                yield BadItem(f"{origin} {kind}[{index}]", f"expected {noun} object, got {_json_type(item)}")

    def map_item(self, raw: Mapping[str, Any] | BadItem) -> MappedTicket:
        if isinstance(raw, BadItem):
            return MappedTicket(raw.label, error=MappingError(raw.label, "item", raw.reason))
        key = str(raw.get("key") or raw.get("id") or "?")
        ident = str(raw.get("id") or key)
        fields = raw.get("fields")
        updated = fields.get("updated") if isinstance(fields, dict) else None
        stamp = str(raw.get("updated_at") or updated or "")
        if ident in self._seen:
            # Pages are mapped newest first, so an earlier-seen copy is normally the latest.
            if _newer(stamp, self._seen[ident]):
                return MappedTicket(
                    key,
                    skipped="duplicate",
                    warning=f"ticket {key}: a newer version ({stamp}) came after the one mapped "
                    f"({self._seen[ident]}); give the input files oldest first",
                )
            return MappedTicket(key, skipped="duplicate (an older or identical copy)")
        self._seen[ident] = stamp
        raw = self.format.prepared(raw)
        try:
            # Types first: selection and mapping read values loosely (see mappings/raw.py).
            check_raw(self.spec.platform, key, raw)
            if not is_complaint(self.spec, raw):
                return MappedTicket(key, skipped="not selected as a complaint by the mapping")
            history_error = self._history_errors.pop(ident, None)
            if history_error is not None:
                return MappedTicket(key, error=MappingError(key, history_error.field, history_error.reason))
            facts = self._facts(raw)
            if self.as_of is not None and facts.created > self.as_of:
                return MappedTicket(
                    key,
                    skipped=RECEIVED_AFTER_AS_OF,
                    warning=f"ticket {key}: skipped: received {facts.created.isoformat()}, "
                    f"after the as-of time {self.as_of.isoformat()}",
                )
            return MappedTicket(key, record=build_record(facts, self.spec, self.as_of))
        except MappingError as exc:
            return MappedTicket(key, error=exc)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return MappedTicket(key, error=MappingError(key, "payload", f"{type(exc).__name__}: {exc}"))

    def _facts(self, raw: Mapping[str, Any]) -> Any:
        return self.format.facts(self, raw)

    def jira_facts(self, raw: Mapping[str, Any]) -> Any:
        bundle = JiraBundle(issue=raw, field_names=self._jira_field_names())
        bundle.add_histories(list((raw.get("changelog") or {}).get("histories") or ()))
        comment_field = (raw.get("fields") or {}).get("comment")
        if isinstance(comment_field, dict):
            bundle.add_comments(list(comment_field.get("comments") or ()))
        for ident in {str(raw.get("id")), str(raw.get("key"))}:
            bundle.add_histories(self._jira_histories.pop(ident, []))
            bundle.add_comments(self._jira_comments.pop(ident, []))
        return jira_facts(bundle, self.spec, self.site)

    def _jira_field_names(self) -> dict[str, list[str]]:
        if self._field_names is None or self._field_names[0] != len(self._jira_fields):
            self._field_names = (len(self._jira_fields), field_names(self._jira_fields))
        return self._field_names[1]

    def zendesk_facts(self, raw: Mapping[str, Any]) -> Any:
        ticket_id = str(raw.get("id"))
        zbundle = ZendeskBundle(ticket=raw, metric_set=self._metric_sets.pop(ticket_id, None))
        # A ticket is mapped once: its history is released as soon as it is used.
        zbundle.add_children(self.zendesk_history.take(ticket_id))
        return zendesk_facts(zbundle, self.directory, self.spec, self.site)


def _json_type(value: Any) -> str:
    names = {type(None): "null", str: "a string", list: "an array", bool: "a boolean"}
    return names.get(type(value), "a number")


def _newer(stamp: str, than: str) -> bool:
    try:
        a, b = parse_time(stamp), parse_time(than)
    except ValueError:
        return False
    return a is not None and b is not None and a > b
