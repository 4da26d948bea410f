"""A report's data written once to a private SQLite scratch table and streamed back per pass.

Each source (export files, the history store) is read once, in order, into a spool: one row
per complaint (``connector.spill``'s pattern: a temporary file, no journal, no fsync, removed
afterwards). Every report pass then parses one row at a time, so memory stays bounded however
many complaints there are, and a re-read of a few complaints (the audit sample) is an index
look-up by id, not a re-evaluation.

Columns: the id, the receipt time (POSIX seconds) and the backlog flags (counted, open,
flagged), so a trend pass counts the backlog without reading the records at all; the record
without its timeline, every finding (a JSON array), the findings in ``FULL_STATUSES`` again
whole (the audit's exceptions, a few in a hundred), and the timeline, which no pass reads (it is
often most of a record). A pass parses the record, each finding's head (``FindingHead``: what
builders read, about half the parsing of a whole finding) and the full findings; ``find``
re-reads chosen complaints whole, with their timelines.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, TypeAdapter
from pydantic_core import from_json, to_json

from compliance_checks.findings import Finding, Status
from compliance_checks.model import TIMELINE_JSON, ComplaintRecord, Stage
from connector.spill import SCRATCH_PRAGMAS
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

_RECORD = TypeAdapter(ComplaintRecord)
_FINDINGS = TypeAdapter(tuple[Finding, ...])
_HEADS = TypeAdapter(tuple[FindingHead, ...])
#: The ``full`` column of a complaint without such findings.
_NO_FULL = "[]"
#: Rows per insert batch, and ids per look-up.
_BATCH = 100
_SCHEMA = """
    CREATE TABLE item (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        received_ts REAL NOT NULL,
        counted INTEGER NOT NULL,
        is_open INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        record TEXT NOT NULL,
        findings TEXT NOT NULL,
        full TEXT NOT NULL,
        timeline TEXT NOT NULL
    );
"""


class _Row(NamedTuple):
    """One complaint as the table holds it (both writers make these)."""

    id: str
    received_ts: float
    counted: bool
    is_open: bool
    flagged: bool
    record: str
    findings: str
    full: str
    timeline: str


def _pass_findings(heads: tuple[FindingHead, ...], full: str) -> tuple[AnyFinding, ...]:
    """The heads with each ``FULL_STATUSES`` one replaced by its full finding (same order)."""
    if full == _NO_FULL:
        return heads
    whole = iter(_FINDINGS.validate_json(full))
    return tuple(next(whole) if h.status in FULL_STATUSES else h for h in heads)


class StoredItem(NamedTuple):
    """A complaint as our own code stored it: the mapped record's JSON and each finding's
    (status, payload JSON). Spooled without parsing them into models (the report pass parses
    each row once anyway): parsing and re-serialising was most of a store read's time."""

    record_json: str
    findings: tuple[tuple[str, str], ...]
    #: The record's timeline as stored apart (store migration 0005); None: a record stored
    #: whole, split here (no writer of ours stores one since 0005; kept readable all the same).
    timeline_json: str | None = None


def _dumps(value: object) -> str:
    """Compact JSON, non-ASCII kept (as ``json.dumps(..., ensure_ascii=False)`` writes it).

    pydantic-core's encoder: a store read re-encodes every record, and this one is faster than
    the ``json`` module's."""
    return to_json(value).decode()


def _json_array(values: Iterable[str]) -> str:
    """A JSON array of JSON texts, each one whole value (stored finding payloads, which the
    store's run verification vouches for); cheaper than parsing and re-encoding them."""
    return f"[{','.join(values)}]"


def _row(item: Item) -> _Row:
    """A parsed complaint as a row."""
    record = item.record
    findings = full_findings(item.findings)
    short = brief(record, findings)
    whole = tuple(f for f in findings if f.status in FULL_STATUSES)
    return _Row(
        id=record.id,
        received_ts=record.received_at.timestamp(),
        counted=short.counted,
        is_open=short.is_open,
        flagged=short.flagged,
        record=record.model_copy(update={"timeline": ()}).model_dump_json(exclude_defaults=True),
        findings=_FINDINGS.dump_json(findings, exclude_defaults=True).decode(),
        full=_FINDINGS.dump_json(whole, exclude_defaults=True).decode() if whole else _NO_FULL,
        timeline=TIMELINE_JSON.dump_json(record.timeline).decode(),
    )


# Stored statuses are compared as text: an enum lookup per finding was a tenth of a store read.
_STATUS_VALUES = frozenset(status.value for status in Status)
_NEEDS_ACTION_VALUES = frozenset(status.value for status in Status if status.needs_action)
_FULL_VALUES = frozenset(status.value for status in FULL_STATUSES)


class _RecordHead(BaseModel):
    """The values of a stored record that the spool's own columns hold (parsed alone, the
    record's other values are skipped rather than built)."""

    id: str
    received_at: datetime
    in_scope: bool = True
    deleted: bool = False
    stage: Stage = Stage.RECEIVED


_RECORD_HEAD = TypeAdapter(_RecordHead)


