"""Evaluate the stored complaints as of a time and append the run to the hash-chained history.

For ``as_of`` each ticket is mapped from the version it had then (the newest snapshot whose
source ``updated`` is not after ``as_of``), so evaluating a past date after later syncs gives
the findings recorded at that date (same policy, mapping and waiver files; their hashes are
kept with every run).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any, Literal

import holidays
from sqlalchemy.orm import Session

from compliance_checks import Policy, WaiverApplier, Waivers, context_for, evaluate
from compliance_checks.findings import Finding
from connector.bundles import map_bundle
from connector.store import Store
from connector.store.models import TicketRow
from connector.store.runs import RunMeta, StoredFinding, append_run, latest_findings
from connector.store.tickets import bundle_documents, find_ticket, latest_snapshot, tickets_of
from mappings.loader import LoadedMapping

log = logging.getLogger(__name__)

Record = Literal["all", "changed"]
#: Up to this many tickets are looked up one by one instead of scanning the store.
SMALL = 50


def code_version() -> str:
    try:
        return metadata.version("iso10002-connector")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0+unknown"


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


@dataclass
class EvalOutcome:
    run_id: int
    as_of: datetime
    tickets: int = 0
    stored: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: (source, ticket) -> findings of this evaluation (all evaluated tickets).
    findings: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)


def _material(payloads: list[dict[str, Any]]) -> str:
    """What a ticket's findings say (a re-evaluation that says the same is not stored again)."""
    items = sorted(
        (str(p["check"]), str(p["status"]), str(p.get("due_at")), str(p.get("message")),
         bool(p.get("waiver")))
        for p in payloads
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _existed(row: TicketRow, as_of: datetime) -> bool:
    return not (row.deleted and row.deleted_at is not None and row.deleted_at <= as_of)


def _candidates(session: Session, only: Collection[tuple[str, str]] | None) -> list[TicketRow]:
    # A webhook evaluates one ticket: look up just that one, not the whole store.
    if only is None or len(only) > SMALL:
        return tickets_of(session)
    rows = [find_ticket(session, source, ticket) for source, ticket in sorted(only)]
    return [row for row in rows if row is not None]


def _previous(
    session: Session, only: Collection[tuple[str, str]] | None
) -> dict[tuple[str, str], tuple[int, list[dict[str, Any]]]]:
    if only is None or len(only) > SMALL:
        return latest_findings(session)
    found: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = {}
    for source, ticket in only:
        found.update(latest_findings(session, source=source, ticket=ticket))
    return found


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
) -> EvalOutcome:
    """Evaluate stored complaints (all, ``only`` these, or the open ones) and append a run.

    ``record="changed"`` stores a ticket's findings only when they differ from its latest
    stored ones (the periodic re-evaluation; keeps the store small), ``"all"`` stores every
    evaluated ticket's findings (explicit checks: a complete, reproducible record).
    """
    ctx = context_for(evaluator.policy, as_of)
    applier = WaiverApplier(evaluator.waivers, as_of.date())
    outcome = EvalOutcome(run_id=0, as_of=as_of)
    to_store: list[StoredFinding] = []
    with store.session() as session:
        previous = _previous(session, only) if record == "changed" else {}
        for row in _candidates(session, only):
            mapping = evaluator.mappings.get(row.source)
            if mapping is None or not row.is_complaint or not _existed(row, as_of):
                continue
            if only is not None and (row.source, row.ticket) not in only:
                continue
            if only_open and row.is_open is False:
                continue
            snapshot = latest_snapshot(session, row.id, as_of)
            if snapshot is None:
                continue  # the ticket did not exist yet at as_of
            mapped = map_bundle(mapping.spec, bundle_documents(snapshot), as_of)
            if mapped is None or mapped.skipped:
                continue
            if mapped.error is not None or mapped.record is None:
                outcome.errors.append(f"{row.source}/{row.ticket}: {mapped.error}")
                continue
            findings = applier.apply(evaluate(mapped.record, evaluator.policy, ctx))
            outcome.tickets += 1
            outcome.findings[(row.source, row.ticket)] = findings
            outcome.statuses.update(f.status.value for f in findings)
            payloads = [f.to_json_dict() for f in findings]
            before = previous.get((row.source, row.ticket))
            if record == "changed" and before is not None and _material(before[1]) == _material(payloads):
                continue
            to_store.extend(StoredFinding(row.source, row.ticket, p) for p in payloads)
        outcome.warnings = [*applier.warnings, *applier.unused()] if only is None else list(applier.warnings)
        run = append_run(
            session, evaluator.meta(kind, now, as_of), to_store, tickets=outcome.tickets,
            errors=outcome.errors,
        )
        outcome.run_id = run.id
        outcome.stored = len(to_store)
    return outcome
