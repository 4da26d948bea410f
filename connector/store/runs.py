"""Evaluation runs and their findings: append-only, each run's hash chained to the previous.

A run's ``content_hash`` column holds :func:`run_hash`: ``sha256(canonical JSON of the run's
metadata, its findings and prev_hash)``.
Editing any stored finding, or any run field, or removing a run breaks the chain, which
:func:`verify_chain` reports.

Since hash format 2 (migration 0006) a run also records, per ticket it mapped and checked, the
ticket version it evaluated (``run_tickets``: snapshot id and digest, record digest), and its
hash covers that manifest: :func:`verify_chain` then checks each evaluated ``snapshots`` row
against it, and each ticket row still at its evaluated version (record, timeline, complaint
and deletion marks) against its newest entry. Runs of format 1 verify as they were recorded.

Since migration 0010 a ``findings`` row holds one ticket's findings of one run: their canonical
JSON texts (exactly the hashed texts), one per line, zstd-compressed. Every reader takes check
and status from those texts.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby, pairwise
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from connector.store.chunking import chunks
from connector.store.engine import GENESIS, StoreError
from connector.store.evaluations import versions_as_of
from connector.store.models import ChainHead, FindingRow, RunRow, RunTicketRow, SnapshotRow, TicketRow
from connector.store.tickets import canonical_json, record_matches, sha256_text
from connector.tally import Tally

#: Separates a ticket's finding texts in ``findings.payload``: canonical JSON escapes every
#: control character, so no text contains one.
LINE = "\n"


class _FindingHead(BaseModel):
    """What a reader sorts and counts a finding by. Parsed alone, a text's other values are
    skipped rather than built: a third of the cost of ``json.loads`` on a finding."""

    check: str
    status: str


_FINDING_HEAD = TypeAdapter(_FindingHead)


def finding_texts(payload: str) -> list[str]:
    """The finding texts of one stored ``findings.payload``, in the order they were stored."""
    return payload.split(LINE)


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


#: The hash format new runs are recorded with (``RunRow.hash_format``).
HASH_FORMAT = 2


@dataclass(frozen=True)
class TicketEntry:
    """A run's manifest entry: the ticket version it mapped and checked."""

    source: str
    ticket: str
    snapshot_id: int
    snapshot_sha256: str
    record_sha256: str

    def key(self) -> tuple[str, str, int, str, str]:
        return (self.source, self.ticket, self.snapshot_id, self.snapshot_sha256, self.record_sha256)


def manifest_digest(entries: Iterable[TicketEntry]) -> str:
    """The digest of a run's manifest: canonical JSON of its entries in (source, ticket) order,
    computed as they stream by (raises ValueError on entries out of order)."""
    digest = hashlib.sha256(b"[")
    last: tuple[str, str] | None = None
    for n, entry in enumerate(entries):
        if last is not None and (entry.source, entry.ticket) <= last:
            raise ValueError("manifest entries must be in ascending (source, ticket) order, each once")
        last = (entry.source, entry.ticket)
        digest.update(((",", "")[n == 0] + canonical_json(entry.key())).encode("utf-8"))
    digest.update(b"]")
    return digest.hexdigest()


