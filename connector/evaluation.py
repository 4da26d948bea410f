"""Evaluate the stored complaints as of a time and append the run to the hash-chained history.

For ``as_of`` each ticket is mapped from the version it had then (the newest snapshot whose
source ``updated`` is not after ``as_of``), so evaluating a past date after later syncs gives
the findings recorded at that date (same policy, mapping and waiver files; their hashes are
kept with every run).

Memory does not grow with the store: tickets are evaluated in (source, ticket) order, a chunk
at a time (their rows and snapshots read with a few queries, nothing kept in the session),
and the findings to record are spooled to a temporary file. The run is appended from the
spool at the end in one short write transaction (batched inserts, the hash computed as the
findings stream by), so SQLite's write lock is not held while tickets are mapped and checked
and webhook refreshes can write in between. A temporary file rather than a scratch table:
it needs no write transaction at all, and is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Literal

import holidays

from compliance_checks import Policy, Waivers
from compliance_checks.findings import Finding
from connector.bundles import DocumentBundle, record_digest_of
from connector.checking import Bundle, Checker
from connector.reevaluation import evaluated_with, next_change
from connector.remap import MappedHere, code_version, remap_stale
from connector.store import Session, Store
from connector.store.chunking import chunks
from connector.store.evaluations import (
    EvaluationState,
    bundles,
    complaint_keys,
    evaluation_states,
    record_evaluation_states,
    snapshot_digests,
    versions_as_of,
)
from connector.store.runs import (
    RunMeta,
    TicketEntry,
    TicketFindings,
    append_run_stream,
    latest_findings_of,
    ticket_findings,
)
from connector.store.tickets import sha256_text
from connector.stored_records import StoredRecord, reusable_records
from connector.tally import Tally
from mappings.loader import LoadedMapping

log = logging.getLogger(__name__)

#: Which findings a run stores; ``"none"``: a dry run, evaluated and never recorded.
Record = Literal["all", "changed", "none"]
#: ``(source, ticket, findings)`` of each evaluated ticket, as it is evaluated.
FindingsCallback = Callable[[str, str, list[Finding]], None]
#: Tickets read, mapped and checked per chunk.
CHUNK = 500


@dataclass(frozen=True)
class Evaluator:
    """The configuration a run evaluates with."""

    policy: Policy
    waivers: Waivers
    mappings: Mapping[str, LoadedMapping]  # source name -> mapping

    def meta(self, kind: str, started_at: datetime, as_of: datetime) -> RunMeta:
        return RunMeta(
            kind=kind, started_at=started_at, as_of=as_of, policy_hash=self.policy.sha256,
            mapping_hashes={name: m.sha256 for name, m in sorted(self.mappings.items())},
            waivers_hash=self.waivers.sha256,
            holidays_version=str(getattr(holidays, "__version__", "unknown")),
            code_version=code_version(),
        )

    def digest(self) -> str:
        """What a ticket's evaluation depends on besides its snapshot and the time."""
        return evaluated_with({
            "policy": self.policy.sha256, "waivers": self.waivers.sha256,
            "mappings": {name: m.sha256 for name, m in sorted(self.mappings.items())},
            "holidays": str(getattr(holidays, "__version__", "unknown")), "code": code_version(),
        })


@dataclass
class EvalOutcome:
    run_id: int
    as_of: datetime
    tickets: int = 0
    stored: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Open tickets not re-checked: unchanged, and no clock event since their last evaluation.
    unchanged: int = 0
    #: (source, ticket) -> findings of this evaluation; only with ``keep_findings`` (a big run
    #: streams them through ``on_findings`` instead, or reads them back: ``runs.run_findings``).
    findings: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)


