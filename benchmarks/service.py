"""Benchmark of the sync service, on demand: ``python benchmarks/service.py``.

Against the in-process Zendesk sandbox (virtual clock) with 10,000 tickets:
1. steady-state cost on an unchanged source: API calls and CPU seconds of the service's own
   thread, measured over a window of scheduled steps and extrapolated to an hour with the
   default schedule (sync every 5 min, re-evaluation every 15 min, daily reconciliation / 24);
2. webhook-to-write-back latency over 50 webhooks (a ticket becomes a complaint; time until the
   sandbox holds our tag), through the real HTTP app and refresh worker;
3. the SQLite store's size per 10,000 complaints.
Prints a Markdown section for benchmarks/README.md ("Service"); ``--json F`` also
writes the raw figures (``run_all.py`` keeps the section in benchmarks/data/results/service.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.config import AppConfig  # noqa: E402
from connector.pipeline import Pipeline, load_evaluator  # noqa: E402
from connector.service.app import build_app  # noqa: E402
from connector.service.runner import ServiceRunner  # noqa: E402
from connector.service.webhooks import zendesk_signature  # noqa: E402
from connector.store import Store  # noqa: E402
from devtools.sandboxes.zendesk import SandboxServer, SandboxState  # noqa: E402
from tests.zendesk import scenarios as sc  # noqa: E402

TICKETS = 10_000
WEBHOOKS = 50
SECRET = "bench-secret"  # noqa: S105 - the local benchmark's webhook secret


def thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    parser.add_argument("--tickets", type=int, default=TICKETS,
                        help=f"sandbox size (default {TICKETS:,}; smaller for a quick latency check)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    state = SandboxState.seeded(7, args.tickets, start=sc.START)
    state.limits.incremental_per_minute = 30  # High Volume add-on budget
    state.limits.account_per_minute = 100_000
    state.limits.job_latency_seconds = 0.0
    # Writes take a virtual second each, as real ones are spread out: thousands of notes in
    # one virtual second would stall Zendesk's time-based event export (>1000 rows per second).
    state.before_ticket_put.append(lambda _tid: state.clock.advance(1))
    server = SandboxServer(state).start()
    tmp = Path(tempfile.mkdtemp())
    source = sc.sandbox_source(
        server, include_metric_events=False, per_page=1000, events_per_page=1000,
        rate_limits={"account_per_minute": 100_000, "incremental_per_minute": 30})
    client = sc.sandbox_client(server, source)
    config = AppConfig.model_validate({
        "sources": [source.model_dump(mode="json")],
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
        "writeback": {"mode": "apply"},
        "webhooks": {"zendesk": {"secret_env": "BENCH_SECRET", "max_age_seconds": 3600}},
    })
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    pipeline = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                        client_factory=lambda _s: client)
    runner = ServiceRunner(pipeline)
    results: dict[str, Any] = {"tickets": args.tickets}

    wall = time.monotonic()
    print("initial cycle…", file=sys.stderr, flush=True)
    runner.sync_step()
    runner.reevaluate_step()
    results["initial_wall_s"] = time.monotonic() - wall
    state.clock.advance(61)
    runner.sync_step()  # absorbs the versions our own write-back created
    with store.session() as session:
        from sqlalchemy import func, select

        from connector.store.models import SnapshotRow, TicketRow

        complaints = int(
            session.scalar(select(func.count(TicketRow.id)).where(TicketRow.is_complaint)) or 0)
        snapshots = int(session.scalar(select(func.count(SnapshotRow.id))) or 0)
    results["complaints"], results["snapshots"] = complaints, snapshots

    def measure(step: Any, repeat: int) -> tuple[float, float]:
        calls, cpu = 0, 0.0
        for _ in range(repeat):
            state.clock.advance(300)
            before_calls, before_cpu = client.stats.total, thread_cpu()
            step()
            calls += client.stats.total - before_calls
            cpu += thread_cpu() - before_cpu
        return calls / repeat, cpu / repeat

    print(f"steady state… (initial {results['initial_wall_s']:.0f} s)", file=sys.stderr, flush=True)
    results["sync"] = measure(runner.sync_step, 3)
    results["reevaluate"] = measure(runner.reevaluate_step, 2)
    results["reconcile"] = measure(runner.reconcile_step, 1)
    sync_calls, sync_cpu = results["sync"]
    re_calls, re_cpu = results["reevaluate"]
    rc_calls, rc_cpu = results["reconcile"]
    results["per_hour"] = (12 * sync_calls + 4 * re_calls + rc_calls / 24,
                           12 * sync_cpu + 4 * re_cpu + rc_cpu / 24)
    print(f"measured: {json.dumps(results, default=str)}", file=sys.stderr, flush=True)
    store.engine.dispose()
    size = sum(p.stat().st_size for p in tmp.glob("store.db*"))
    results["store_bytes"] = size
    results["store_per_10k"] = size * 10_000 / max(complaints, 1)

    print("webhooks…", file=sys.stderr, flush=True)
    # Webhook latency: HTTP app + refresh worker, as in `serve`.
    app = build_app(pipeline, runner, {"BENCH_SECRET": SECRET, "ISO10002_API_KEY": None}.get)
    http = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    threading.Thread(target=http.run, daemon=True).start()
    while not http.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{http.servers[0].sockets[0].getsockname()[1]}"
    worker = threading.Thread(target=runner._refresh_loop, daemon=True)
    worker.start()
    candidates = [t for t, ticket in state.world.tickets.items()
                  if "question" in ticket["tags"] and ticket["status"] != "deleted"][:WEBHOOKS]
    latencies: list[float] = []
    written = 0
    for tid in candidates:
        state.update_ticket(tid, {"tags": [*state.world.tickets[tid]["tags"], "complaint"]}, 1)
        body = json.dumps({"ticket_id": str(tid), "updated_by_id": "1"}).encode()
        # The app checks freshness against the wall clock; sign with the real time.
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        started = time.monotonic()
        answer = requests.post(f"{url}/webhooks/zendesk", data=body, timeout=30, headers={
            "X-Zendesk-Webhook-Signature": zendesk_signature(SECRET, stamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Invocation-Id": f"bench-{tid}"})
        answer.raise_for_status()
        step = f"refresh sandbox/{tid}"
        # Done when the refresh step (read, store, check, write-back) has finished.
        while runner.health.last_step != step or not runner.refreshes.empty():
            if time.monotonic() - started > 120:
                raise RuntimeError(f"refresh of ticket {tid} not done within 120 s")
            time.sleep(0.002)
        latencies.append(time.monotonic() - started)
        written += "iso10002-noncompliant" in state.world.tickets[tid]["tags"]
    results["latency"] = (statistics.median(latencies),
                          statistics.quantiles(latencies, n=20)[18], len(latencies), written)
    http.should_exit = True
    server.stop()
    results["load_1m"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(report(results))


def report(r: dict[str, Any]) -> str:
    sync_calls, sync_cpu = r["sync"]
    re_calls, re_cpu = r["reevaluate"]
    rc_calls, rc_cpu = r["reconcile"]
    hour_calls, hour_cpu = r["per_hour"]
    median, p95, n, written = r["latency"]
    return f"""## Service

