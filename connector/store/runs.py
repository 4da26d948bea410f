"""Evaluation runs and their findings: append-only, each run's hash chained to the previous.

``content_hash = sha256(canonical JSON of the run's metadata, its findings and prev_hash)``.
Editing any stored finding, or any run field, or removing a run breaks the chain, which
:func:`verify_chain` reports.

A finding's ``check`` and ``status`` columns are copies of its hashed payload's, kept for
indexes and SQL: readers take both from the payload (:func:`payload_field`), and the verifiers
require the copies to match, so an edited copy is reported, never shown.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, cast, func, insert, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from connector.store.chunking import chunks
from connector.store.engine import GENESIS, StoreError
from connector.store.models import ChainHead, FindingRow, RunRow
from connector.store.tickets import canonical_json, sha256_text


class _PayloadField(FunctionElement[str]):
    """One top-level text field of ``findings.payload`` (the hashed JSON), read in SQL."""

    type = String()
    inherit_cache = True
    name = "payload_field"


def _inline(kw: dict[str, Any]) -> dict[str, Any]:
    # The key (one of ours, never input) as a literal: PostgreSQL matches a GROUP BY expression
    # to the selected one only when both are the same text, not two parameters.
    return {**kw, "literal_binds": True}


@compiles(_PayloadField)
def _payload_field_sqlite(element: _PayloadField, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = element.clauses.clauses
    return compiler.process(type_coerce(column, JSON)[key.value].as_string(), **_inline(kw))


@compiles(_PayloadField, "postgresql")
def _payload_field_postgresql(element: _PayloadField, compiler: SQLCompiler, **kw: Any) -> str:
    # The column is text: PostgreSQL needs the cast before ``->>``.
    column, key = element.clauses.clauses
    return compiler.process(cast(column, JSON)[key.value].as_string(), **_inline(kw))


def payload_field(key: str) -> ColumnElement[str]:
    """``FindingRow.payload``'s ``key`` (e.g. ``status``): what SQL readers group or filter by
    instead of the unhashed copy in the column of that name."""
    return _PayloadField(FindingRow.payload, key)


class StoreTampered(StoreError):
    """Stored runs or findings fail verification (edited, removed or reordered)."""

    def __init__(self, problems: Sequence[ChainProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(f"the store fails verification: {shown}{more}; run `iso10002 verify-store`")


@dataclass(frozen=True)
class RunMeta:
    """What a run was evaluated with (enough to reproduce it)."""

    kind: str
    started_at: datetime
    as_of: datetime
    policy_hash: str
    mapping_hashes: Mapping[str, str]
    waivers_hash: str
    holidays_version: str
    code_version: str


@dataclass(frozen=True)
class StoredFinding:
    source: str
    ticket: str
    payload: dict[str, Any]


def _finding_key(f: StoredFinding) -> tuple[str, str, str]:
    return (f.source, f.ticket, str(f.payload.get("check")))


def _material(run: RunRow, findings: Any) -> dict[str, Any]:
    return {
        "kind": run.kind,
        "started_at": run.started_at.isoformat(),
        "as_of": run.as_of.isoformat(),
        "policy_hash": run.policy_hash,
        "mapping_hashes": run.mapping_hashes,
        "waivers_hash": run.waivers_hash,
        "holidays_version": run.holidays_version,
        "code_version": run.code_version,
        "tickets": run.tickets,
        "errors": run.errors,
        "prev_hash": run.prev_hash,
        "findings": findings,
    }


def content_hash(run: RunRow, findings: Iterable[tuple[str, str, str]]) -> str:
    """The run's hash from its stored fields and its findings' (source, ticket, payload text)."""
    return sha256_text(canonical_json(_material(run, sorted(findings))))


#: Stands in for the findings list while the JSON around it is rendered (a string that
#: cannot occur in the material: its JSON form is unique in the canonical text).
_PLACEHOLDER = "\x00findings\x00"


class RunHasher:
    """:func:`content_hash` computed incrementally: feed the findings already in sorted
    ``(source, ticket, payload text)`` order, one at a time, so a run of any size hashes in
    constant memory. The bytes hashed are exactly ``canonical_json`` of the whole material."""

    def __init__(self, run: RunRow) -> None:
        text = canonical_json(_material(run, _PLACEHOLDER))
        prefix, suffix = text.split(canonical_json(_PLACEHOLDER))
        self._suffix = suffix
        self._digest = hashlib.sha256((prefix + "[").encode("utf-8"))
        self._first = True
        self._last: tuple[str, str, str] | None = None

    def add(self, source: str, ticket: str, payload: str) -> None:
        item = (source, ticket, payload)
        if self._last is not None and item < self._last:
            raise ValueError("findings must be hashed in sorted (source, ticket, payload) order")
        self._last = item
        self._digest.update(((",", "")[self._first] + canonical_json(item)).encode("utf-8"))
        self._first = False

    def hexdigest(self) -> str:
        final = self._digest.copy()
        final.update(("]" + self._suffix).encode("utf-8"))
        return final.hexdigest()


@dataclass(frozen=True)
class TicketFindings:
    """One ticket's findings as stored: payload texts in evaluation (policy) order."""

    source: str
    ticket: str
    #: (check, status, canonical payload JSON) per finding.
    rows: tuple[tuple[str, str, str], ...]


