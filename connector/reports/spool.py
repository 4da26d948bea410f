"""A report's data written once to a private temporary file and streamed back per pass.

Each source (export files, the history store) is read once, in order, into a spool: one line
per complaint, its record and findings as JSON. Every report pass then parses one line at a
time, so memory stays bounded however many complaints there are, and a re-read of a few
complaints (the audit sample) costs a scan of the line prefixes, not a re-evaluation.

Line format: ``<id>\\t<received_at POSIX seconds>\\t<flags>\\t<JSON>\\t<full>\\t<timeline JSON>\\n``
(id as JSON). ``<JSON>`` holds the record (without its timeline) and every finding; ``<full>``
repeats, as a JSON array, the findings in ``FULL_STATUSES`` (the audit's exceptions, a few in a
hundred). A pass parses the record, each finding's head (``FindingHead``: what builders read,
about half the parsing of a whole finding) and the full findings, not the timeline, which no
pass reads (it is often most of a record); ``find`` re-reads chosen complaints whole, with their
timelines. The first three fields are also written to a small side file, so a trend pass counts
the backlog (flags: counted, open, flagged) without reading the records at all.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic_core import from_json, to_json

from compliance_checks.findings import Finding, Status
from compliance_checks.model import TIMELINE_JSON, ComplaintRecord, Stage
from report_templates.input import (
    FULL_STATUSES,
    AnyFinding,
    Brief,
    FindingHead,
    Item,
    StreamSnapshot,
    brief,
    full_findings,
)


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True)

    record: ComplaintRecord
    findings: tuple[Finding, ...]


class _PassLine(BaseModel):
    """A line's record and finding heads (each finding's other fields are skipped)."""

    model_config = ConfigDict(frozen=True)

    record: ComplaintRecord
    findings: tuple[FindingHead, ...]


_FINDINGS = TypeAdapter(tuple[Finding, ...])
#: The ``<full>`` field of a line without such findings.
_NO_FULL = "[]"


def _pass_findings(heads: tuple[FindingHead, ...], full: str) -> tuple[AnyFinding, ...]:
    """The heads with each ``FULL_STATUSES`` one replaced by its full finding (same order)."""
    if full == _NO_FULL:
        return heads
    whole = iter(_FINDINGS.validate_json(full))
    return tuple(next(whole) if h.status in FULL_STATUSES else h for h in heads)


class StoredItem(NamedTuple):
    """A complaint as our own code stored it: the mapped record's JSON and each finding's
    (status, payload JSON). Spooled without parsing them into models (the report pass parses
    each line once anyway): parsing and re-serialising was most of a store read's time."""

    record_json: str
    findings: tuple[tuple[str, str], ...]
    #: The record's timeline as stored apart (store migration 0005); None: a record stored
    #: whole, split here (no writer of ours stores one since 0005; kept readable all the same).
    timeline_json: str | None = None


def _compact(text: str) -> str:
    """JSON text fit for one field of a spool line (no raw tab or newline)."""
    if "\t" in text or "\n" in text:
        return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    return text


def _dumps(value: object) -> str:
    """Compact JSON, non-ASCII kept (as ``json.dumps(..., ensure_ascii=False)`` writes it).

    pydantic-core's encoder: a store read re-encodes every record, and this is about 1.6x
    faster than the ``json`` module's."""
    return to_json(value).decode()


def _prefix(ident: str, received: datetime, counted: bool, is_open: bool, flagged: bool) -> str:
    return f"{json.dumps(ident)}\t{received.timestamp()!r}\t{int(counted)}{int(is_open)}{int(flagged)}"


def _line(item: Item) -> tuple[str, str, str, str]:
    """A parsed complaint as (prefix, body, full, timeline) fields of a spool line."""
    record = item.record
    findings = full_findings(item.findings)
    short = brief(record, findings)
    slim = record.model_copy(update={"timeline": ()})
    body = _Line(record=slim, findings=findings).model_dump_json(exclude_defaults=True)
    whole = tuple(f for f in findings if f.status in FULL_STATUSES)
    full = _FINDINGS.dump_json(whole, exclude_defaults=True).decode() if whole else _NO_FULL
    timeline = TIMELINE_JSON.dump_json(record.timeline).decode()
    prefix = _prefix(record.id, record.received_at, short.counted, short.is_open, short.flagged)
    return prefix, body, full, timeline


# Stored statuses are compared as text: an enum lookup per finding was a tenth of a store read.
_STATUS_VALUES = frozenset(status.value for status in Status)
_NEEDS_ACTION_VALUES = frozenset(status.value for status in Status if status.needs_action)
_FULL_VALUES = frozenset(status.value for status in FULL_STATUSES)


