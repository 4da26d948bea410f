"""Process wiring: uvicorn in a thread, the scheduler loop in the main thread, SIGTERM/SIGINT
finish the current step and exit 0."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from types import FrameType

import uvicorn

from connector.pipeline import Pipeline
from connector.service.app import build_app
from connector.service.runner import ServiceRunner
from connector.service.ui_data import close_all as close_dashboards

log = logging.getLogger(__name__)


def serve_forever(pipeline: Pipeline) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code."""
    runner = ServiceRunner(pipeline)
    app = build_app(pipeline, runner)
    settings = pipeline.config.server
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                           log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            log.error("the HTTP server did not start on %s:%d", settings.host, settings.port)
            return 5
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    # One parseable line (tests and supervisors read the chosen port from it).
    sys.stdout.write(f"iso10002 serve listening on http://{settings.host}:{port}\n")
    sys.stdout.flush()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current step, then exiting", signum)
        runner.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        runner.run()
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        close_dashboards()  # a page-data build in progress is not waited for
    log.info("stopped cleanly")
    return 0