def _material(run: RunRow, findings: Any, manifest: str | None = None) -> dict[str, Any]:
    # Format 1's material is unchanged (its runs verify as recorded); format 2 adds two keys.
    extra = {} if (run.hash_format or 1) == 1 else {"hash_format": run.hash_format, "tickets": manifest}
    return extra | {
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


def run_hash(
    run: RunRow, findings: Iterable[tuple[str, str, str]], manifest: str | None = None
) -> str:
    """The run's chain hash (stored as ``RunRow.content_hash``) from its stored fields, its
    findings' (source, ticket, payload text) and (format 2) its manifest's digest."""
    return sha256_text(canonical_json(_material(run, sorted(findings), manifest)))


#: Stands in for the findings list while the JSON around it is rendered (a string that
#: cannot occur in the material: its JSON form is unique in the canonical text).
_PLACEHOLDER = "\x00findings\x00"


class RunHasher:
    """:func:`run_hash` computed incrementally: feed the findings already in sorted
    ``(source, ticket, payload text)`` order, one at a time, so a run of any size hashes in
    constant memory. The bytes hashed are exactly ``canonical_json`` of the whole material."""

    def __init__(self, run: RunRow, manifest: str | None = None) -> None:
        text = canonical_json(_material(run, _PLACEHOLDER, manifest))
        prefix, suffix = text.split(canonical_json(_PLACEHOLDER))
        self._suffix = suffix
        self._digest = hashlib.sha256((prefix + "[").encode("utf-8"))
        self._first = True
        self._last: tuple[str, str, str] | None = None

    def add(self, source: str, ticket: str, payload: str) -> None:
        self.add_ticket(source, ticket, (payload,))

    def add_ticket(self, source: str, ticket: str, payloads: Sequence[str]) -> None:
        """One ticket's payload texts, already sorted: one JSON encoding for all of them."""
        if not payloads:
            return
        items = [(source, ticket, payload) for payload in payloads]
        if any(b < a for a, b in pairwise(items)) or (
            self._last is not None and items[0] < self._last
        ):
            raise ValueError("findings must be hashed in sorted (source, ticket, payload) order")
        self._last = items[-1]
        # The list's JSON without its brackets is exactly the items' JSON texts joined by commas.
        self._digest.update(((",", "")[self._first] + canonical_json(items)[1:-1]).encode("utf-8"))
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


#: Tickets' findings rows inserted per statement.
INSERT_BATCH = 500


def _row(run_id: int, item: TicketFindings) -> dict[str, Any]:
    """The ``findings`` row of one ticket's findings."""
    return {"run_id": run_id, "source": item.source, "ticket": item.ticket,
            "payload": LINE.join(text for _check, _status, text in item.rows)}


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
    manifest: Iterable[TicketEntry] = (),
) -> RunRow:
    """Append a run whose findings come one ticket at a time in ascending (source, ticket)
    order (each key once): inserted in batches and hashed as they pass, never all in memory.
    ``manifest``: the tickets mapped and checked, in the same order (recorded with their
    findings or not), hashed with the run (format 2).

    One row per ticket with findings, in the given order (a ticket's findings in evaluation
    order, which is what ``run_findings`` hands back); the hash sorts each ticket's payloads,
    so it equals :func:`run_hash` of the stored texts."""
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1).with_for_update())
    if head is None:
        raise RuntimeError("store not initialised (no chain head)")
    run = RunRow(
        kind=meta.kind, started_at=meta.started_at, as_of=meta.as_of, policy_hash=meta.policy_hash,
        mapping_hashes=canonical_json(dict(meta.mapping_hashes)), waivers_hash=meta.waivers_hash,
        holidays_version=meta.holidays_version, code_version=meta.code_version, tickets=tickets,
        errors=canonical_json(list(errors)), prev_hash=head.last_hash, content_hash="",
        hash_format=HASH_FORMAT,
    )
    session.add(run)
    # Hash what the database will hand back: timestamps are re-read through the column type.
    session.flush()
    session.refresh(run)
    hasher = RunHasher(run, _insert_manifest(session, run.id, manifest))
    batch: list[dict[str, Any]] = []
    for item in findings:
        hasher.add_ticket(item.source, item.ticket, sorted(text for _check, _status, text in item.rows))
        if item.rows:
            batch.append(_row(run.id, item))
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


def _insert_manifest(session: Session, run_id: int, manifest: Iterable[TicketEntry]) -> str:
    """Insert the run's manifest in batches; its digest."""
    batch: list[dict[str, Any]] = []

    def entries() -> Iterator[TicketEntry]:
        for entry in manifest:
            batch.append({"run_id": run_id, **entry.__dict__})
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(RunTicketRow), batch)
                batch.clear()
            yield entry

    digest = manifest_digest(entries())
    if batch:
        session.execute(insert(RunTicketRow), batch)
    return digest


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


