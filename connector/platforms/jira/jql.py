"""Bounded JQL from a mapping's selection, and what JQL cannot say."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from mappings.schema import Selection


def quote(value: str) -> str:
    """A JQL string literal (always quoted: keys, names with spaces, reserved words)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} in ({', '.join(quote(v) for v in values)})"


def epoch_ms(moment: datetime) -> int:
    """JQL date as epoch milliseconds: no time-zone ambiguity of ``yyyy-MM-dd HH:mm``."""
    return int(moment.timestamp() * 1000)


def selection_clauses(select: Selection) -> list[str]:
    """The parts of the selection JQL can express.

    Issue types and labels go in as an OR group only when they are *all* the markers: a
    request-type or field condition can make a ticket a complaint on its own, so with one of
    those present the group would wrongly exclude tickets and is left to the client side.
    """
    clauses: list[str] = []
    if select.projects:
        clauses.append(_in("project", select.projects))
    any_of = select.any_of
    if not (any_of.request_types or any_of.fields or any_of.forms):
        group = []
        if any_of.issue_types:
            group.append(_in("issuetype", any_of.issue_types))
        if any_of.labels:
            group.append(_in("labels", any_of.labels))
        if group:
            clauses.append(group[0] if len(group) == 1 else f"({' OR '.join(group)})")
    return clauses


def build_jql(
    select: Selection, *, since: datetime | None, overlap: timedelta, extra: str | None = None
) -> str:
    """``project in (..) AND (..) AND updated >= <ms> ORDER BY updated ASC, key ASC``.

    ``since`` is moved back by ``overlap`` because search is eventually consistent; the
    reader de-duplicates what the overlap reads twice. Without any restriction the query
    would be unbounded (Jira Cloud rejects that), so ``updated >= 0`` bounds it.
    """
    clauses = selection_clauses(select)
    if since is not None:
        clauses.append(f"updated >= {epoch_ms(since - overlap)}")
    if extra:
        clauses.append(extra)
    if not clauses:
        clauses.append("updated >= 0")
    return " AND ".join(clauses) + " ORDER BY updated ASC, key ASC"


def keys_jql(keys: Iterable[str]) -> str:
    """JQL for a batch of issue keys (Data Center write-state reads)."""
    return f"key in ({', '.join(quote(k) for k in keys)}) ORDER BY key ASC"
