"""Write-back from the store through the connectors, journalled so a crash never duplicates.

Per ticket whose latest findings say something new (their findings hash differs from the last
applied one): a ``planned`` journal entry is committed, THEN the connector writes (it re-reads
the ticket and plans against its marker tag / property, so a repeated write is empty), THEN the
entry becomes ``applied`` or ``failed``. Entries left ``planned`` by a crash are simply retried:
the connector's re-read shows whether the write landed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from compliance_checks.findings import Finding, findings_hash
from connector.crashpoints import crash_point
from connector.store import Store
from connector.store.journal import applied_hashes, finish_entry, open_entries, plan_entry
from connector.store.runs import latest_findings
from connector.store.tickets import find_ticket, tickets_of
from connector.writeback import RESOLVED_HASH, flagged

log = logging.getLogger(__name__)

Mode = Literal["plan", "apply"]
#: Up to this many tickets are looked up one by one instead of scanning the source.
SMALL = 50
#: ``(findings, apply) -> per-ticket results`` for one source (the connector's ``writeback``).
Writer = Callable[[list[Finding], bool], "ConnectorReport"]


@dataclass
class ConnectorReport:
    """The connector's answer, normalised: plans, and per ticket an outcome and error."""

    plans: list[dict[str, Any]]
    outcomes: dict[str, tuple[str, str | None]]


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

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def connector_writer(source: Any, client: Any) -> Writer:
    """The platform connector's ``writeback`` bound to ``source`` and ``client``."""

    def write(findings: list[Finding], apply: bool) -> ConnectorReport:
        if source.platform == "zendesk":
            from connector.zendesk.commands import writeback as zendesk_writeback

            zreport = zendesk_writeback(source, findings, apply=apply, client=client)
            outcomes = {str(r["ticket"]): (str(r["outcome"]), r.get("error")) for r in zreport.results}
            return ConnectorReport(zreport.plans, outcomes)
        from connector.jira.commands import writeback as jira_writeback

        jreport = jira_writeback(source, findings, apply=apply, client=client)
        outcomes = {r.ticket: (r.outcome, r.error) for r in jreport.results}
        outcomes.update({t: ("skipped", "issue not found (deleted?)") for t in jreport.missing})
        return ConnectorReport(jreport.plans, outcomes)

    return write


def _hash(findings: list[Finding]) -> str:
    return findings_hash(flagged(findings))


def candidates(
    store: Store, source: str, *, force: bool = False, only: Collection[str] | None = None
) -> tuple[dict[str, list[Finding]], dict[str, str]]:
    """Tickets whose latest findings are not on the ticket yet, with their findings and hash."""
    with store.session() as session:
        if only is not None and len(only) <= SMALL:
            # A webhook's ticket: look it up alone instead of scanning the source.
            latest = {}
            for ticket in only:
                latest.update(latest_findings(session, source=source, ticket=ticket))
            rows = [find_ticket(session, source, t) for t in only]
            deleted = {r.ticket for r in rows if r is not None and r.deleted}
        else:
            latest = latest_findings(session, source=source)
            deleted = {t.ticket for t in tickets_of(session, source) if t.deleted}
        applied = applied_hashes(session, source, only if only is not None and len(only) <= SMALL else None)
        unfinished = {e.ticket for e in open_entries(session, source)}
    chosen: dict[str, list[Finding]] = {}
    hashes: dict[str, str] = {}
    for (_src, ticket), (_run, payloads) in latest.items():
        if ticket in deleted or (only is not None and ticket not in only):
            continue
        findings = [Finding.model_validate(p) for p in payloads]
        hash_ = _hash(findings)
        last = applied.get(ticket)
        settled = last == hash_ or (last is None and hash_ == RESOLVED_HASH)
        if settled and not force and ticket not in unfinished:
            continue  # already on the ticket, or nothing was ever said and nothing to say
        chosen[ticket] = findings
        hashes[ticket] = hash_
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
) -> WritebackOutcome:
    """Plan (``plan``) or apply (``apply``) the write-back of the latest stored findings."""
    outcome = WritebackOutcome(source, mode)
    chosen, hashes = candidates(store, source, force=force, only=only)
    outcome.candidates = len(chosen)
    if not chosen:
        return outcome
    findings = [f for ticket in sorted(chosen) for f in chosen[ticket]]
    if mode == "plan":
        outcome.plans = writer(findings, False).plans
        return outcome
    with store.session() as session:
        for stale in open_entries(session, source):
            current = hashes.get(stale.ticket)
            if current is not None and stale.findings_hash != current:
                finish_entry(stale, "superseded", now(), result="superseded by " + current)
        for ticket, hash_ in hashes.items():
            plan_entry(session, source=source, ticket=ticket, findings_hash=hash_, run_id=None, now=now())
    crash_point("after-journal-write")
    try:
        report = writer(findings, True)
    except Exception as exc:  # noqa: BLE001 - the whole batch failed; entries stay retryable
        message = f"{type(exc).__name__}: {exc}"
        _finish_all(store, source, hashes, "failed", now(), message)
        outcome.failed = len(hashes)
        outcome.errors.append(message)
        return outcome
    crash_point("after-platform-write")
    outcome.plans = report.plans
    with store.session() as session:
        entries = {e.ticket: e for e in open_entries(session, source) if e.ticket in hashes}
        for ticket, entry in entries.items():
            result, error = report.outcomes.get(ticket, ("unchanged", None))
            if result == "failed":
                outcome.failed += 1
                outcome.errors.append(f"{ticket}: {error}")
                finish_entry(entry, "failed", now(), error=error, result=result)
            else:
                outcome.written += result == "written"
                outcome.unchanged += result != "written"
                finish_entry(entry, "applied", now(), result=json.dumps({"outcome": result, "note": error}))
    return outcome


def _finish_all(store: Store, source: str, hashes: dict[str, str], state: Literal["failed"],
                now: datetime, error: str) -> None:
    with store.session() as session:
        for entry in open_entries(session, source):
            if entry.ticket in hashes:
                finish_entry(entry, state, now, error=error[:2000])
