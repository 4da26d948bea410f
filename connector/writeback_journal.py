"""Write-back from the store through the connectors, journalled so a crash never duplicates.

Per ticket whose latest findings say something new (their findings hash differs from the last
applied one): a ``planned`` journal entry is committed, THEN the connector writes (it re-reads
the ticket and plans against its marker tag / property, so a repeated write is empty), THEN the
entry becomes ``applied`` or ``failed``. Entries left ``planned`` by a crash are simply retried:
the connector's re-read shows whether the write landed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal

from compliance_checks.findings import FINDING_JSON, Finding, findings_hash
from connector.crashpoints import ARMED, crash_point
from connector.platforms.base import Client, SourceSettings, WritebackReport
from connector.platforms.registry import platform_for
from connector.store import Session, Store
from connector.store.chunking import chunks
from connector.store.journal import applied_hashes, finish_entry, open_entries, plan_entry
from connector.store.runs import latest_findings_of
from connector.store.tickets import find_ticket, live_ticket_keys
from connector.tally import Tally
from connector.writeback import RESOLVED_HASH, due_date_value, due_state, flagged, next_due

log = logging.getLogger(__name__)

Mode = Literal["plan", "apply"]
#: Up to this many tickets are looked up one by one instead of scanning the source.
SMALL = 50
#: ``(findings, apply) -> per-ticket results`` for one source (the connector's ``writeback``).
Writer = Callable[[list[Finding], bool], WritebackReport]


@dataclass
class WritebackOutcome:
    source: str
    mode: Mode
    candidates: int = 0
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    plans: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Things to fix on the helpdesk side that did not stop the write (e.g. a field the
    #: project's screen refuses), each once.
    warnings: list[str] = field(default_factory=list)
    #: Tickets the helpdesk takes no update to (closed or deleted: a closed, deleted or merged
    #: Zendesk ticket, a Jira issue not found): not "unchanged".
    #: Last, so that the document's earlier keys keep their places.
    skipped: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def connector_writer(source: SourceSettings, client: Client, zone: tzinfo | None = None) -> Writer:
    """The platform's ``writeback`` bound to ``source``, ``client`` and the policy's ``zone``."""
    platform = platform_for(source.platform)

    def write(findings: list[Finding], apply: bool) -> WritebackReport:
        return platform.writeback(source, findings, apply=apply, client=client, zone=zone)

    return write


def _hash(findings: list[Finding], due_zone: tzinfo | None = None) -> str:
    """What the write-back would say on the ticket: the flagged findings and, where the source
    keeps a next-due field (``due_zone``: the policy's zone), the due date and state, so a ticket
    with only a running clock is written too. Nothing open hashes as before (untouched tickets
    with nothing to say stay unwritten)."""
    said = findings_hash(flagged(findings))
    if due_zone is None:
        return said
    due = due_date_value(next_due(findings), due_zone)
    state = due_state(findings, said_before=True)
    if due is None and state == "compliant":
        return said
    return hashlib.sha256(f"{said}|{due}|{state}".encode()).hexdigest()[:16]


def _settled(last: str | None, hash_: str) -> bool:
    """Already on the ticket, or nothing was ever said and there is nothing to say."""
    return last == hash_ or (last is None and hash_ == RESOLVED_HASH)


#: Tickets planned and written per batch: bounds memory (a first write-back flags thousands of
#: tickets) while keeping the connectors' bulk calls full (Zendesk update_many takes 100).
BATCH = 500


def _tickets_to_consider(session: Session, source: str, only: Collection[str] | None) -> list[str]:
    """The source's tickets that are not deleted (``only`` these when given), in ticket order."""
    if only is not None and len(only) <= SMALL:
        # A webhook's ticket may be named by its Jira issue id: resolve it to the key.
        rows = (find_ticket(session, source, t) for t in only)
        return sorted({r.ticket for r in rows if r is not None and not r.deleted})
    tickets = live_ticket_keys(session, source)
    if only is not None:
        wanted = set(only)
        return [t for t in tickets if t in wanted]
    return tickets


def _choose(
    session: Session,
    source: str,
    tickets: list[str],
    *,
    force: bool,
    unfinished: Collection[str],
    due_zone: tzinfo | None = None,
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Of ``tickets``, those whose latest findings are not on the ticket yet, with their hash."""
    latest = latest_findings_of(session, [(source, t) for t in tickets])
    applied = applied_hashes(session, source, tickets)
    chosen: dict[str, list[Finding]] = {}
    hashes: dict[str, str] = {}
    for ticket in tickets:
        found = latest.get((source, ticket))
        if found is None:
            continue  # never evaluated (not a complaint, or not checked yet)
        findings = [FINDING_JSON.validate_python(p) for p in found[1]]
        hash_ = _hash(findings, due_zone)
        if _settled(applied.get(ticket), hash_) and not force and ticket not in unfinished:
            continue
        chosen[ticket] = findings
        hashes[ticket] = hash_
    return chosen, hashes


def candidate_batches(
    store: Store, source: str, *, force: bool = False, only: Collection[str] | None = None,
    batch: int = BATCH, due_zone: tzinfo | None = None,
) -> Iterator[tuple[dict[str, list[Finding]], dict[str, str]]]:
    """Tickets whose latest findings are not on the ticket yet, ``batch`` tickets read at a time
    (only non-empty batches are yielded): memory stays flat however many tickets are flagged."""
    with store.session() as session:
        tickets = _tickets_to_consider(session, source, only)
        unfinished = {e.ticket for e in open_entries(session, source)}
    for part in chunks(tickets, batch):
        with store.session() as session:
            chosen, hashes = _choose(
                session, source, part, force=force, unfinished=unfinished, due_zone=due_zone
            )
        if chosen:
            yield chosen, hashes


def candidates(
    store: Store, source: str, *, force: bool = False, only: Collection[str] | None = None
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Every candidate at once (tests and small sources; ``run_writeback`` goes batch by batch)."""
    chosen: dict[str, list[Finding]] = {}
    hashes: dict[str, str] = {}
    for batch_chosen, batch_hashes in candidate_batches(store, source, force=force, only=only):
        chosen.update(batch_chosen)
        hashes.update(batch_hashes)
    return chosen, hashes


def run_writeback(
    store: Store,
    source: str,
    writer: Writer,
    *,
    mode: Mode,
    now: Callable[[], datetime],
    force: bool = False,
    only: Collection[str] | None = None,
    batch: int = BATCH,
    due_zone: tzinfo | None = None,
    tally: Tally | None = None,
) -> WritebackOutcome:
    """Plan (``plan``) or apply (``apply``) the write-back of the latest stored findings
    (``due_zone``: the policy's zone when the source keeps a next-due field).

    Batch by batch: each batch is journalled, written and settled before the next is read, so
    a crash loses at most the batch in flight (its journal entries stay open and are retried).
    """
    outcome = WritebackOutcome(source, mode)
    batches = candidate_batches(store, source, force=force, only=only, batch=batch, due_zone=due_zone)
    for chosen, hashes in batches:
        outcome.candidates += len(chosen)
        _write_batch(store, source, writer, chosen, hashes, mode=mode, now=now, outcome=outcome)
        if tally is not None:
            tally(_step(source, mode), outcome.candidates, None)
    return outcome


def _step(source: str, mode: Mode) -> str:
    return f"{'planning the write-back to' if mode == 'plan' else 'writing back to'} {source}: tickets"


def plan_unrecorded(
    store: Store,
    source: str,
    writer: Writer,
    findings: Mapping[str, list[Finding]],
    *,
    batch: int = BATCH,
    due_zone: tzinfo | None = None,
    tally: Tally | None = None,
) -> WritebackOutcome:
    """The plan for findings that were evaluated but not recorded (``run --dry-run``): the
    tickets whose findings are not on the ticket yet, as :func:`run_writeback` would choose
    them; journals nothing, writes nothing."""
    outcome = WritebackOutcome(source, "plan")
    for part in chunks(sorted(findings), batch):
        with store.session() as session:
            applied = applied_hashes(session, source, part)
        chosen = {
            ticket: findings[ticket]
            for ticket in part
            if not _settled(applied.get(ticket), _hash(findings[ticket], due_zone))
        }
        outcome.candidates += len(chosen)
        if chosen:
            outcome.plans.extend(writer([f for t in sorted(chosen) for f in chosen[t]], False).plans)
        if tally is not None:
            tally(_step(source, "plan"), outcome.candidates, None)
    return outcome


def _write_batch(
    store: Store,
    source: str,
    writer: Writer,
    chosen: dict[str, list[Finding]],
    hashes: dict[str, str],
    *,
    mode: Mode,
    now: Callable[[], datetime],
    outcome: WritebackOutcome,
) -> None:
    findings = [f for ticket in sorted(chosen) for f in chosen[ticket]]
    if mode == "plan":
        outcome.plans.extend(writer(findings, False).plans)
        return
    with store.session() as session:
        for stale in open_entries(session, source):
            current = hashes.get(stale.ticket)
            if current is not None and stale.findings_hash != current:
                finish_entry(stale, "superseded", now(), result="superseded by " + current)
        for ticket, hash_ in hashes.items():
            plan_entry(session, source=source, ticket=ticket, findings_hash=hash_, run_id=None, now=now())
    if ARMED:
        crash_point("after-journal-write")
    try:
        report = writer(findings, True)
    except Exception as exc:  # noqa: BLE001 - the whole batch failed; entries stay retryable
        message = f"{type(exc).__name__}: {exc}"
        _finish_all(store, source, hashes, "failed", now(), message)
        outcome.failed += len(hashes)
        outcome.errors.append(message)
        return
    if ARMED:
        crash_point("after-platform-write")
    outcome.plans.extend(report.plans)
    for ticket_outcome in report.results:
        warning = ticket_outcome.details.get("warning")
        if warning and str(warning) not in outcome.warnings:
            outcome.warnings.append(str(warning))
    with store.session() as session:
        entries = {e.ticket: e for e in open_entries(session, source) if e.ticket in hashes}
        outcomes = report.outcomes()
        for ticket, entry in entries.items():
            result, error = outcomes.get(ticket, ("unchanged", None))
            if result == "failed":
                outcome.failed += 1
                outcome.errors.append(f"{ticket}: {error}")
                finish_entry(entry, "failed", now(), error=error, result=result)
            else:
                outcome.written += result == "written"
                outcome.skipped += result == "skipped"
                outcome.unchanged += result not in ("written", "skipped")
                finish_entry(entry, "applied", now(), result=json.dumps({"outcome": result, "note": error}))


def _finish_all(store: Store, source: str, hashes: dict[str, str], state: Literal["failed"],
                now: datetime, error: str) -> None:
    with store.session() as session:
        for entry in open_entries(session, source):
            if entry.ticket in hashes:
                finish_entry(entry, state, now, error=error[:2000])