def _stored_line(item: StoredItem) -> tuple[str, str, str, str]:
    """A stored complaint as spool line fields: the slim record and its timeline pass through
    as text when stored apart, else the record's JSON is split into them as plain JSON values
    (no model validation); the finding payloads pass through as text."""
    doc = from_json(item.record_json)
    if item.timeline_json is None:
        timeline = _dumps(doc.pop("timeline", []))
        record = _dumps(doc)
    else:
        timeline, record = _compact(item.timeline_json), _compact(item.record_json)
    counted = bool(doc.get("in_scope", True)) and not doc.get("deleted", False)
    is_open = not Stage(doc.get("stage", Stage.RECEIVED.value)).is_finished
    statuses = {status for status, _ in item.findings}
    if not statuses <= _STATUS_VALUES:
        raise ValueError(f"unknown finding status in the store: {sorted(statuses - _STATUS_VALUES)}")
    flagged = not statuses.isdisjoint(_NEEDS_ACTION_VALUES)
    received = datetime.fromisoformat(doc["received_at"])
    payloads = [(status, _compact(payload)) for status, payload in item.findings]
    body = f'{{"record":{record},"findings":[{",".join(p for _, p in payloads)}]}}'
    full = f"[{','.join(p for status, p in payloads if status in _FULL_VALUES)}]"
    return _prefix(doc["id"], received, counted, is_open, flagged), body, full, timeline


class Spool:
    """Complaints in a temporary file (removed with the object, or by ``close``)."""

    def __init__(self, directory: Path | None = None) -> None:
        folder = tempfile.mkdtemp(prefix="iso10002-report-", dir=directory)
        # Removed when the spool is garbage-collected (or at exit), without a warning.
        self._cleanup: Callable[[], object] = weakref.finalize(
            self, shutil.rmtree, folder, ignore_errors=True
        )
        self.path = Path(folder) / "items.jsonl"
        self.path.touch()
        self.brief_path.touch()
        self.count = 0
        self._briefs: list[Brief] | None = None

    @property
    def brief_path(self) -> Path:
        return self.path.with_suffix(".briefs")

    @classmethod
    def existing(cls, path: Path) -> Spool:
        """A spool file written earlier (kept: the caller owns it)."""
        spool = cls.__new__(cls)
        spool._cleanup = lambda: None
        spool._briefs = None
        spool.path = path
        with path.open(encoding="utf-8") as handle:
            spool.count = sum(1 for _ in handle)
        return spool

    def close(self) -> None:
        self._cleanup()

    def write(self, items: Iterable[Item | StoredItem]) -> int:
        """Append ``items``; returns how many were written."""
        written = 0
        with (
            self.path.open("a", encoding="utf-8") as handle,
            self.brief_path.open("a", encoding="utf-8") as briefs,
        ):
            for item in items:
                fields = _stored_line(item) if isinstance(item, StoredItem) else _line(item)
                handle.write("\t".join(fields) + "\n")
                briefs.write(fields[0] + "\n")
                written += 1
        self.count += written
        self._briefs = None
        return written

    def _lines(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield line.split("\t", 5)

    def items(self, until: datetime | None = None) -> Iterator[Item]:
        """Every complaint (received at or before ``until``, when given), parsed: finding heads,
        and full findings for ``FULL_STATUSES`` (see the module docstring)."""
        limit = until.timestamp() if until is not None else None
        for _ident, stamp, _flags, body, full, _timeline in self._lines():
            if limit is not None and float(stamp) > limit:
                continue
            line = _PassLine.model_validate_json(body)
            yield Item(line.record, _pass_findings(line.findings, full))

    def find(self, ids: Collection[str]) -> Iterator[Item]:
        """The complaints with these ids, with their full timelines."""
        # Ids are written as ASCII JSON: lines are matched as bytes by their id alone, and only
        # a match is decoded and split (decoding every line was most of the sample's re-read).
        # A 1 MiB buffer: lines are kilobytes long, more than the default buffer holds.
        wanted = {json.dumps(i).encode("ascii") for i in ids}
        with self.path.open("rb", buffering=1 << 20) as handle:
            for line in handle:
                if line[: line.index(b"\t")] in wanted:
                    yield self._full(line.decode("utf-8"))

    @staticmethod
    def _full(line: str) -> Item:
        _ident, _stamp, _flags, body, _full, timeline = line.split("\t", 5)
        line_model = _Line.model_validate_json(body)
        record = line_model.record.model_copy(update={"timeline": TIMELINE_JSON.validate_json(timeline)})
        return Item(record, line_model.findings)

    def briefs(self, until: datetime | None = None) -> Iterator[Brief]:
        """What a backlog count needs, from the small side file (read once, then kept: about
        50 bytes a complaint), never from the records."""
        if self._briefs is None:
            self._briefs = list(self._read_briefs())
        if until is None:
            return iter(self._briefs)
        limit = until.timestamp()
        return (b for b in self._briefs if b.received_ts <= limit)

    def _read_briefs(self) -> Iterator[Brief]:
        with self.brief_path.open(encoding="utf-8") as handle:
            for line in handle:
                ident, stamp, flags = line.rstrip("\n").split("\t")
                yield Brief(
                    id=json.loads(ident) if "\\" in ident else ident[1:-1],
                    received_ts=float(stamp),
                    counted=flags[0] == "1",
                    is_open=flags[1] == "1",
                    flagged=flags[2] == "1",
                )

    def source(self, as_of: datetime, *, until: datetime | None = None) -> StreamSnapshot:
        """The spool as a report source evaluated at ``as_of`` (optionally only complaints
        received by ``until``: an earlier cut of the same data)."""
        if until is None:
            return StreamSnapshot(as_of, self.items, self.find, self.briefs)
        cut = until
        return StreamSnapshot(
            as_of,
            lambda: self.items(cut),
            lambda ids: (item for item in self.find(ids) if item.record.received_at <= cut),
            lambda: self.briefs(cut),
        )