def _stored_hash(session: Session, run: RunRow) -> str:
    """The run's content hash recomputed from its stored rows, a chunk of tickets at a time.

    The order comes from Python (tickets sorted here, payloads sorted within a chunk), never
    from SQL, whose string collation differs between backends."""
    hasher = RunHasher(run, _stored_manifest(session, run.id) if run.hash_format == HASH_FORMAT else None)
    keys = sorted(
        (str(s), str(t)) for s, t in session.execute(
            select(FindingRow.source, FindingRow.ticket).where(FindingRow.run_id == run.id).distinct()
        )
    )
    for chunk in chunks(keys, TICKET_CHUNK):
        rows: dict[tuple[str, str], list[str]] = defaultdict(list)
        for source, tickets in _by_source(chunk).items():
            query = select(FindingRow.source, FindingRow.ticket, FindingRow.payload).where(
                FindingRow.run_id == run.id, FindingRow.source == source, FindingRow.ticket.in_(tickets))
            for s, t, payload in session.execute(query):
                rows[(s, t)].extend(finding_texts(payload))
        for (source, ticket), texts in sorted(rows.items()):
            hasher.add_ticket(source, ticket, sorted(texts))
    return hasher.hexdigest()


def _stored_manifest(session: Session, run_id: int) -> str:
    """The digest of the run's stored manifest (sorted here: SQL collations differ)."""
    rows = session.execute(
        select(RunTicketRow.source, RunTicketRow.ticket, RunTicketRow.snapshot_id,
               RunTicketRow.snapshot_sha256, RunTicketRow.record_sha256).where(RunTicketRow.run_id == run_id)
    )
    entries = sorted((TicketEntry(*row) for row in rows), key=TicketEntry.key)
    try:
        return manifest_digest(entries)
    except ValueError:
        return "a ticket twice"  # an inserted entry: never a digest, so the hash differs


def _run_problems(session: Session, run: RunRow, previous: str) -> list[ChainProblem]:
    """What is wrong with one stored run, given the hash of the run before it."""
    problems: list[ChainProblem] = []
    if run.prev_hash != previous:
        problems.append(ChainProblem(run.id, "does not link to the previous run (removed or edited)"))
    if run.hash_format not in (1, HASH_FORMAT):
        problems.append(ChainProblem(run.id, f"unknown hash format {run.hash_format!r} (edited)"))
    if _stored_hash(session, run) != run.content_hash:
        problems.append(ChainProblem(run.id, "content does not match its hash (run or findings edited)"))
    return problems


def verify_chain(session: Session, tally: Tally | None = None) -> tuple[int, list[ChainProblem]]:
    """Recompute every run's hash and the links between runs. Returns (runs, problems);
    ``tally`` is told the progress after each run and before each whole-store check."""
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
        if tally is not None:
            tally("verifying runs", count, len(run_ids))
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1))
    if head is not None and head.last_hash != previous:
        problems.append(ChainProblem(head.last_run_id or 0, "the last run is missing (chain head differs)"))
    if tally is not None:
        tally("verifying stored versions and tickets", 0, None)
    problems.extend(grouped_problems(_snapshot_problems(session)))
    problems.extend(grouped_problems(_ticket_problems(session)))
    return count, problems


@dataclass(frozen=True)
class Evaluated:
    """A ticket's newest manifest entry (format-2 runs): the version its findings are from."""

    run_id: int
    run_as_of: datetime
    #: The mapping hash the run recorded for the ticket's source.
    mapping_hash: str | None
    #: The run's code version (the mapper of its record digests).
    code_version: str
    snapshot_id: int
    snapshot_sha256: str
    record_sha256: str


