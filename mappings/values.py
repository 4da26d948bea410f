"""Reading values out of raw payloads: paths, timestamps, rich-text bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from mappings.formats import format_for
from mappings.schema import PathSpec, Source

_MISSING = object()
_BLANK_RUNS = re.compile(r"\n{3,}")

#: Timestamps (received, events, ``--as-of``) must fall in this range: outside it, date
#: arithmetic overflows and no real helpdesk record exists (docs/input-formats.md).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
SUPPORTED_RANGE = "1900-01-01 to 2199-12-31"
#: How deep a raw value may nest (JSON objects and arrays); ADF bodies need about 10.
MAX_DEPTH = 64


class MappingError(ValueError):
    """A ticket could not be mapped. Names the ticket, the field and the reason."""

    def __init__(self, ticket: str, field: str, reason: str) -> None:
        self.ticket, self.field, self.reason = ticket, field, reason
        super().__init__(f"ticket {ticket}: field {field}: {reason}")


def split_path(path: PathSpec) -> list[str]:
    return list(path) if isinstance(path, list) else path.split(".")


def read_path(obj: Any, path: PathSpec) -> Any:
    """Follow dict keys (and integer list indexes) along ``path``; None when absent."""
    current = obj
    for key in split_path(path):
        if isinstance(current, dict):
            current = current.get(key, _MISSING)
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return None
        if current is _MISSING:
            return None
    return current


def read_source(source: Source, raw: Mapping[str, Any], platform: str) -> Any:
    """The raw value a mapping source points at (before any translation)."""
    if source.const is not None:
        return source.const
    if source.path is not None:
        return _shallow(read_path(raw, source.path))
    return format_for(platform).custom_field(raw, str(source.custom_field))


class ZendeskTicketView(dict[str, Any]):
    """A raw Zendesk ticket (a copy of its top level) that indexes ``custom_fields`` by id the
    first time one is read: the mapping reads about fifteen of them per ticket."""

    __slots__ = ("_custom_fields",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self._custom_fields: dict[str, Any] | None = None

    def custom_fields(self) -> dict[str, Any]:
        if self._custom_fields is None:
            self._custom_fields = _custom_field_index(self)
        return self._custom_fields


def _custom_field_index(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(e.get("id")): e.get("value") for e in raw.get("custom_fields") or () if isinstance(e, dict)}


def zendesk_custom_field(raw: Mapping[str, Any], field_id: str) -> Any:
    """A Zendesk custom field: ``custom_fields`` is a list of ``{id, value}`` (ids are numbers
    in the API, strings in a mapping)."""
    index = raw.custom_fields() if isinstance(raw, ZendeskTicketView) else _custom_field_index(raw)
    return _shallow(index.get(field_id))


def jira_custom_field(raw: Mapping[str, Any], field_id: str) -> Any:
    """A Jira custom field: ``fields.customfield_N``, an option unwrapped to its value."""
    return unwrap_option(_shallow((raw.get("fields") or {}).get(field_id)))


def _shallow(value: Any) -> Any:
    # The readers below recurse: bound the depth first (TooDeepError names no field; callers do).
    if isinstance(value, dict | list):
        check_depth(value)
    return value


def unwrap_option(value: Any) -> Any:
    """Jira select/option values arrive as ``{"value": ..}`` or ``{"name": ..}`` objects."""
    if isinstance(value, dict) and value.get("type") != "doc":
        for key in ("value", "name", "displayName", "key"):
            if key in value:
                return unwrap_option(value[key]) if key == "value" else value[key]
        return value
    if isinstance(value, list):
        return [unwrap_option(v) for v in value]
    return value


class TooDeepError(ValueError):
    """A raw value nests deeper than ``MAX_DEPTH``."""

    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_DEPTH} levels deep")


_BLOCK_END = ("paragraph", "heading", "listItem", "codeBlock", "blockquote")


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format tree (Jira Cloud v3 bodies); deeper than
    ``MAX_DEPTH`` is refused (so the recursion stays far below Python's limit)."""
    parts: list[str] = []
    _adf_parts(node, parts, 0)
    text = "".join(parts)
    if "\n\n\n" in text:  # rare: skip the regex otherwise (hot path)
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def _adf_parts(item: Any, parts: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise TooDeepError
    if isinstance(item, list):
        for child in item:
            _adf_parts(child, parts, depth + 1)
        return
    if not isinstance(item, dict):
        return
    kind = item.get("type")
    if kind == "text":
        parts.append(str(item.get("text", "")))
    elif kind in ("mention", "emoji", "status", "date") and isinstance(item.get("attrs"), Mapping):
        attrs = item["attrs"]
        parts.append(str(attrs.get("text") or attrs.get("shortName") or ""))
    elif kind == "hardBreak":
        parts.append("\n")
    children = item.get("content")
    if isinstance(children, list | tuple):
        for child in children:
            _adf_parts(child, parts, depth + 1)
    if kind in _BLOCK_END:
        parts.append("\n")


def to_text(value: Any) -> str | None:
    """Any raw value as display text: ADF docs, options, lists, numbers; None when empty."""
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("type") == "doc":
            text = adf_text(value)
        else:
            inner = unwrap_option(value)
            text = str(inner) if not isinstance(inner, dict) else ""
    elif isinstance(value, list):
        check_depth(value)
        items = [t for t in (to_text(v) for v in value) if t]
        text = ", ".join(items)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = text.strip()
    return text or None


def check_depth(value: Any) -> None:
    """Raise ``TooDeepError`` when ``value`` nests deeper than ``MAX_DEPTH`` (walked iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeepError
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))


def in_supported_range(moment: datetime) -> datetime:
    """``moment``, or ValueError when outside ``EARLIEST``..``LATEST`` (aware datetimes)."""
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{moment.isoformat()} is outside the supported date range ({SUPPORTED_RANGE})")
    return moment


def parse_time(value: Any) -> datetime | None:
    """Platform timestamps: ISO 8601 (with ``Z`` or ``-0700`` offsets), epoch seconds or ms,
    or a JSM ``DateDTO``. Naive timestamps are refused: a wrong timezone would move every clock;
    so are times outside the supported range (``SUPPORTED_RANGE``)."""
    if type(value) is str:  # the common case first (hot path)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)  # 3.11+: "Z" and "-0700" offsets too
        except ValueError:
            moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            raise ValueError(f"timestamp {value!r} has no timezone")
        try:
            return in_supported_range(moment)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 has no UTC equivalent
            raise ValueError(f"{value!r} is outside the supported date range ({SUPPORTED_RANGE})") from None
    if value is None:
        return None
    if isinstance(value, dict):
        if "epochMillis" in value:
            return _from_epoch(value["epochMillis"], 1000)
        return parse_time(value.get("iso8601"))
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")  # noqa: TRY004 - callers handle ValueError
    if isinstance(value, int | float):
        return _from_epoch(value, 1000 if value > 10_000_000_000 else 1)
    return parse_time(str(value))


def _from_epoch(value: Any, per_second: int) -> datetime:
    try:
        moment = datetime.fromtimestamp(float(value) / per_second, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):  # NaN, 1e308, year beyond 9999
        raise ValueError(f"epoch time {value!r} is outside the supported range ({SUPPORTED_RANGE})") from None
    return in_supported_range(moment)


def casefold_set(values: Iterable[str]) -> frozenset[str]:
    return _casefold_set(tuple(values))


@lru_cache(maxsize=1024)
def _casefold_set(values: tuple[str, ...]) -> frozenset[str]:
    # Mapping rules are the same for every ticket: fold each list once (hot path).
    return frozenset(v.casefold() for v in values)


_FOLDED: dict[int, tuple[Any, Any]] = {}
V = TypeVar("V")


def folded_map(mapping: dict[str, V]) -> dict[str, V]:
    """``mapping`` with case-folded keys, computed once per mapping dict (hot path)."""
    hit = _FOLDED.get(id(mapping))
    if hit is not None and hit[0] is mapping:
        return cast("dict[str, V]", hit[1])
    folded = {str(k).casefold(): v for k, v in mapping.items()}
    _FOLDED[id(mapping)] = (mapping, folded)  # keeps ``mapping`` alive, so its id stays unique
    return folded
