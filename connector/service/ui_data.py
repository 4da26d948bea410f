"""What the ``/ui`` dashboard shows, read from the store: the work queue, the register rows, the
per-source sync/evaluation status and the KPI tiles (the KPI report's metrics, judged against the
policy's ``kpis`` objectives by ``report_templates.views.kpi``).

The page data is built once per state of the store (newest finding id and run id), so a page
view between evaluations reads two numbers and renders. A background build runs in a worker
process (the store opened again from its URL), so it does not compete with page requests for
the service process's interpreter."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from compliance_checks.findings import FINDING_JSON
from connector.config import AppConfig, SourceConfig
from connector.configuration import load_evaluator
from connector.pipeline import Pipeline
from connector.reports.store import NoEvaluation, store_input
from connector.service.panel_api import evidence_link, overall_state
from connector.store import Store
from connector.store.engine import reopenable
from connector.store.runs import StoreTampered, last_finding_id, last_runs, latest_findings, newest_run_id
from connector.store.tickets import open_complaints, source_rows
from connector.writeback import actionable
from report_templates.input import Period
from report_templates.views.kpi import Metric, build_kpi_view

log = logging.getLogger(__name__)
#: Findings whose due date is a clock the team still races.
_CLOCKED = {"PENDING", "AT_RISK", "FAIL"}
#: The KPI tiles' period: the last 30 days, as the scheduled reports use.
KPI_DAYS = 30


@dataclass(frozen=True)
class QueueItem:
    source: str
    platform: str
    ticket: str
    link: str | None
    summary: str
    team: str
    owner: str
    check: str
    title: str
    status: str
    due_at: datetime

    def overdue(self, now: datetime) -> bool:
        return self.due_at <= now


@dataclass(frozen=True)
class Row:
    """One complaint of the register."""

    source: str
    platform: str
    ticket: str
    link: str | None
    summary: str
    team: str
    owner: str
    stage: str
    open: bool
    state: str
    #: Checks whose latest finding is FAIL, ERROR or AT_RISK.
    flagged: tuple[str, ...]
    next_due: datetime | None
    #: The next clocked finding (for the queue), or None.
    next_item: QueueItem | None = None


@dataclass(frozen=True)
class Snapshot:
    """The page data of one state of the store: (newest finding id, newest run id)."""

    key: tuple[int, int | None]
    rows: list[Row]
    kpis: tuple[Metric, ...]
    kpi_note: str | None
    built_at: datetime

    def queue(self, now: datetime) -> list[QueueItem]:
        """Open complaints whose next clock is overdue or inside the warning window (judged
        AT_RISK, or already FAIL, by the last evaluation), most urgent first."""
        items = [r.next_item for r in self.rows if r.next_item is not None]
        due = [i for i in items if i.overdue(now) or i.status in {"AT_RISK", "FAIL"}]
        return sorted(due, key=lambda i: (i.due_at, i.source, i.ticket))


@dataclass(frozen=True)
class SourceStatus:
    name: str
    platform: str
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def _text(value: Any, fallback: str) -> str:
    return value.strip() if isinstance(value, str) and value.strip() else fallback


def _team(record: dict[str, Any]) -> str:
    """The record's team, else its helpdesk group (a Zendesk group, a Jira team field)."""
    return _text(record.get("team") or record.get("group"), "(no team)")


def _owner(record: dict[str, Any]) -> str:
    return _text(record.get("assignee_name") or record.get("assignee"), "(unassigned)")


def _next_item(source: SourceConfig, ticket: str, link: str | None, record: dict[str, Any],
               findings: list[dict[str, Any]]) -> QueueItem | None:
    """The most urgent finding someone can still act on, by the write-back's rule (a step done
    late is a breach on record, not queue work)."""
    clocked = [FINDING_JSON.validate_python(f) for f in findings
               if f.get("status") in _CLOCKED and f.get("due_at")]
    work = [(f.due_at, f) for f in actionable(clocked) if f.due_at is not None]
    if not work:
        return None
    due_at, first = min(work, key=lambda pair: pair[0])
    return QueueItem(
        source=source.name, platform=source.platform, ticket=ticket, link=link,
        summary=_text(record.get("summary"), "(no summary)"), team=_team(record), owner=_owner(record),
        check=first.check, title=first.title or first.check, status=first.status.value,
        due_at=due_at,
    )