def _stored_row(item: StoredItem) -> _Row:
    """A stored complaint as a row: the slim record and its timeline pass through as text when
    stored apart, else the record's JSON is split into them as plain JSON values (no model
    validation); the finding payloads pass through as text."""
    if item.timeline_json is None:
        doc = from_json(item.record_json)
        timeline = _dumps(doc.pop("timeline", []))
        record = _dumps(doc)
        head = _RECORD_HEAD.validate_python(doc)
    else:
        timeline, record = item.timeline_json, item.record_json
        head = _RECORD_HEAD.validate_json(record)
    statuses = {status for status, _ in item.findings}
    if not statuses <= _STATUS_VALUES:
        raise ValueError(f"unknown finding status in the store: {sorted(statuses - _STATUS_VALUES)}")
    return _Row(
        id=head.id,
        received_ts=head.received_at.timestamp(),
        counted=head.in_scope and not head.deleted,
        is_open=not head.stage.is_finished,
        flagged=not statuses.isdisjoint(_NEEDS_ACTION_VALUES),
        record=record,
        findings=_json_array(payload for _, payload in item.findings),
        full=_json_array(payload for status, payload in item.findings if status in _FULL_VALUES),
        timeline=timeline,
    )


def _remove(db: sqlite3.Connection, folder: str) -> None:
    db.close()
    shutil.rmtree(folder, ignore_errors=True)


class Spool:
    """Complaints in a scratch SQLite table (removed with the object, or by ``close``)."""

    def __init__(self, directory: Path | None = None) -> None:
        folder = tempfile.mkdtemp(prefix="iso10002-report-", dir=directory)
        self.path = Path(folder) / "items.sqlite"
        self._db = self._connect(self.path)
        self._db.executescript(SCRATCH_PRAGMAS + _SCHEMA)
        # Removed when the spool is garbage-collected (or at exit), without a warning.
        self._cleanup: Callable[[], object] = weakref.finalize(self, _remove, self._db, folder)
        self.count = 0
        self._briefs: list[Brief] | None = None

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # A pass may be read on another thread than the one that wrote it (never two at once).
        return sqlite3.connect(path, check_same_thread=False)

    @classmethod
    def existing(cls, path: Path) -> Spool:
        """A spool written earlier (kept: the caller owns it)."""
        spool = cls.__new__(cls)
        spool.path = path
        spool._db = cls._connect(path)
        spool._cleanup = spool._db.close
        spool._briefs = None
        spool.count = int(spool._db.execute("SELECT count(*) FROM item").fetchone()[0])
        return spool

    def close(self) -> None:
        self._cleanup()

    def write(self, items: Iterable[Item | StoredItem]) -> int:
        """Append ``items``; returns how many were written."""
        written = 0
        rows = (_stored_row(item) if isinstance(item, StoredItem) else _row(item) for item in items)
        insert = "INSERT INTO item VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        with self._db:
            while batch := list(islice(rows, _BATCH)):
                self._db.executemany(insert, batch)
                written += len(batch)
            # One index after the bulk load is far cheaper than keeping it during inserts.
            self._db.execute("CREATE INDEX IF NOT EXISTS item_id ON item (id)")
        self.count += written
        self._briefs = None
        return written

    def items(self, until: datetime | None = None) -> Iterator[Item]:
        """Every complaint (received at or before ``until``, when given), parsed: finding heads,
        and full findings for ``FULL_STATUSES`` (see the module docstring)."""
        query = "SELECT record, findings, full FROM item"
        if until is None:
            rows = self._db.execute(f"{query} ORDER BY seq")
        else:
            rows = self._db.execute(f"{query} WHERE received_ts <= ? ORDER BY seq", (until.timestamp(),))
        for record, findings, full in rows:
            yield Item(_RECORD.validate_json(record), _pass_findings(_HEADS.validate_json(findings), full))

    def find(self, ids: Collection[str]) -> Iterator[Item]:
        """The complaints with these ids (in the order written), with their full timelines."""
        wanted = sorted(set(ids))
        found: list[tuple[int, str, str, str]] = []
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            found.extend(
                self._db.execute(
                    f"SELECT seq, record, findings, timeline FROM item WHERE id IN ({marks})",  # noqa: S608 - placeholders only
                    chunk,
                )
            )
        for _seq, record, findings, timeline in sorted(found):
            whole = _RECORD.validate_json(record).model_copy(
                update={"timeline": TIMELINE_JSON.validate_json(timeline)}
            )
            yield Item(whole, _FINDINGS.validate_json(findings))

    def briefs(self, until: datetime | None = None) -> Iterator[Brief]:
        """What a backlog count needs, from the id, time and flag columns (read once, then
        kept: about 50 bytes a complaint), never from the records."""
        if self._briefs is None:
            columns = "id, received_ts, counted, is_open, flagged"
            rows = self._db.execute(f"SELECT {columns} FROM item ORDER BY seq")  # noqa: S608 - constant text
            self._briefs = [
                Brief(id=i, received_ts=ts, counted=bool(c), is_open=bool(o), flagged=bool(f))
                for i, ts, c, o, f in rows
            ]
        if until is None:
            return iter(self._briefs)
        limit = until.timestamp()
        return (b for b in self._briefs if b.received_ts <= limit)

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
