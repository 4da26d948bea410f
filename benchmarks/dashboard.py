"""Benchmark of the ``/ui`` dashboard's page loads, on demand: ``python benchmarks/dashboard.py``.

For each size, the in-process Zendesk sandbox (virtual clock, seed 7) is synced and checked into
a fresh SQLite store; the service's HTTP app (``build_app``, a signed-in session) then runs under
uvicorn on a loopback port the server binds itself. Measured over HTTP (request sent to the last
byte read): the first background build of the page data, ``--repeat`` loads of each page, then a
new evaluation and the page loads while the data is rebuilt. Each size is measured with the build in
the worker process (the product's way) and, for comparison on the same machine and store, in a
thread of the service process (``--modes``). Prints a Markdown section for benchmarks/README.md
("Dashboard")."""

from __future__ import annotations

import argparse
import logging
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
from connector.service import ui_data  # noqa: E402
from connector.service.app import build_app  # noqa: E402
from connector.service.runner import ServiceRunner  # noqa: E402
from connector.service.ui_auth import hash_password  # noqa: E402
from connector.store import Store  # noqa: E402
from connector.store.tickets import open_complaints  # noqa: E402
from devtools.sandboxes.zendesk import SandboxServer, SandboxState  # noqa: E402
from tests.zendesk import scenarios as sc  # noqa: E402

PASSWORD = "benchmark password"  # noqa: S105 - the local benchmark's login
SECRET = "benchmark-session-secret-0123456789abcdef"  # noqa: S105 - the local benchmark's key
#: Where the background build runs: "process" (a worker process), "thread" (the service process).
MODES = ("process", "thread")
PAGES = ("/ui/", "/ui/register", "/ui/register?status=failing&page=2", "/ui/register?q=payment")


def _timed(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = session.get(url, timeout=120)
    answer.raise_for_status()
    _ = answer.content
    return time.perf_counter() - started


def _ready(session: requests.Session, base: str, since: float) -> float:
    """Seconds from the app's start until its first build is served (the page says "preparing"
    with 503 until then)."""
    while session.get(base + "/ui/", timeout=120).status_code == 503:
        time.sleep(0.05)
    return time.perf_counter() - since


def prepare(tickets: int) -> tuple[Pipeline, SandboxServer, dict[str, Any]]:
    state = SandboxState.seeded(7, tickets, start=sc.START)
    state.limits.incremental_per_minute = 30
    state.limits.account_per_minute = 100_000
    state.limits.job_latency_seconds = 0.0
    server = SandboxServer(state).start()
    tmp = Path(tempfile.mkdtemp())
    source = sc.sandbox_source(server, include_metric_events=False, per_page=1000, events_per_page=1000,
                               rate_limits={"account_per_minute": 100_000, "incremental_per_minute": 30})
    client = sc.sandbox_client(server, source)
    config = AppConfig.model_validate({
        "sources": [source.model_dump(mode="json")],
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
        "ui": {"users": {"bench": {"password_hash": hash_password(PASSWORD)}}},
    })
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    pipeline = Pipeline(config, store, load_evaluator(config), clock=lambda: sc.virtual_now(server),
                        client_factory=lambda _s: client)
    started = time.perf_counter()
    pipeline.sync()
    pipeline.check()
    prepared = time.perf_counter() - started
    with store.session() as s:
        complaints = len(open_complaints(s))
    return pipeline, server, {"tickets": tickets, "complaints": complaints, "prepare_s": prepared}


def measure(pipeline: Pipeline, mode: str, repeat: int) -> dict[str, Any]:
    """One app on ``pipeline``'s store, its background builds in ``mode``."""
    config = pipeline.config
    reopenable = ui_data.reopenable
    if mode == "thread":  # as if the store could not be opened from another process
        ui_data.reopenable = lambda _url: False  # type: ignore[assignment]
    started_app = time.perf_counter()
    app = build_app(pipeline, ServiceRunner(pipeline),
                    environ=lambda name: SECRET if name == config.ui.session_secret_env else None)
    http = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=http.run, daemon=True)
    thread.start()
    while not http.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{http.servers[0].sockets[0].getsockname()[1]}"
    session = requests.Session()
    login = session.post(f"{base}/ui/login", data={"username": "bench", "password": PASSWORD}, timeout=60,
                         allow_redirects=False)
    if login.status_code != 303:
        raise RuntimeError(f"login answered {login.status_code}")
    results: dict[str, Any] = {"mode": mode, "build_s": _ready(session, base, started_app), "pages": {}}
    for page in PAGES:
        times = [_timed(session, base + page) for _ in range(repeat)]
        results["pages"][page] = {"median": statistics.median(times), "max": max(times),
                                  "bytes": len(session.get(base + page, timeout=60).content)}
    # A new evaluation: the pages serve the last build (saying so) while the next one runs.
    pipeline.check()
    rebuilding = time.perf_counter()
    during = []
    while True:
        started = time.perf_counter()
        answer = session.get(base + "/ui/", timeout=120)
        during.append(time.perf_counter() - started)
        if 'id="updating"' not in answer.text:
            break
        time.sleep(0.05)
    results["rebuild_s"] = time.perf_counter() - rebuilding
    results["during_rebuild"] = {"loads": len(during), "median": statistics.median(during),
                                 "max": max(during), "slowest_at": during.index(max(during)) + 1,
                                 "over_1s": sum(t > 1 for t in during)}
    http.should_exit = True
    thread.join(timeout=15)
    ui_data.reopenable = reopenable
    return results