Measured with `benchmarks/service.py` against the in-process Zendesk sandbox (seed 7, virtual
clock, {r['tickets']:,} tickets of which {r['complaints']:,} are complaints; incremental budget 30/min),
SQLite store, write-back `apply`. Steady state = an unchanged source after the first full cycle
(and the one sync that reads back our own write-back). CPU is the service thread's own CPU time
(`RUSAGE_THREAD`; the sandbox runs in another thread and is not counted).

| step (unchanged source) | API calls | CPU s |
|---|---:|---:|
| incremental sync + evaluate changed + write-back | {sync_calls:.1f} | {sync_cpu:.2f} |
| re-evaluation of open complaints + write-back | {re_calls:.1f} | {re_cpu:.2f} |
| daily full reconciliation (full read, re-check, write-back re-read) | {rc_calls:.0f} | {rc_cpu:.2f} |
| **per hour** (12 syncs, 4 re-evaluations, 1/24 reconciliation) | **{hour_calls:.0f}** | **{hour_cpu:.1f}** |

Webhook to write-back (a ticket becomes a complaint; signed webhook -> single-ticket read ->
store -> check -> tags and note written; {written} of the {n} new complaints were flagged and
written back, the others needed no write), {n} webhooks one after another, until the refresh step
finished: median **{median * 1000:.0f} ms**, P95 **{p95 * 1000:.0f} ms**.

Store size: {r['store_bytes'] / 1e6:.1f} MB for {r['complaints']:,} complaints ({r['snapshots']:,}
ticket versions, every run's findings, journal) = **{r['store_per_10k'] / 1e6:.1f} MB per 10,000
complaints** after the first day (grows with new ticket versions and changed findings only: the
periodic re-evaluation stores a ticket's findings again only when they changed).
First full cycle (sync, check, write-back of every flagged complaint): {r['initial_wall_s']:.0f} s wall.
"""


if __name__ == "__main__":
    main()
