"""The store data source: the history store as of any time -> ``ReportInput``.

Records are the ticket versions valid at the as-of time (the cached mapped record when the
newest stored version is that one and the mapping is unchanged, else the stored version is
mapped again as of that time, as ``evaluation.evaluate_store`` does). Findings are the ones
*recorded*: for each complaint, those of the latest evaluation run at or before the as-of time
that evaluated it (runs are append-only and hash-chained, so the same store, as-of and options
give the same report and content hash). Nothing is evaluated or written here.

Provenance comes from the newest run at or before the as-of time (policy, mapping and waiver
hashes, holidays and code versions); data freshness from each source's last successful sync.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance_checks.findings import Finding
from compliance_checks.model import ComplaintRecord
from connector.bundles import map_bundle
from connector.config import AppConfig
from connector.evaluation import Evaluator
from connector.reports.spool import Spool
from connector.reports.versions import policy_chain_refs
from connector.store import Store
from connector.store.models import FindingRow, RunRow, SourceRow, TicketRow
from connector.store.tickets import bundle_documents, latest_snapshot
from mappings.loader import LoadedMapping
from report_templates.input import (
    ComplaintSource,
    FileRef,
    Item,
    Period,
    Provenance,
    ReportInput,
    ReportOptions,
)


class NoEvaluation(LookupError):
    """The store holds no evaluation run at or before the requested time."""


@dataclass
class StoreRead:
    """One read of the store as of a time: the spooled complaints and what the auditor must know."""

    source: ComplaintSource
    run: RunRow
    notes: list[str] = field(default_factory=list)


def latest_run(session: Session, as_of: datetime) -> RunRow | None:
    """The newest evaluation (by its as-of time, then by id) at or before ``as_of``."""
    query = select(RunRow).where(RunRow.as_of <= as_of).order_by(RunRow.as_of.desc(), RunRow.id.desc())
    return session.scalar(query.limit(1))


def _recorded_runs(session: Session, as_of: datetime) -> dict[tuple[str, str], int]:
    """Per (source, ticket): the run whose findings stand at ``as_of``."""
    rows = session.execute(
        select(FindingRow.source, FindingRow.ticket, RunRow.as_of, FindingRow.run_id)
        .join(RunRow, RunRow.id == FindingRow.run_id)
        .where(RunRow.as_of <= as_of)
        .distinct()
    )
    best: dict[tuple[str, str], tuple[datetime, int]] = {}
    for source, ticket, run_as_of, run_id in rows:
        key = (source, ticket)
        if key not in best or (run_as_of, run_id) > best[key]:
            best[key] = (run_as_of, run_id)
    return {key: run_id for key, (_, run_id) in best.items()}


def _existed(row: TicketRow, as_of: datetime) -> bool:
    return not (row.deleted and row.deleted_at is not None and row.deleted_at <= as_of)


def _record_at(
    session: Session, row: TicketRow, mapping: LoadedMapping, as_of: datetime
) -> tuple[ComplaintRecord | None, str | None]:
    """The complaint as it stood at ``as_of`` (None when it did not exist yet), or an error."""
    newest_fits = row.updated_at is not None and row.updated_at <= as_of
    if newest_fits and row.record is not None and row.mapping_hash == mapping.sha256:
        # Mapping a version as of a time after its last update gives the current mapping.
        return ComplaintRecord.model_validate_json(row.record), None
    snapshot = latest_snapshot(session, row.id, as_of)
    if snapshot is None:
        return None, None
    mapped = map_bundle(mapping.spec, bundle_documents(snapshot), as_of)
    if mapped is None or mapped.skipped:
        return None, None
    if mapped.error is not None or mapped.record is None:
        return None, f"{row.source}/{row.ticket}: {mapped.error or 'no record produced'}"
    return mapped.record, None


#: Tickets read per query (keeps memory bounded: a ticket row holds its mapped record).
CHUNK = 500


def _findings_of(
    session: Session, keys: list[tuple[str, str, int]]
) -> dict[tuple[str, str], tuple[Finding, ...]]:
    """The recorded findings of each (source, ticket, run) in ``keys``, in check order."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = session.execute(
        select(FindingRow.source, FindingRow.ticket, FindingRow.run_id, FindingRow.payload)
        .where(
            FindingRow.ticket.in_({t for _, t, _ in keys}),
            FindingRow.run_id.in_({r for _, _, r in keys}),
        )
        .order_by(FindingRow.source, FindingRow.ticket, FindingRow.check)
    )
    found: dict[tuple[str, str], list[Finding]] = {}
    for source, ticket, run_id, payload in rows:
        if (source, ticket, run_id) in wanted:
            found.setdefault((source, ticket), []).append(Finding.model_validate_json(payload))
    return {key: tuple(items) for key, items in found.items()}


