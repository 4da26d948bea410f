"""Evaluation runs and their findings: append-only, each run's hash chained to the previous.

``content_hash = sha256(canonical JSON of the run's metadata, its findings and prev_hash)``.
Editing any stored finding, or any run field, or removing a run breaks the chain, which
:func:`verify_chain` reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.store.engine import GENESIS
from connector.store.models import ChainHead, FindingRow, RunRow
from connector.store.tickets import canonical_json, sha256_text


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


def content_hash(run: RunRow, findings: Iterable[tuple[str, str, str]]) -> str:
    """The run's hash from its stored fields and its findings' (source, ticket, payload text)."""
    material = {
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
        "findings": sorted(findings),
    }
    return sha256_text(canonical_json(material))


def append_run(
    session: Session,
    meta: RunMeta,
    findings: Sequence[StoredFinding],
    *,
    tickets: int,
    errors: Sequence[str] = (),
) -> RunRow:
    """Append a run with its findings, chained to the last run (locks the chain head)."""
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
    session.flush()
    rows = []
    for f in sorted(findings, key=_finding_key):
        rows.append(
            FindingRow(
                run_id=run.id, source=f.source, ticket=f.ticket, check=str(f.payload["check"]),
                status=str(f.payload["status"]), payload=canonical_json(f.payload),
            )
        )
    session.add_all(rows)
    # Hash what the database will hand back: timestamps are re-read through the column type.
    session.flush()
    session.refresh(run)
    run.content_hash = content_hash(run, ((r.source, r.ticket, r.payload) for r in rows))
    head.last_hash = run.content_hash
    head.last_run_id = run.id
    return run


@dataclass(frozen=True)
class ChainProblem:
    run_id: int
    message: str

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.message}"


def verify_chain(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute every run's hash and the links between runs. Returns (runs, problems)."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    count = 0
    for run in session.scalars(select(RunRow).order_by(RunRow.id)):
        count += 1
        rows = session.execute(
            select(FindingRow.source, FindingRow.ticket, FindingRow.payload).where(
                FindingRow.run_id == run.id
            )
        ).all()
        if run.prev_hash != previous:
            problems.append(ChainProblem(run.id, "does not link to the previous run (removed or edited)"))
        if content_hash(run, ((s, t, p) for s, t, p in rows)) != run.content_hash:
            problems.append(ChainProblem(run.id, "content does not match its hash (run or findings edited)"))
        previous = run.content_hash
    head = session.scalar(select(ChainHead).where(ChainHead.id == 1))
    if head is not None and head.last_hash != previous:
        problems.append(ChainProblem(head.last_run_id or 0, "the last run is missing (chain head differs)"))
    return count, problems


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
    ).order_by(FindingRow.source, FindingRow.ticket, FindingRow.check)
    out: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = {}
    for row in session.scalars(query):
        key = (row.source, row.ticket)
        out.setdefault(key, (row.run_id, []))[1].append(json.loads(row.payload))
    return out


def run_findings(session: Session, run_id: int) -> list[StoredFinding]:
    rows = session.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id))
    return [StoredFinding(r.source, r.ticket, json.loads(r.payload)) for r in rows]


def last_runs(session: Session, limit: int = 5) -> list[RunRow]:
    return list(session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)))


def status_counts(session: Session) -> dict[str, int]:
    """Statuses of the latest findings of every ticket (for metrics and ``status``), in SQL:
    the metrics update after every check, so this must not parse every stored finding."""
    sub = (
        select(FindingRow.source, FindingRow.ticket, func.max(FindingRow.run_id).label("run_id"))
        .group_by(FindingRow.source, FindingRow.ticket)
        .subquery()
    )
    query = (
        select(FindingRow.status, func.count(FindingRow.id))
        .join(sub, (FindingRow.source == sub.c.source) & (FindingRow.ticket == sub.c.ticket)
              & (FindingRow.run_id == sub.c.run_id))
        .group_by(FindingRow.status)
    )
    return {status: int(n) for status, n in session.execute(query).all()}