def ticket_findings(source: str, ticket: str, payloads: Iterable[dict[str, Any]]) -> TicketFindings:
    rows = tuple((str(p["check"]), str(p["status"]), canonical_json(p)) for p in payloads)
    return TicketFindings(source, ticket, rows)


#: Findings inserted per statement.
INSERT_BATCH = 1000


def append_run(
    session: Session,
    meta: RunMeta,
    findings: Sequence[StoredFinding],
    *,
    tickets: int,
    errors: Sequence[str] = (),
) -> RunRow:
    """Append a run with its findings, chained to the last run (locks the chain head)."""
    ordered = sorted(findings, key=_finding_key)
    grouped = (
        ticket_findings(source, ticket, (f.payload for f in group))
        for (source, ticket), group in groupby(ordered, key=lambda f: (f.source, f.ticket))
    )
    return append_run_stream(session, meta, grouped, tickets=tickets, errors=errors)


def append_run_stream(
    session: Session,
    meta: RunMeta,
    findings: Iterable[TicketFindings],
    *,
    tickets: int,
    errors: Sequence[str] = (),
) -> RunRow:
    """Append a run whose findings come one ticket at a time in ascending (source, ticket)
    order (each key once): inserted in batches and hashed as they pass, never all in memory.

    Rows are inserted in the given order (a ticket's findings in evaluation order, which is
    what ``run_findings`` hands back); the hash sorts each ticket's payloads, so it equals
    :func:`content_hash` of the stored rows."""
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1).with_for_update())
    if head is None:
        raise RuntimeError("store not initialised (no chain head)")
    run = RunRow(
        kind=meta.kind, started_at=meta.started_at, as_of=meta.as_of, policy_hash=meta.policy_hash,
        mapping_hashes=canonical_json(dict(meta.mapping_hashes)), waivers_hash=meta.waivers_hash,
        holidays_version=meta.holidays_version, code_version=meta.code_version, tickets=tickets,
        errors=canonical_json(list(errors)), prev_hash=head.last_hash, content_hash="",
    )
    session.add(run)
    # Hash what the database will hand back: timestamps are re-read through the column type.
    session.flush()
    session.refresh(run)
    hasher = RunHasher(run)
    batch: list[dict[str, Any]] = []
    for item in findings:
        for payload in sorted(text for _check, _status, text in item.rows):
            hasher.add(item.source, item.ticket, payload)
        batch.extend(
            {"run_id": run.id, "source": item.source, "ticket": item.ticket, "check": check,
             "status": status, "payload": text}
            for check, status, text in item.rows
        )
        if len(batch) >= INSERT_BATCH:
            session.execute(insert(FindingRow), batch)
            batch = []
    if batch:
        session.execute(insert(FindingRow), batch)
    run.content_hash = hasher.hexdigest()
    head.last_hash = run.content_hash
    head.last_run_id = run.id
    session.flush()
    return run