def build_rows(pipeline: Pipeline, keyed: list[tuple[str, str, bool | None, str | None]],
               findings: dict[tuple[str, str], tuple[int, list[dict[str, Any]]]]) -> list[Row]:
    sources = {s.name: s for s in pipeline.sources}
    rows: list[Row] = []
    for source_name, ticket, is_open, record_json in keyed:
        source = sources.get(source_name)
        if source is None:
            continue
        record: dict[str, Any] = json.loads(record_json) if record_json else {}
        found = findings.get((source_name, ticket), (0, []))[1]
        link = evidence_link(source, ticket, None)
        still_open = is_open is not False and record.get("stage") != "closed"
        item = _next_item(source, ticket, link, record, found) if still_open else None
        rows.append(Row(
            source=source_name, platform=source.platform, ticket=ticket, link=link,
            summary=_text(record.get("summary"), "(no summary)"), team=_team(record),
            owner=_owner(record),
            stage=_text(record.get("stage"), "unknown"), open=still_open, state=overall_state(found),
            flagged=tuple(sorted({str(f.get("check")) for f in found
                                  if f.get("status") in {"FAIL", "ERROR", "AT_RISK"}})),
            next_due=item.due_at if item else None, next_item=item,
        ))
    return rows


#: The dashboards of this process, for :func:`close_all`.
_OPEN: weakref.WeakSet[Dashboard] = weakref.WeakSet()
#: Rows per pickled chunk sent back by the worker.
_CHUNK = 500
#: The worker process's pipeline, opened on its first build and kept for the next ones.
_WORKER: dict[tuple[str, str], Pipeline] = {}


def build_snapshot(pipeline: Pipeline, key: tuple[int, int | None], now: datetime) -> Snapshot:
    """The page data of the store's state ``key``, as of ``now``."""
    with pipeline.store.session() as session:
        keyed = open_complaints(session)
        findings = latest_findings(session)
    rows = build_rows(pipeline, keyed, findings)
    kpis, note = kpi_tiles(pipeline, now)
    return Snapshot(key, rows, kpis, note, now)


def _build_in_worker(config: AppConfig, store_url: str, key: tuple[int, int | None],
                     now: datetime) -> tuple[Snapshot, list[bytes]]:
    """A build in the worker process (the config, policy and store opened there, once): the
    snapshot without its rows, and the rows pickled in chunks of ``_CHUNK``."""
    cached = (config.model_dump_json(), store_url)
    pipeline = _WORKER.get(cached)
    if pipeline is None:
        _WORKER.clear()
        pipeline = Pipeline(config, Store(store_url, migrate_now=False), load_evaluator(config))
        _WORKER[cached] = pipeline
    snap = build_snapshot(pipeline, key, now)
    chunks = [pickle.dumps(snap.rows[i:i + _CHUNK]) for i in range(0, len(snap.rows), _CHUNK)]
    return replace(snap, rows=[]), chunks


def _unpickled(snap: Snapshot, chunks: list[bytes]) -> Snapshot:
    """The rows read back a chunk at a time: one unpickling holds the interpreter throughout,
    so between chunks the page requests get their turn."""
    rows: list[Row] = []
    for chunk in chunks:
        rows.extend(pickle.loads(chunk))  # noqa: S301 - from our own worker process
    return replace(snap, rows=rows)


def close_all() -> None:
    """Stop every dashboard's worker process (the service calls this when it stops)."""
    for dashboard in list(_OPEN):
        dashboard.close()