def evaluated_versions(
    session: Session, source: str, tickets: Collection[str], as_of: datetime | None = None
) -> dict[str, Evaluated]:
    """Per ticket of ``source``: its entry in the manifest of the newest run (by as-of time,
    then id; at or before ``as_of`` when given) that mapped and checked it."""
    # Only the newest entry per ticket leaves the database: a store keeps one entry per ticket
    # and full run (a year of daily reconciliations is hundreds), and the check step asks this
    # for every chunk of tickets.
    rank = func.row_number().over(
        partition_by=RunTicketRow.ticket, order_by=(RunRow.as_of.desc(), RunRow.id.desc())
    ).label("rank")
    entries = (
        select(RunTicketRow.ticket, RunRow.id.label("run_id"), RunRow.as_of, RunRow.mapping_hashes,
               RunRow.code_version, RunTicketRow.snapshot_id, RunTicketRow.snapshot_sha256,
               RunTicketRow.record_sha256, rank)
        .join(RunRow, RunRow.id == RunTicketRow.run_id)
        .where(RunTicketRow.source == source, RunTicketRow.ticket.in_(list(tickets)))
    )
    if as_of is not None:
        entries = entries.where(RunRow.as_of <= as_of)
    newest = entries.subquery()
    best: dict[str, Evaluated] = {}
    mappings: dict[int, dict[str, Any]] = {}
    rows = session.execute(select(newest).where(newest.c.rank == 1))
    for ticket, run_id, run_as_of, hashes, code, snapshot_id, snapshot_sha, record_sha, _rank in rows:
        if run_id not in mappings:
            mappings[run_id] = _json_object(hashes)
        mapping = mappings[run_id].get(source)
        best[ticket] = Evaluated(run_id, run_as_of, mapping if isinstance(mapping, str) else None,
                                 str(code), snapshot_id, snapshot_sha, record_sha)
    return best


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}  # an edited run: its hash reports it
    return value if isinstance(value, dict) else {}


def newest_snapshots(session: Session, ticket_ids: Collection[int]) -> dict[int, int]:
    """ticket id -> id of its newest stored version (``versions_as_of`` with no time bound)."""
    return versions_as_of(session, list(ticket_ids), None)


def ticket_row_problem(row: Any, entry: Evaluated, newest_snapshot: int | None) -> str | None:
    """What contradicts a ticket row's newest evaluation, or None. ``row`` has the ticket
    columns ``deleted``, ``deleted_at``, ``is_complaint``, ``record``, ``timeline``,
    ``mapping_hash``, ``mapper_version``. The record and complaint mark are compared only while
    the row still holds the evaluated version under the run's mapping file and code version: a
    later sync, or a later release's re-mapping, legitimately replaces them."""
    if row.deleted and row.deleted_at is not None and row.deleted_at <= entry.run_as_of:
        return "marked deleted before the run that evaluated it"
    if newest_snapshot != entry.snapshot_id or row.mapping_hash != entry.mapping_hash:
        return None
    if row.mapper_version is not None and row.mapper_version != entry.code_version:
        return None  # re-mapped by a later release since (NULL: mapped before versions were kept)
    if not row.is_complaint:
        return "marked not a complaint, but its evaluated version is one"
    if not record_matches(row.record, row.timeline, entry.record_sha256):
        return "whose stored record or timeline differs from the one evaluated"
    return None


#: Ticket problems named per run and kind before the rest are counted.
_SHOWN = 5


def grouped_problems(problems: Iterable[tuple[int, str, str]]) -> list[ChainProblem]:
    """(run id, message, ticket) triples as one problem per run and message."""
    grouped: dict[tuple[int, str], list[str]] = defaultdict(list)
    for run_id, message, ticket in problems:
        grouped[(run_id, message)].append(ticket)
    out = []
    for (run_id, message), tickets in sorted(grouped.items()):
        more = f" and {len(tickets) - _SHOWN} more" if len(tickets) > _SHOWN else ""
        named = ", ".join(tickets[:_SHOWN]) + more
        out.append(ChainProblem(run_id, f"{len(tickets)} ticket(s) {message} (edited): {named}"))
    return out