@dataclass(frozen=True)
class ChainProblem:
    run_id: int
    message: str

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.message}"


#: Tickets whose findings are read per query while verifying or comparing.
TICKET_CHUNK = 500



def _by_source(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for source, ticket in keys:
        grouped[source].append(ticket)
    return grouped


def _copies_match(check: str, status: str, payload: str) -> bool:
    """Whether a finding row's ``check`` and ``status`` columns are its payload's."""
    try:
        doc = json.loads(payload)
    except ValueError:
        return False  # an edited payload: the hash reports it
    return isinstance(doc, dict) and doc.get("check") == check and doc.get("status") == status


def _stored_hash(session: Session, run: RunRow) -> tuple[str, int]:
    """The run's content hash recomputed from its stored rows, a chunk of tickets at a time,
    and how many of its rows have ``check``/``status`` columns that differ from the payload.

    The order comes from Python (tickets sorted here, payloads sorted within a chunk), never
    from SQL, whose string collation differs between backends."""
    hasher = RunHasher(run)
    mismatched = 0
    keys = sorted(
        (str(s), str(t)) for s, t in session.execute(
            select(FindingRow.source, FindingRow.ticket).where(FindingRow.run_id == run.id).distinct()
        )
    )
    for chunk in chunks(keys, TICKET_CHUNK):
        rows: list[tuple[str, str, str]] = []
        for source, tickets in _by_source(chunk).items():
            query = select(
                FindingRow.source, FindingRow.ticket, FindingRow.check, FindingRow.status, FindingRow.payload
            ).where(FindingRow.run_id == run.id, FindingRow.source == source, FindingRow.ticket.in_(tickets))
            for s, t, check, status, p in session.execute(query):
                rows.append((s, t, p))
                mismatched += not _copies_match(check, status, p)
        for source, ticket, payload in sorted(rows):
            hasher.add(source, ticket, payload)
    return hasher.hexdigest(), mismatched


def _run_problems(session: Session, run: RunRow, previous: str) -> list[ChainProblem]:
    """What is wrong with one stored run, given the hash of the run before it."""
    problems: list[ChainProblem] = []
    if run.prev_hash != previous:
        problems.append(ChainProblem(run.id, "does not link to the previous run (removed or edited)"))
    digest, mismatched = _stored_hash(session, run)
    if digest != run.content_hash:
        problems.append(ChainProblem(run.id, "content does not match its hash (run or findings edited)"))
    if mismatched:
        problems.append(ChainProblem(
            run.id, f"{mismatched} finding(s) whose check or status column differs from the "
            "hashed finding (edited)"
        ))
    return problems


def verify_chain(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute every run's hash and the links between runs. Returns (runs, problems)."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    count = 0
    run_ids = list(session.scalars(select(RunRow.id).order_by(RunRow.id)))
    for run_id in run_ids:
        run = session.get_one(RunRow, run_id)
        count += 1
        problems.extend(_run_problems(session, run, previous))
        previous = run.content_hash
        session.expunge(run)
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1))
    if head is not None and head.last_hash != previous:
        problems.append(ChainProblem(head.last_run_id or 0, "the last run is missing (chain head differs)"))
    return count, problems


def ensure_verified(session: Session, run_ids: Iterable[int], verified: set[int]) -> None:
    """Verify the given runs (their content, copies and link to the run before), skipping
    those in ``verified`` and adding the others; raises :class:`StoreTampered`.

    For readers that show a run's findings: cheaper than :func:`verify_chain` (only the runs
    read), and what they show is then what was recorded."""
    problems: list[ChainProblem] = []
    for run_id in sorted(set(run_ids) - verified):
        run = session.get_one(RunRow, run_id)
        before = session.scalar(
            select(RunRow.content_hash).where(RunRow.id < run_id).order_by(RunRow.id.desc()).limit(1)
        )
        problems.extend(_run_problems(session, run, before or GENESIS))
        verified.add(run_id)
    if problems:
        raise StoreTampered(problems)


