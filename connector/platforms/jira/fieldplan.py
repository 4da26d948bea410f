"""Which fields, properties and changelog fields a pull asks for, from the mapping.

Jira's ``search/jql`` returns only ``id`` unless told otherwise, and ``*all`` is heavy, so the
field list is explicit: what the payload normaliser always reads, what the mapping points at,
and the JSM SLA / request-type fields discovered once from ``/field`` by their schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mappings.schema import MappingSpec, Source

#: Always read: the normaliser builds the timeline and the write state from these.
BASE_FIELDS = (
    "summary",
    "issuetype",
    "project",
    "status",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "labels",
    "description",
    "duedate",
    "comment",
)
#: Changelog fields the checks read (status, priority, assignee, labels, resolution).
BASE_CHANGELOG_FIELDS = ("status", "priority", "assignee", "labels", "resolution")
#: ``changelog/bulkfetch`` accepts at most 10 ``fieldIds``; beyond that ask for all.
MAX_CHANGELOG_FIELD_IDS = 10
FINDINGS_PROPERTY = "iso10002.findings"
CHANNEL_PROPERTY = "request.channel.type"
PROPERTIES = (FINDINGS_PROPERTY, CHANNEL_PROPERTY)
SLA_SCHEMA = "com.atlassian.servicedesk:sd-sla-field"
REQUEST_TYPE_SCHEMA = "com.atlassian.servicedesk:vp-origin"


@dataclass(frozen=True)
class FieldPlan:
    fields: tuple[str, ...]
    properties: tuple[str, ...]
    #: ``None``: fetch every changelog field (the mapping needs more than 10).
    changelog_field_ids: tuple[str, ...] | None
    #: The site's field list (``id``, ``name``, ``custom`` of ``GET /field``): names the field of
    #: a Data Center change item without ``fieldId``. Empty until discovered.
    definitions: tuple[Mapping[str, Any], ...] = ()


def _sources(node: Any) -> Iterator[Source]:
    if isinstance(node, Source):
        yield node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _sources(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _sources(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _sources(item)


def _field_of(source: Source) -> str | None:
    if source.custom_field is not None:
        cf = str(source.custom_field)
        return cf if cf.startswith("customfield_") else f"customfield_{cf}"
    path = source.path
    parts = path.split(".") if isinstance(path, str) else list(path or [])
    if len(parts) >= 2 and parts[0] == "fields":
        return parts[1]
    return None


def _property_of(source: Source) -> str | None:
    path = source.path
    parts = path.split(".", 1) if isinstance(path, str) else list(path or [])
    if len(parts) >= 2 and parts[0] == "properties":
        return str(parts[1]) if isinstance(path, list) else parts[1].split(".")[0]
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def discovered_fields(field_definitions: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    """JSM SLA fields and the request-type field, found by schema (ids differ per site)."""
    wanted = (SLA_SCHEMA, REQUEST_TYPE_SCHEMA)
    return _unique(
        str(f["id"])
        for f in field_definitions
        if (f.get("schema") or {}).get("custom") in wanted and f.get("id")
    )


def field_definitions(listed: Iterable[Any]) -> tuple[Mapping[str, Any], ...]:
    """The part of ``GET /field`` the mapping needs, in the same (``FieldDetails``) shape."""
    return tuple(
        {"id": str(f["id"]), "name": str(f["name"]), "custom": bool(f.get("custom"))}
        for f in listed
        if isinstance(f, dict) and f.get("id") and f.get("name")
    )


def plan_fields(spec: MappingSpec, discovered: Iterable[str] = ()) -> FieldPlan:
    """The explicit field list, properties (API max 5) and changelog field ids for a pull."""
    sources = list(_sources(spec))
    raw_fields = [*spec.escalation.fields, *spec.assessment.fields, *spec.decision.fields]
    fields = _unique([*BASE_FIELDS, *(_field_of(s) or "" for s in sources), *raw_fields])
    fields = _unique([*fields, *discovered])
    properties = _unique([*PROPERTIES, *(_property_of(s) or "" for s in sources)])[:5]
    changelog = _unique([*BASE_CHANGELOG_FIELDS, *raw_fields])
    return FieldPlan(
        fields=fields,
        properties=properties,
        changelog_field_ids=changelog if len(changelog) <= MAX_CHANGELOG_FIELD_IDS else None,
    )
