"""The service's work: scheduled jobs and webhook refreshes, one step at a time.

Every job runs under one lock (a step never overlaps another, so the store sees one writer),
and every job is wrapped: an error is logged and counted, and the loop goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import schedule

from connector import metrics
from connector.pipeline import Pipeline
from connector.sync import SyncOutcome
from connector.writeback_journal import Mode

log = logging.getLogger(__name__)

_STOP = ("", "")


@dataclass
class Health:
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_step: str | None = None
    last_step_at: datetime | None = None
    last_error: str | None = None
    #: Per source: quarantined tickets not stored since (ids only; ``status`` has the reasons).
    quarantined: dict[str, set[str]] = field(default_factory=dict)


class ServiceRunner:
    """Owns the scheduler (an explicit ``schedule.Scheduler``) and the refresh queue."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.scheduler = schedule.Scheduler()
        self.stop = threading.Event()
        self.work = threading.Lock()
        self.refreshes: queue.Queue[tuple[str, str]] = queue.Queue()
        self._rechecks: set[tuple[str, str]] = set()
        self._rechecks_lock = threading.Lock()
        self.health = Health()
        self._worker: threading.Thread | None = None
        plan = pipeline.config.schedule
        self.scheduler.every(round(plan.sync_every_minutes * 60)).seconds.do(
            self._job("sync", self.sync_step))
        self.scheduler.every(round(plan.reevaluate_every_minutes * 60)).seconds.do(
            self._job("reevaluate", self.reevaluate_step))
        self.scheduler.every().day.at(plan.reconcile_daily_at).do(self._job("reconcile", self.reconcile_step))
        if pipeline.config.reports.schedule:
            from connector.reports.scheduled import schedule_parts

            unit, at = schedule_parts(pipeline.config.reports.schedule)
            getattr(self.scheduler.every(), unit).at(at).do(self._job("reports", self.reports_step))

    @property
    def mode(self) -> Mode | None:
        mode = self.pipeline.config.writeback.mode
        return None if mode == "off" else mode

    # -- wrapping -----------------------------------------------------------------------
    def _job(self, name: str, step: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.stop.is_set():
                return
            with self.work:
                self.run_step(name, step)
        return run

    def run_step(self, name: str, step: Callable[[], None], kind: str | None = None) -> None:
        """Run one step; ``kind`` (default ``name``) is what metrics and ``/healthz`` show: a
        fixed word, never a ticket id or an error message (those are untrusted and unbounded)."""
        kind = kind or name
        started = time.monotonic()
        try:
            step()
        except Exception as exc:
            self.health.last_error = f"{kind}: {type(exc).__name__}"
            metrics.RUNS.labels(kind, "error").inc()
            log.exception("step %s failed", name)
        else:
            log.info("step %s done in %.2fs", name, time.monotonic() - started)
        self.health.last_step = kind
        self.health.last_step_at = datetime.now(UTC)

    # -- steps --------------------------------------------------------------------------
    def _writeback(self, **kwargs: object) -> None:
        # "plan" in the service: plans are visible in `iso10002 status` / `writeback --dry-run`;
        # nothing is read from or written to the helpdesk.
        if self.mode == "apply":
            self.pipeline.writeback("apply", **kwargs)  # type: ignore[arg-type]

    def note_quarantined(self, outcomes: list[SyncOutcome]) -> None:
        # A quarantined ticket stays listed until a later sync stores it (the cursor moved past
        # it, so only a change to the ticket or the daily full sync reads it again).
        for outcome in outcomes:
            before = self.health.quarantined.get(outcome.source, set())
            self.health.quarantined[outcome.source] = (
                (before - set(outcome.changed)) | {q["ticket"] for q in outcome.quarantined})

    def sync_step(self) -> None:
        outcomes, _errors = self.pipeline.sync()
        self.note_quarantined(outcomes)
        changed = {(o.source, t) for o in outcomes for t in o.changed}
        if changed:
            self.pipeline.check(kind="sync", only=changed, record="changed")
        self._writeback()

    def reevaluate_step(self) -> None:
        self.pipeline.check(kind="reevaluate", only_open=True, record="changed")
        self._writeback()

    def reconcile_step(self) -> None:
        outcomes, _errors = self.pipeline.sync(full=True)
        self.note_quarantined(outcomes)
        # Every ticket re-checked once a day, unchanged or not: the 15-minute re-evaluation
        # skips tickets until their next clock event, this bounds any missed one to a day.
        self.pipeline.check(kind="reconcile", record="changed", skip_unchanged=False)
        self._writeback(force=True)

    def reports_step(self) -> None:
        """The scheduled reports (config ``reports:``) from the store as of now."""
        from connector.reports.scheduled import scheduled_reports  # matplotlib: only when scheduled

        scheduled_reports(self.pipeline, self.pipeline.clock())

    def refresh_step(self, source: str, ticket: str) -> None:
        outcome = self.pipeline.syncer(source).refresh(ticket, self.pipeline.clock())
        metrics.API_CALLS.labels(source).inc(outcome.api_calls)
        changed = {(source, t) for t in outcome.changed}
        log.info("refresh %s/%s: %d new version(s)", source, ticket, len(changed))
        with self._rechecks_lock:
            recheck = (source, ticket) in self._rechecks
            self._rechecks.discard((source, ticket))
        if recheck:  # a panel's "re-check now": evaluate (and record) even without a new version
            changed.add((source, ticket))
        if changed:
            self.pipeline.check(kind="webhook", only=changed, record="all" if recheck else "changed")
            self._writeback(only=changed)

    # -- refresh worker -------------------------------------------------------------------
    def enqueue(self, source: str, ticket: str, *, recheck: bool = False) -> None:
        """Queue a refresh; ``recheck`` re-evaluates the ticket even when nothing changed."""
        if recheck:
            with self._rechecks_lock:
                self._rechecks.add((source, ticket))
        self.refreshes.put((source, ticket))

    def _refresh_loop(self) -> None:
        while True:
            source, ticket = self.refreshes.get()
            if (source, ticket) == _STOP:
                return
            with self.work:
                self.run_step(f"refresh {source}/{ticket}", partial(self.refresh_step, source, ticket),
                              kind="refresh")

    # -- loop ---------------------------------------------------------------------------
    def run(self, *, idle: float = 1.0) -> None:
        """Run every job once, then on schedule until :attr:`stop` is set (SIGTERM)."""
        self._worker = threading.Thread(target=self._refresh_loop, name="refresh", daemon=True)
        self._worker.start()
        for job in (self.sync_step, self.reevaluate_step):
            if self.stop.is_set():
                break
            with self.work:
                self.run_step(job.__name__.removesuffix("_step"), job)
        while not self.stop.is_set():
            self.scheduler.run_pending()
            self.stop.wait(idle)
        self.refreshes.put(_STOP)
        self._worker.join(timeout=60)
