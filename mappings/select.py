"""Which raw tickets are complaints, and which complaints are outside ISO 10002's scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mappings.formats import format_for
from mappings.schema import Condition, MappingSpec
from mappings.values import read_source, to_text


def _fold(value: Any) -> str:
    return str(value).casefold()


def matches(condition: Condition, raw: Mapping[str, Any], platform: str) -> bool:
    """True when every matcher of ``condition`` holds for the value it points at."""
    value = read_source(condition, raw, platform)
    if condition.exists is not None and (value not in (None, "", [])) != condition.exists:
        return False
    if condition.equals is not None and _fold(to_text(value) or "") != _fold(condition.equals):
        return False
    if condition.in_ is not None:
        candidates = {_fold(c) for c in condition.in_}
        values = value if isinstance(value, list) else [value]
        if not any(_fold(to_text(v) or "") in candidates for v in values):
            return False
    if condition.contains is not None:
        needle = condition.contains.casefold()
        if isinstance(value, list):
            if not any(_fold(to_text(v) or "") == needle for v in value):
                return False
        elif needle not in _fold(to_text(value) or ""):
            return False
    return True


def ticket_labels(raw: Mapping[str, Any], platform: str) -> list[str]:
    return [str(label) for label in format_for(platform).labels(raw)]


def is_complaint(spec: MappingSpec, raw: Mapping[str, Any]) -> bool:
    """Apply the mapping's selection to a raw Jira issue or Zendesk ticket."""
    select, platform = spec.select, spec.platform
    payload = format_for(platform)
    if select.projects and payload.outside_projects(raw, {_fold(p) for p in select.projects}):
        return False
    if any(matches(c, raw, platform) for c in select.none_of):
        return False
    markers = select.any_of
    if markers.is_empty():
        return True
    labels = {_fold(label) for label in ticket_labels(raw, platform)}
    if labels & {_fold(label) for label in markers.labels}:
        return True
    if payload.marked(raw, markers):
        return True
    return any(matches(c, raw, platform) for c in markers.fields)


def request_type_name(raw: Mapping[str, Any]) -> str | None:
    """JSM request type: the ``requestType.name`` inside the request-type custom field."""
    for value in (raw.get("fields") or {}).values():
        if isinstance(value, dict) and isinstance(value.get("requestType"), dict):
            name = value["requestType"].get("name")
            return str(name) if name else None
    return None


def scope_of(spec: MappingSpec, raw: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(in scope?, reason when not) per the mapping's scope rules."""
    for rule in spec.scope:
        if matches(rule.when, raw, spec.platform):
            return False, rule.reason
    return True, None


def _quoted(values: list[Any]) -> str:
    return ", ".join(f"“{v}”" for v in values)


def describe_condition(condition: Condition) -> str:
    """A condition in a few words (``field 360000000010 is one of “complaint”``)."""
    if condition.custom_field is not None:
        where = f"field {condition.custom_field}"
    elif condition.path is not None:
        where = ".".join(condition.path) if isinstance(condition.path, list) else condition.path
    else:
        where = "a constant"
    tests = []
    if condition.equals is not None:
        tests.append(f"is “{condition.equals}”")
    if condition.in_ is not None:
        tests.append(f"is one of {_quoted(condition.in_)}")
    if condition.contains is not None:
        tests.append(f"contains “{condition.contains}”")
    if condition.exists is not None:
        tests.append("is set" if condition.exists else "is empty")
    return f"{where} {' and '.join(tests)}"


def describe_selection(spec: MappingSpec) -> dict[str, list[str]]:
    """What makes a ticket a complaint under ``spec``, for people: ``markers`` (any one makes a
    ticket a complaint; empty: every ticket in the projects is one), ``excluded_by`` (any one
    excludes it) and ``projects`` (the only projects searched)."""
    select, noun = spec.select, format_for(spec.platform).label_noun
    markers = select.any_of
    described = [
        *(f"{noun} “{label}”" for label in markers.labels),
        *(f"issue type “{name}”" for name in markers.issue_types),
        *(f"request type “{name}”" for name in markers.request_types),
        *(f"ticket form {form}" for form in markers.forms),
        *(describe_condition(c) for c in markers.fields),
    ]
    return {"markers": described, "excluded_by": [describe_condition(c) for c in select.none_of],
            "projects": list(select.projects)}