def report(runs: list[dict[str, Any]], repeat: int) -> str:
    lines = [
        "## Dashboard", "",
        "`benchmarks/dashboard.py`: the Zendesk sandbox (seed 7) synced and checked into SQLite, then",
        "the service's app (`build_app`) under uvicorn on loopback and a signed-in `requests` session.",
        "A page load is one GET, request sent to last byte read (the document a browser navigates",
        "to; the page has no scripts and one small stylesheet). The page data is built in the",
        "background, once per state of the store: \"first build\" is from the app's start until",
        "`/ui/` stops answering \"preparing\" (in process mode, the worker's start-up included);",
        "\"rebuild\" is after a new evaluation, during which the pages serve the previous build",
        "(\"during rebuild\" loads). Build \"process\": in the worker process (the product);",
        "\"thread\": in a thread of the service process (as before), on the same store in the same run.",
        f"Page loads: median and max of {repeat}.", "",
        "| complaints | build | first build s | rebuild s | `/ui/` during rebuild, median / max s (loads) |",
        "|---|---|---|---|---|",
    ]
    for r in runs:
        d = r["during_rebuild"]
        lines.append(f"| {r['complaints']:,} | {r['mode']} | {r['build_s']:.1f} | {r['rebuild_s']:.1f} | "
                     f"{d['median']:.3f} / {d['max']:.3f} ({d['loads']}) |")
    lines += ["", "| complaints | build | page | median s | max s | KiB |", "|---|---|---|---|---|---|"]
    for r in runs:
        for page, f in r["pages"].items():
            lines.append(f"| {r['complaints']:,} | {r['mode']} | `{page}` | {f['median']:.3f} | "
                         f"{f['max']:.3f} | {f['bytes'] / 1024:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[1_200, 10_000],
                        help="sandbox sizes in tickets (the seeded sandbox's tickets are all complaints)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    runs = []
    for size in args.tickets:
        print(f"{size} tickets…", file=sys.stderr, flush=True)
        pipeline, server, prepared = prepare(size)
        for mode in args.modes:
            runs.append({**prepared, **measure(pipeline, mode, args.repeat)})
            print(f"  {runs[-1]}", file=sys.stderr, flush=True)
        pipeline.store.close()
        server.stop()
    print(report(runs, args.repeat))


if __name__ == "__main__":
    main()