def _ticket_problems(session: Session) -> Iterator[tuple[int, str, str]]:
    """Each ticket row checked against its newest manifest entry, a chunk at a time."""
    columns = (TicketRow.id, TicketRow.source, TicketRow.ticket, TicketRow.deleted, TicketRow.deleted_at,
               TicketRow.is_complaint, TicketRow.record, TicketRow.timeline, TicketRow.mapping_hash,
               TicketRow.mapper_version)
    keys = sorted((str(s), str(t), int(i)) for s, t, i in session.execute(
        select(TicketRow.source, TicketRow.ticket, TicketRow.id).where(
            TicketRow.ticket.in_(select(RunTicketRow.ticket).distinct()))))
    for chunk in chunks(keys, TICKET_CHUNK):
        ids = [i for _s, _t, i in chunk]
        rows = session.execute(select(*columns).where(TicketRow.id.in_(ids))).all()
        newest = newest_snapshots(session, ids)
        for source, group in groupby(sorted(rows, key=lambda r: r.source), key=lambda r: r.source):
            members = list(group)
            entries = evaluated_versions(session, source, [r.ticket for r in members])
            for row in members:
                entry = entries.get(row.ticket)
                problem = None if entry is None else ticket_row_problem(row, entry, newest.get(row.id))
                if entry is not None and problem is not None:
                    yield entry.run_id, problem, f"{source}/{row.ticket}"


def snapshot_problem(bundle: str | None, column_sha: str | None, entry_sha: str) -> str | None:
    """What contradicts an evaluated version's manifest digest, or None."""
    if bundle is None:
        return "whose evaluated version is missing from snapshots"
    if column_sha != entry_sha or sha256_text(bundle) != entry_sha:
        return "whose evaluated version (snapshots.bundle or sha256) differs from the one evaluated"
    return None


def _snapshot_problems(session: Session) -> Iterator[tuple[int, str, str]]:
    """Every version a manifest names, checked against it (each once per digest)."""
    owners = {(str(s), str(t)): int(i) for s, t, i in session.execute(
        select(TicketRow.source, TicketRow.ticket, TicketRow.id))}
    named = session.execute(
        select(RunTicketRow.source, RunTicketRow.ticket, RunTicketRow.snapshot_id,
               RunTicketRow.snapshot_sha256, func.max(RunTicketRow.run_id))
        .group_by(RunTicketRow.source, RunTicketRow.ticket, RunTicketRow.snapshot_id,
                  RunTicketRow.snapshot_sha256)
    ).all()
    for chunk in chunks(sorted(named, key=lambda r: (r[2], str(r[0]), str(r[1]))), TICKET_CHUNK):
        stored = {i: (t, sha, b) for i, t, sha, b in session.execute(
            select(SnapshotRow.id, SnapshotRow.ticket_id, SnapshotRow.sha256, SnapshotRow.bundle)
            .where(SnapshotRow.id.in_([r[2] for r in chunk])))}
        for source, ticket, snapshot_id, entry_sha, run_id in chunk:
            owner, column_sha, bundle = stored.get(snapshot_id, (None, None, None))
            if owner != owners.get((source, ticket)):
                bundle = None
            problem = snapshot_problem(bundle, column_sha, entry_sha)
            if problem is not None:
                yield run_id, problem, f"{source}/{ticket}"


def ensure_verified(session: Session, run_ids: Iterable[int], verified: set[int]) -> None:
    """Verify the given runs (their content and link to the run before), skipping
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
        out.setdefault(key, (row.run_id, []))[1].extend(json.loads(t) for t in finding_texts(row.payload))
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
                out.setdefault((source, ticket), (run_id, []))[1].extend(
                    json.loads(text) for text in finding_texts(payload))
    return out


def run_findings(session: Session, run_id: int) -> list[StoredFinding]:
    rows = session.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id))
    return [StoredFinding(r.source, r.ticket, json.loads(text))
            for r in rows for text in finding_texts(r.payload)]


def last_finding_id(session: Session) -> int:
    """The newest ``findings`` row's id (0 when none): grows whenever findings are recorded."""
    return int(session.scalar(select(func.max(FindingRow.id))) or 0)


