"""The store data source: the history store as of any time -> ``ReportInput``.

Records are the ticket versions valid at the as-of time (the cached mapped record when the
newest stored version is that one and the mapping is unchanged, else the stored version is
mapped again as of that time, as ``evaluation.evaluate_store`` does). Findings are the ones
*recorded*: for each complaint, those of the latest evaluation run at or before the as-of time
that evaluated it (runs are append-only and hash-chained, so the same store, as-of and options
give the same report and content hash). Nothing is evaluated or written here.

Provenance comes from the newest run at or before the as-of time (policy, mapping and waiver
hashes, holidays and code versions); data freshness from each source's last successful sync.

Every run whose findings are read, and the provenance run, is verified first (its hash, its
link to the run before, the findings' ``check``/``status`` copies): a read of an edited history
raises ``StoreTampered`` rather than showing edited data as recorded. Check and status are read
from the hashed finding payload, never from their unhashed column copies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from compliance_checks.findings import FINDING_JSON
from compliance_checks.model import ComplaintRecord
from connector.bundles import map_bundle
from connector.config import AppConfig
from connector.evaluation import Evaluator
from connector.remap import mapped_by
from connector.reports.spool import Spool, StoredItem
from connector.reports.versions import policy_chain_refs
from connector.store import Session, Store
from connector.store.evaluations import bundles as stored_bundles
from connector.store.evaluations import versions_as_of
from connector.store.models import RunRow
from connector.store.runs import (
    StoreTampered,
    ensure_verified,
    evaluated_versions,
    grouped_problems,
    latest_run,
    newest_run_id,
    newest_snapshots,
    recorded_findings,
    snapshot_problem,
    ticket_row_problem,
)
from connector.store.tickets import report_rows, source_rows
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


#: A result row of ``REPORT_COLUMNS`` (attribute access by column name).
TicketData = Any


def _existed(row: TicketData, as_of: datetime) -> bool:
    return not (row.deleted and row.deleted_at is not None and row.deleted_at <= as_of)


def _stored_record(row: TicketData, mapping: LoadedMapping, as_of: datetime) -> str | None:
    """The cached mapped record's JSON when it is the one valid at ``as_of`` (else None: map
    again). Mapping a version as of a time after its last update gives the current mapping."""
    newest_fits = row.updated_at is not None and row.updated_at <= as_of
    if (newest_fits and row.record is not None
            and mapped_by((row.mapping_hash, row.mapper_version, row.mapped_site), mapping)):
        return str(row.record)
    return None


def _mapped_at(
    row: TicketData, bundle: str | None, mapping: LoadedMapping, as_of: datetime
) -> tuple[ComplaintRecord | None, str | None]:
    """The stored version valid at ``as_of`` mapped as of then (None: not a complaint then), or
    an error."""
    if bundle is None:
        return None, None
    mapped = map_bundle(mapping.spec, json.loads(bundle), as_of, mapping.site)
    if mapped is None or mapped.skipped:
        return None, None
    if mapped.error is not None or mapped.record is None:
        return None, f"{row.source}/{row.ticket}: {mapped.error or 'no record produced'}"
    return mapped.record, None


#: Tickets read per query (keeps memory bounded: a ticket row holds its mapped record).
CHUNK = 500


def _ensure_evaluated_data(
    session: Session, rows: Sequence[TicketData], bundles: dict[int, tuple[int, str]], as_of: datetime
) -> None:
    """Raise ``StoreTampered`` when a chunk's ticket rows, or the versions about to be mapped
    again, contradict the manifest of the newest run at or before ``as_of`` that evaluated
    them (hash format 2): the record, timeline, complaint and deletion marks it read, and
    the bundles, are then the ones the chain covers."""
    entries = evaluated_versions(session, rows[0].source, [row.ticket for row in rows], as_of)
    if not entries:
        return
    newest = newest_snapshots(session, [row.id for row in rows if row.ticket in entries])
    problems: list[tuple[int, str, str]] = []
    for row in rows:
        entry = entries.get(row.ticket)
        if entry is None:
            continue
        problem = ticket_row_problem(row, entry, newest.get(row.id))
        snapshot_id, bundle = bundles.get(row.id, (None, None))
        if problem is None and snapshot_id == entry.snapshot_id:
            problem = snapshot_problem(bundle, entry.snapshot_sha256, entry.snapshot_sha256)
        if problem is not None:
            problems.append((entry.run_id, problem, f"{row.source}/{row.ticket}"))
    if problems:
        raise StoreTampered(grouped_problems(problems))


def _chunk_items(
    session: Session,
    rows: Sequence[TicketData],
    evaluator: Evaluator,
    as_of: datetime,
    errors: list[str],
    verified: set[int],
) -> Iterator[Item | StoredItem]:
    """The complaints of one chunk of ticket rows (all of one source), with their findings:
    stored records pass through as JSON; versions older than the stored one are mapped again."""
    records: list[tuple[TicketData, str | None]] = []
    remap: list[int] = []
    for row in rows:
        mapping = evaluator.mappings.get(row.source)
        if mapping is None or not row.is_complaint or not _existed(row, as_of):
            continue
        stored = _stored_record(row, mapping, as_of)
        if stored is None:
            remap.append(row.id)
        records.append((row, stored))
    versions = versions_as_of(session, remap, as_of)
    texts = stored_bundles(session, list(versions.values()))
    bundles = {ticket_id: (sid, texts[sid]) for ticket_id, sid in versions.items()}
    _ensure_evaluated_data(session, rows, bundles, as_of)
    kept: list[tuple[str, StoredItem | ComplaintRecord]] = []  # stored ones get findings below
    for row, stored in records:
        if stored is not None:
            kept.append((row.ticket, StoredItem(stored, (), row.timeline)))
            continue
        bundle = bundles.get(row.id)
        mapped, error = _mapped_at(row, bundle and bundle[1], evaluator.mappings[row.source], as_of)
        if error is not None:
            errors.append(error)
        if mapped is not None:
            kept.append((row.ticket, mapped))
    if not kept:
        return
    findings = recorded_findings(session, rows[0].source, [ticket for ticket, _ in kept], as_of, verified)
    for ticket, record in kept:
        recorded = findings.get(ticket, ())
        if isinstance(record, StoredItem):
            yield record._replace(findings=recorded)
        else:
            yield Item(record, tuple(FINDING_JSON.validate_json(payload) for _, payload in recorded))


def _items(
    session: Session, evaluator: Evaluator, as_of: datetime, errors: list[str], verified: set[int]
) -> Iterator[Item | StoredItem]:
    for rows in report_rows(session, evaluator.mappings, CHUNK):
        yield from _chunk_items(session, rows, evaluator, as_of, errors, verified)


def read_store(
    store: Store, evaluator: Evaluator, as_of: datetime, verified: set[int] | None = None
) -> StoreRead:
    """Spool the store's complaints as of ``as_of`` (raises ``NoEvaluation``, or
    ``StoreTampered`` when a run it reads fails verification). ``verified``: runs already
    verified by an earlier read (updated)."""
    verified = set() if verified is None else verified
    spool = Spool()
    errors: list[str] = []
    with store.session() as session:
        run = latest_run(session, as_of)
        if run is None:
            raise NoEvaluation(
                f"the store holds no evaluation run at or before {as_of.isoformat()}: "
                f"run `iso10002 check --as-of {as_of.isoformat()}` (or sync and check) first"
            )
        # The newest run too: an edit that moves it out of the report's reach (its as-of time)
        # must not leave the report reading older findings as if they were the latest.
        newest = newest_run_id(session)
        ensure_verified(session, {run.id, newest or run.id}, verified)
        session.expunge(run)
        spool.write(_items(session, evaluator, as_of, errors, verified))
    notes = [
        f"findings: each complaint's latest evaluation at or before the as-of time; newest such run "
        f"#{run.id} ({run.kind}) evaluated as of {_when(run.as_of, evaluator)}",
        *(f"not mapped: {e}" for e in errors),
    ]
    return StoreRead(spool.source(as_of), run, notes)


def _when(moment: datetime, evaluator: Evaluator) -> str:
    """A time in a data note as the report shows every other: in the policy's zone, labelled."""
    return f"{evaluator.policy.calendar.local(moment):%Y-%m-%d %H:%M %Z}"


def _freshness(
    session: Session, config: AppConfig, as_of: datetime, evaluator: Evaluator
) -> tuple[datetime | None, list[str]]:
    """The oldest last successful sync of the sources, capped at ``as_of`` (a source synced
    after the as-of time holds everything up to it), and a note for each source not synced."""
    rows = source_rows(session)
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
                f"source {source.name}: last successful sync {_when(last, evaluator)}, before the as-of time"
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
    """The report input from the store as of ``as_of`` (raises ``NoEvaluation``, or
    ``StoreTampered``)."""
    verified: set[int] = set()
    current = read_store(store, evaluator, as_of, verified)
    history: tuple[ComplaintSource, ...] = ()
    baseline_at = period.bounds()[0]
    if with_baseline and baseline_at < as_of:
        try:
            history = (read_store(store, evaluator, baseline_at, verified).source,)
        except NoEvaluation:
            history = ()  # nothing recorded then: the trend baseline comes from the current read
    with store.session() as session:
        freshness, source_notes = _freshness(session, config, as_of, evaluator)
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