def _material(payloads: list[dict[str, Any]]) -> str:
    """What a ticket's findings say (a re-evaluation that says the same is not stored again)."""
    items = sorted(
        (str(p["check"]), str(p["status"]), str(p.get("due_at")), str(p.get("message")),
         bool(p.get("waiver")))
        for p in payloads
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _existed(deleted: bool, deleted_at: datetime | None, as_of: datetime) -> bool:
    return not (deleted and deleted_at is not None and deleted_at <= as_of)


def _still_valid(state: EvaluationState, snapshot_id: int, digest: str, as_of: datetime) -> bool:
    """The ticket's findings at ``as_of`` equal those of its last evaluation (connector.reevaluation)."""
    return (
        state.evaluated_snapshot_id == snapshot_id
        and state.evaluated_with == digest
        and state.evaluated_as_of is not None
        and state.next_change_at is not None
        and state.evaluated_as_of <= as_of < state.next_change_at
    )


class _TempFile:
    """Items written to a temporary file and read back, in order, by this process only:
    pickled (our own file), so the finding texts are not JSON-encoded just to be decoded."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()

    def _write(self, item: tuple[Any, ...]) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def _read(self) -> Iterator[Any]:
        self._file.flush()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)  # noqa: S301 - written by _write above
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


class _Spool(_TempFile):
    """The findings to record, one item per ticket, in a temporary file."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def add(self, item: TicketFindings) -> None:
        self._write((item.source, item.ticket, item.rows))
        self.count += len(item.rows)

    def __iter__(self) -> Iterator[TicketFindings]:
        for source, ticket, rows in self._read():
            yield TicketFindings(source, ticket, rows)


class _Manifest(_TempFile):
    """The run's ticket manifest (one item per entry), in a temporary file."""

    def add(self, entry: TicketEntry) -> None:
        self._write(entry.key())

    def __iter__(self) -> Iterator[TicketEntry]:
        for key in self._read():
            yield TicketEntry(*key)


def evaluate_store(
    store: Store,
    evaluator: Evaluator,
    *,
    as_of: datetime,
    now: datetime,
    kind: str = "check",
    only: Collection[tuple[str, str]] | None = None,
    only_open: bool = False,
    record: Record = "all",
    keep_findings: bool = False,
    skip_unchanged: bool = True,
    on_findings: FindingsCallback | None = None,
    tally: Tally | None = None,
    mapped_here: MappedHere | None = None,
) -> EvalOutcome:
    """Evaluate stored complaints (all, ``only`` these, or the open ones) and append a run.

    ``record="changed"`` stores a ticket's findings only when they differ from its latest
    stored ones (the periodic re-evaluation; keeps the store small) and does not even re-check
    a ticket whose snapshot and configuration are unchanged since its last evaluation and whose
    next clock event is still ahead; ``"all"`` stores every evaluated ticket's findings
    (explicit checks: a complete, reproducible record); ``"none"`` stores nothing (``run_id``
    stays 0: a dry run). ``skip_unchanged=False`` re-checks every
    ticket even with ``"changed"`` (the daily reconciliation: a missed clock event can then
    never last longer than a day). ``keep_findings`` keeps the findings in the outcome (small
    runs and tests; memory grows with the run); ``on_findings(source, ticket, findings)`` is
    called for every evaluated ticket as it is evaluated, in (source, ticket) order;
    ``tally`` is told the progress after each chunk; ``mapped_here``: the records this
    process's syncs mapped (``connector.stored_records``).
    """
    checker = Checker(evaluator.policy, as_of, evaluator.waivers)
    digest = evaluator.digest()
    outcome = EvalOutcome(run_id=0, as_of=as_of)
    spool = _Spool()
    manifest = _Manifest()
    # (ticket id, snapshot id or None, as_of, next change or None) per evaluated ticket.
    states: list[tuple[int, int | None, datetime | None, datetime | None]] = []
    if record != "none":
        # Rows mapped by another mapping file or release first: the manifest's record digests
        # are then those of the rows ``verify-store`` compares them with.
        remap_stale(store, evaluator.mappings, only, tally=tally)
    try:
        with store.session() as session:
            keys = complaint_keys(session, evaluator.mappings, only, only_open)
            for done, chunk in enumerate(chunks(keys, CHUNK)):
                _evaluate_chunk(session, evaluator, chunk, outcome, (spool, manifest), states, checker,
                                digest=digest, record=record, keep_findings=keep_findings,
                                skip=record == "changed" and skip_unchanged, on_findings=on_findings,
                                mapped_here=mapped_here)
                if tally is not None:
                    tally("checking complaints", min((done + 1) * CHUNK, len(keys)), len(keys))
        outcome.warnings = checker.warnings(complete=only is None and not outcome.unchanged)
        if record == "none":
            return outcome  # a dry run: nothing appended to the history, no state recorded
        # The only write transaction: short, after all the mapping and checking.
        if tally is not None:
            tally("recording the run", outcome.tickets, outcome.tickets)
        with store.session() as session:
            run = append_run_stream(
                session, evaluator.meta(kind, now, as_of), spool, tickets=outcome.tickets,
                errors=outcome.errors, manifest=manifest,
            )
            record_evaluation_states(session, states, digest)
            outcome.run_id = run.id
        outcome.stored = spool.count
    finally:
        spool.close()
        manifest.close()
    return outcome


#: (source, ticket, ticket id, snapshot id, snapshot digest, record digest) of a ticket to evaluate.
_Todo = tuple[str, str, int, int, str, str | None]


def _ticket_bundles(
    session: Session, evaluator: Evaluator, todo: list[tuple[str, str, int, int]], as_of: datetime,
    mapped_here: MappedHere | None,
) -> Iterator[tuple[_Todo, Bundle]]:
    """Each ticket to evaluate with what to evaluate: its stored record where that is provably
    what mapping its snapshot gives (``connector.stored_records``), else its stored bundle to
    map (the text read for those only, and released as it is used)."""
    digests = snapshot_digests(session, [snapshot_id for *_key, snapshot_id in todo])
    candidates = [(*key, digests[key[3]]) for key in todo]
    reusable = reusable_records(session, evaluator.mappings, candidates, as_of, mapped_here)
    texts = bundles(session, [key[3] for key in todo if key[2] not in reusable])
    for source, ticket, ticket_id, snapshot_id, digest in candidates:
        stored = reusable.pop(ticket_id, None)
        if stored is not None:
            record, record_sha256 = stored
            key = (source, ticket, ticket_id, snapshot_id, digest, record_sha256)
            yield key, StoredRecord(ticket, record)
            continue
        mapping = evaluator.mappings[source]
        text = texts.pop(snapshot_id)
        # The digest of the text mapped, as before: an edited bundle is named as evaluated.
        yield (source, ticket, ticket_id, snapshot_id, sha256_text(text), None), DocumentBundle(
            mapping.spec, json.loads(text), as_of, mapping.site)


def _evaluate_chunk(
    session: Session,
    evaluator: Evaluator,
    chunk: list[tuple[str, str, int]],
    outcome: EvalOutcome,
    spools: tuple[_Spool, _Manifest],
    states: list[tuple[int, int | None, datetime | None, datetime | None]],
    checker: Checker,
    *,
    digest: str,
    record: Record,
    keep_findings: bool,
    skip: bool,
    on_findings: FindingsCallback | None,
    mapped_here: MappedHere | None,
) -> None:
    as_of = outcome.as_of
    ids = [ticket_id for _s, _t, ticket_id in chunk]
    rows = evaluation_states(session, ids)
    snapshots = versions_as_of(session, ids, as_of)
    todo: list[tuple[str, str, int, int]] = []
    for source, ticket, ticket_id in chunk:
        state = rows[ticket_id]
        snapshot_id = snapshots.get(ticket_id)
        if snapshot_id is None or not _existed(state.deleted, state.deleted_at, as_of):
            continue  # the ticket did not exist (yet, or any more) at as_of
        if skip and _still_valid(state, snapshot_id, digest, as_of):
            outcome.unchanged += 1
            continue
        todo.append((source, ticket, ticket_id, snapshot_id))
    if not todo:
        return
    previous = latest_findings_of(session, [(s, t) for s, t, *_ids in todo]) if record == "changed" else {}
    spool, manifest = spools
    for (source, ticket, ticket_id, snapshot_id, snapshot_sha256, record_sha256), result in checker.run(
        _ticket_bundles(session, evaluator, todo, as_of, mapped_here)
    ):
        if result.skipped or result.record is None:
            if result.error is not None:
                outcome.errors.append(f"{source}/{ticket}: {result.error}")
            states.append((ticket_id, None, None, None))
            continue
        findings = result.findings
        # What was evaluated, as sync stores it: readers check the stored version against it.
        manifest.add(TicketEntry(source, ticket, snapshot_id, snapshot_sha256,
                                 record_sha256 or record_digest_of(result.record)))
        outcome.tickets += 1
        if keep_findings:
            outcome.findings[(source, ticket)] = findings
        if on_findings is not None:
            on_findings(source, ticket, findings)
        outcome.statuses.update(f.status.value for f in findings)
        changes_at = next_change(result.record, findings, evaluator.policy, as_of)
        states.append((ticket_id, snapshot_id, as_of, changes_at))
        payloads = [f.to_json_dict() for f in findings]
        before = previous.get((source, ticket))
        if record == "changed" and before is not None and _material(before[1]) == _material(payloads):
            continue
        if payloads:
            spool.add(ticket_findings(source, ticket, payloads))