def latest_findings(
    session: Session, *, source: str | None = None, ticket: str | None = None
) -> dict[tuple[str, str], tuple[int, list[dict[str, Any]]]]:
    """Per (source, ticket): the id of the last run that evaluated it and that run's findings."""
    latest = select(
        FindingRow.source, FindingRow.ticket, func.max(FindingRow.run_id).label("run_id")
    ).group_by(FindingRow.source, FindingRow.ticket)
    if source is not None:
        latest = latest.where(FindingRow.source == source)
    if ticket is not None:
        latest = latest.where(FindingRow.ticket == ticket)
    sub = latest.subquery()
    query = select(FindingRow).join(
        sub,
        (FindingRow.source == sub.c.source)
        & (FindingRow.ticket == sub.c.ticket)
        & (FindingRow.run_id == sub.c.run_id),
    ).order_by(FindingRow.source, FindingRow.ticket, FindingRow.id)
    out: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = {}
    for row in session.scalars(query):
        key = (row.source, row.ticket)
        out.setdefault(key, (row.run_id, []))[1].append(json.loads(row.payload))
    for _run_id, payloads in out.values():
        payloads.sort(key=lambda p: str(p.get("check")))  # by the hashed check, not its copy
    return out


def latest_findings_of(
    session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, list[dict[str, Any]]]]:
    """:func:`latest_findings` of just these (source, ticket) keys, a few queries per chunk."""
    out: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = {}
    for chunk in chunks(sorted(keys), TICKET_CHUNK):
        for source, tickets in _by_source(chunk).items():
            latest = (
                select(FindingRow.ticket, func.max(FindingRow.run_id).label("run_id"))
                .where(FindingRow.source == source, FindingRow.ticket.in_(tickets))
                .group_by(FindingRow.ticket)
                .subquery()
            )
            query = (
                select(FindingRow.ticket, FindingRow.run_id, FindingRow.payload)
                .join(latest, (FindingRow.ticket == latest.c.ticket) & (FindingRow.run_id == latest.c.run_id))
                # The ticket filter again, outside: without it SQLite reads every finding of the
                # source through the index and the cost of one ticket grows with the store.
                .where(FindingRow.source == source, FindingRow.ticket.in_(tickets))
                .order_by(FindingRow.id)
            )
            for ticket, run_id, payload in session.execute(query):
                out.setdefault((source, ticket), (run_id, []))[1].append(json.loads(payload))
    return out


def run_findings(session: Session, run_id: int) -> list[StoredFinding]:
    rows = session.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id))
    return [StoredFinding(r.source, r.ticket, json.loads(r.payload)) for r in rows]


def last_finding_id(session: Session) -> int:
    """The newest stored finding's id (0 when none): grows whenever findings are recorded."""
    return int(session.scalar(select(func.max(FindingRow.id))) or 0)


def last_runs(session: Session, limit: int = 5) -> list[RunRow]:
    return list(session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)))


def status_counts(session: Session) -> dict[str, int]:
    """Statuses of the latest findings of every ticket (for metrics and ``status``), in SQL:
    the metrics update after every check, so this must not parse every stored finding in
    Python. The status is the hashed payload's (an edited ``status`` column is not counted)."""
    sub = (
        select(FindingRow.source, FindingRow.ticket, func.max(FindingRow.run_id).label("run_id"))
        .group_by(FindingRow.source, FindingRow.ticket)
        .subquery()
    )
    status = payload_field("status")
    query = (
        select(status, func.count(FindingRow.id))
        .join(sub, (FindingRow.source == sub.c.source) & (FindingRow.ticket == sub.c.ticket)
              & (FindingRow.run_id == sub.c.run_id))
        .group_by(status)
    )
    return {status: int(n) for status, n in session.execute(query).all()}