class Dashboard:
    """The dashboard's data. Building it reads every complaint and its latest findings (and the
    KPI report's pass), so it is built once per state of the store: in the background when
    ``background`` (a page then shows the last build, saying it is updating), else on request.
    A background build runs in a worker process when the store can be opened from another
    process (not an in-memory SQLite database); the worker reloads the evaluator from the config."""

    def __init__(self, pipeline: Pipeline, clock: Callable[[], datetime], *, background: bool = True) -> None:
        self.pipeline = pipeline
        self.clock = clock
        self.background = background
        self._build_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._building: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._worker_pid: int | None = None
        _OPEN.add(self)

    @property
    def zone(self) -> ZoneInfo:
        return self.pipeline.evaluator.policy.calendar.tz

    def _key(self) -> tuple[int, int | None]:
        with self.pipeline.store.session() as session:
            return last_finding_id(session), newest_run_id(session)

    def snapshot(self) -> tuple[Snapshot | None, bool]:
        """The newest built page data (None before the first build) and whether it is current."""
        key = self._key()
        snap = self._snapshot
        if snap is not None and snap.key == key:
            return snap, True
        if not self.background:
            return self._build(key), True
        self.start_build()
        return snap, False

    def start_build(self) -> None:
        """Build in a background thread (which waits for the worker process), unless a build is
        already running."""
        with self._build_lock:
            if self._building is not None and self._building.is_alive():
                return
            self._building = threading.Thread(target=self._build_logged, name="ui-build", daemon=True)
            self._building.start()

    def _build_logged(self) -> None:
        try:
            key = self._key()
            if reopenable(self.pipeline.store.url):
                self._snapshot = self._build_elsewhere(key, self.clock())
            else:
                self._build(key)
        except BrokenProcessPool:  # stopped by close(), or killed: the next build starts a new one
            log.warning("dashboard: the page-data worker process stopped during a build")
        except Exception:
            log.exception("dashboard: building the page data failed")

    def _build_elsewhere(self, key: tuple[int, int | None], now: datetime) -> Snapshot:
        if self._pool is None:
            # spawn, not fork: the service process runs threads (a forked lock may be held).
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            # One worker, kept: its pid lets close() stop it without the executor's internals.
            self._worker_pid = self._pool.submit(os.getpid).result()
        try:
            snap, chunks = self._pool.submit(_build_in_worker, self.pipeline.config,
                                             self.pipeline.store.url, key, now).result()
        except BrokenProcessPool:
            self._pool = None  # a new worker next time
            raise
        return _unpickled(snap, chunks)

    def close(self) -> None:
        """Stop the worker process, abandoning a running build (at exit the executor would
        otherwise wait for it)."""
        pool, self._pool = self._pool, None
        pid, self._worker_pid = self._worker_pid, None
        if pool is None:
            return
        pool.shutdown(wait=False, cancel_futures=True)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it had already stopped
                os.kill(pid, signal.SIGTERM)

    def _build(self, key: tuple[int, int | None]) -> Snapshot:
        self._snapshot = build_snapshot(self.pipeline, key, self.clock())
        return self._snapshot

    def sources(self) -> list[SourceStatus]:
        with self.pipeline.store.session() as session:
            stored = source_rows(session)
        out = []
        for s in self.pipeline.sources:
            row = stored.get(s.name)
            out.append(SourceStatus(s.name, s.platform, row.last_success_at if row else None,
                                    row.last_error if row else None, row.last_error_at if row else None))
        return out

    def last_run(self) -> dict[str, Any] | None:
        with self.pipeline.store.session() as session:
            runs = last_runs(session, 1)
            if not runs:
                return None
            run = runs[0]
            return {"id": run.id, "started_at": run.started_at, "as_of": run.as_of}


def kpi_tiles(pipeline: Pipeline, now: datetime) -> tuple[tuple[Metric, ...], str | None]:
    """The KPI report's metrics that have an objective, over the last ``KPI_DAYS`` days, and a
    note when they cannot be shown."""
    zone = pipeline.evaluator.policy.calendar.tz
    end = now.astimezone(zone).date()
    period = Period(end - timedelta(days=KPI_DAYS - 1), end, zone.key)
    metrics: tuple[Metric, ...] = ()
    note: str | None = None
    try:
        data = store_input(pipeline.store, pipeline.evaluator, pipeline.config,
                           as_of=now, period=period, with_baseline=False)
        metrics = tuple(m for m in build_kpi_view(data).metrics if m.objective is not None)
        if not metrics:
            note = "The policy sets no KPI objectives (its kpis block)."
    except NoEvaluation:
        note = "No evaluation has run yet."
    except StoreTampered:
        log.error(  # noqa: TRY400 - the problems are listed by verify-store, not in a traceback
            "dashboard KPIs: the store's evaluation history does not verify")
        note = "The store's evaluation history does not verify: run iso10002 store verify."
    return metrics, note