def _items(session: Session, evaluator: Evaluator, as_of: datetime, errors: list[str]) -> Iterator[Item]:
    recorded = _recorded_runs(session, as_of)
    ids = list(session.scalars(select(TicketRow.id).order_by(TicketRow.source, TicketRow.id)))
    for start in range(0, len(ids), CHUNK):
        rows = session.scalars(
            select(TicketRow)
            .where(TicketRow.id.in_(ids[start : start + CHUNK]))
            .order_by(TicketRow.source, TicketRow.id)
        ).all()
        records: list[tuple[str, str, ComplaintRecord]] = []
        for row in rows:
            mapping = evaluator.mappings.get(row.source)
            if mapping is None or not row.is_complaint or not _existed(row, as_of):
                continue
            record, error = _record_at(session, row, mapping, as_of)
            if error is not None:
                errors.append(error)
            if record is not None:
                records.append((row.source, row.ticket, record))
        keys = [(s, t, recorded[(s, t)]) for s, t, _ in records if (s, t) in recorded]
        findings = _findings_of(session, keys)
        for source, ticket, record in records:
            yield Item(record, findings.get((source, ticket), ()))
        session.expunge_all()  # read-only: let the chunk's rows go


def read_store(store: Store, evaluator: Evaluator, as_of: datetime) -> StoreRead:
    """Spool the store's complaints as of ``as_of`` (raises ``NoEvaluation``)."""
    spool = Spool()
    errors: list[str] = []
    with store.session() as session:
        run = latest_run(session, as_of)
        if run is None:
            raise NoEvaluation(
                f"the store holds no evaluation run at or before {as_of.isoformat()}: "
                f"run `iso10002 check --as-of {as_of.isoformat()}` (or sync and check) first"
            )
        session.expunge(run)
        spool.write(_items(session, evaluator, as_of, errors))
    notes = [
        f"findings: each complaint's latest evaluation at or before the as-of time; newest such run "
        f"#{run.id} ({run.kind}) evaluated as of {run.as_of.isoformat()}",
        *(f"not mapped: {e}" for e in errors),
    ]
    return StoreRead(spool.source(as_of), run, notes)


def _freshness(session: Session, config: AppConfig, as_of: datetime) -> tuple[datetime | None, list[str]]:
    """The oldest last successful sync of the sources, capped at ``as_of`` (a source synced
    after the as-of time holds everything up to it), and a note for each source not synced."""
    rows = {row.name: row for row in session.scalars(select(SourceRow))}
    stamps: list[datetime] = []
    notes: list[str] = []
    for source in config.sources:
        row = rows.get(source.name)
        last = row.last_success_at if row is not None else None
        if last is None:
            notes.append(f"source {source.name}: never synced successfully")
            continue
        if last < as_of:
            notes.append(
                f"source {source.name}: last successful sync {last.isoformat()}, before the as-of time"
            )
        stamps.append(min(last, as_of))
    if len(stamps) < len(config.sources):
        return None, notes
    return (min(stamps) if stamps else None), notes


def _config_notes(run: RunRow, evaluator: Evaluator) -> list[str]:
    """Where the configuration now loaded differs from the one the run recorded."""
    notes = []
    if evaluator.policy.sha256 != run.policy_hash:
        notes.append(
            f"the policy now configured (sha256 {evaluator.policy.sha256}) is not the one run #{run.id} "
            "used: the calendar, objectives and unconfirmed figures shown are the configured policy's"
        )
    recorded = json.loads(run.mapping_hashes)
    for name, mapping in sorted(evaluator.mappings.items()):
        if recorded.get(name) not in (None, mapping.sha256):
            notes.append(f"the mapping of source {name} changed since run #{run.id}")
    if evaluator.waivers.sha256 != run.waivers_hash:
        notes.append(f"the waivers file changed since run #{run.id}: the waiver table shows the current file")
    return notes


def store_input(
    store: Store,
    evaluator: Evaluator,
    config: AppConfig,
    *,
    as_of: datetime,
    period: Period,
    options: ReportOptions | None = None,
    with_baseline: bool = True,
) -> ReportInput:
    """The report input from the store as of ``as_of`` (raises ``NoEvaluation``)."""
    current = read_store(store, evaluator, as_of)
    history: tuple[ComplaintSource, ...] = ()
    baseline_at = period.bounds()[0]
    if with_baseline and baseline_at < as_of:
        try:
            history = (read_store(store, evaluator, baseline_at).source,)
        except NoEvaluation:
            history = ()  # nothing recorded then: the trend baseline comes from the current read
    with store.session() as session:
        freshness, source_notes = _freshness(session, config, as_of)
    run = current.run
    recorded = json.loads(run.mapping_hashes)
    provenance = Provenance(
        source="history store: "
        + ", ".join(f"{s.name} ({s.platform})" for s in sorted(config.sources, key=lambda s: s.name)),
        data_freshness=freshness,
        policy=FileRef(Path(evaluator.policy.source).name, run.policy_hash),
        mappings=tuple(
            FileRef(f"{name}: {Path(m.source).name}", recorded.get(name, m.sha256))
            for name, m in sorted(evaluator.mappings.items())
        ),
        waivers=FileRef(Path(evaluator.waivers.source).name, run.waivers_hash),
        holidays_version=run.holidays_version,
        code_version=run.code_version,
        notes=(*current.notes, *_config_notes(run, evaluator), *source_notes),
        policy_chain=policy_chain_refs(evaluator.policy.chain),
    )
    return ReportInput(
        current=current.source,
        period=period,
        policy=evaluator.policy,
        provenance=provenance,
        waivers=evaluator.waivers.entries,
        history=history,
        options=options or ReportOptions(),
    )