def last_runs(session: Session, limit: int = 5) -> list[RunRow]:
    return list(session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)))


def latest_status_counts(session: Session) -> dict[str, int]:
    """Statuses of the latest findings of every ticket (for metrics and ``status``), read from
    the hashed texts: an edit that would change a count changes what ``verify-store`` hashes.
    A text that does not parse (edited) is counted under no status."""
    sub = (
        select(FindingRow.source, FindingRow.ticket, func.max(FindingRow.run_id).label("run_id"))
        .group_by(FindingRow.source, FindingRow.ticket)
        .subquery()
    )
    query = select(FindingRow.payload).join(
        sub, (FindingRow.source == sub.c.source) & (FindingRow.ticket == sub.c.ticket)
        & (FindingRow.run_id == sub.c.run_id))
    counts: Counter[str] = Counter()
    for payload in session.scalars(query):
        for text in finding_texts(payload):
            status = _json_object(text).get("status")
            if isinstance(status, str):
                counts[status] += 1
    return dict(counts)


def latest_run(session: Session, as_of: datetime) -> RunRow | None:
    """The newest evaluation (by its as-of time, then by id) at or before ``as_of``."""
    query = select(RunRow).where(RunRow.as_of <= as_of).order_by(RunRow.as_of.desc(), RunRow.id.desc())
    return session.scalar(query.limit(1))


def newest_run_id(session: Session) -> int | None:
    return session.scalar(select(func.max(RunRow.id)))


def first_run_started(session: Session) -> datetime | None:
    """When the store's first evaluation ran (its ``started_at``; None before any run)."""
    started: datetime | None = session.scalar(select(func.min(RunRow.started_at)))
    return started


def recorded_findings(
    session: Session, source: str, tickets: list[str], as_of: datetime, verified: set[int]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per ticket of ``source``: (status, payload JSON) of the findings of the latest run at or
    before ``as_of`` that evaluated it (by the run's as-of time, then id), in check order.

    Two queries a chunk: which runs evaluated these tickets (read from the findings index
    alone), then the chosen runs' payloads (one query per chosen run, usually one), each run
    verified (``ensure_verified``) before its payloads are read; check and status come from
    each hashed text, parsed once."""
    if not tickets:
        return {}
    candidates = session.execute(
        select(FindingRow.ticket, FindingRow.run_id, RunRow.as_of)
        .join(RunRow, RunRow.id == FindingRow.run_id)
        .where(FindingRow.source == source, FindingRow.ticket.in_(tickets), RunRow.as_of <= as_of)
        .group_by(FindingRow.ticket, FindingRow.run_id, RunRow.as_of)
    )
    best: dict[str, tuple[datetime, int]] = {}
    for ticket, run_id, run_as_of in candidates:
        if ticket not in best or (run_as_of, run_id) > best[ticket]:
            best[ticket] = (run_as_of, run_id)
    by_run: dict[int, list[str]] = {}
    for ticket, (_, run_id) in best.items():
        by_run.setdefault(run_id, []).append(ticket)
    ensure_verified(session, by_run, verified)
    found: dict[str, list[tuple[str, str, str]]] = {}
    for run_id, chosen in by_run.items():
        rows = session.execute(
            select(FindingRow.ticket, FindingRow.payload).where(
                FindingRow.source == source, FindingRow.ticket.in_(chosen), FindingRow.run_id == run_id
            )
        )
        for ticket, payload in rows:
            entries = found.setdefault(ticket, [])
            for text in finding_texts(payload):
                head = _FINDING_HEAD.validate_json(text)
                entries.append((head.check, head.status, text))
    return {
        ticket: tuple((status, payload) for _check, status, payload in sorted(items))
        for ticket, items in found.items()
    }
