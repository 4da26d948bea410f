"""Serve a sandbox's ASGI app with uvicorn on loopback: in a background thread (tests,
benchmarks) or until SIGTERM/SIGINT (``python -m devtools.sandboxes.<platform>``)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LoopbackServer:
    """``app`` on 127.0.0.1; ``port=0`` picks a free port (read ``url`` after ``start``)."""

    def __init__(self, app: ASGIApp, *, name: str, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:
        if host not in LOOPBACK:
            raise ValueError("a sandbox only listens on loopback")
        self.name = name
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets if self._server.servers else []
        if not sockets:
            raise RuntimeError(f"the {self.name} is not running")
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Self:
        self._thread = threading.Thread(target=self._server.run, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the {self.name} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_until_signalled(server: LoopbackServer, banner: str) -> None:
    """Start ``server``, print ``banner`` and ``listening on URL`` (what the demo and the service
    tests wait for), serve until SIGTERM/SIGINT, then stop."""
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sys.stdout.write(f"{banner}\nlistening on {server.url}\n")
    sys.stdout.flush()
    stop.wait()
    server.stop()


def add_generated_world_arguments(parser: argparse.ArgumentParser, *, port: int, seed: int,
                                  end_default: str) -> None:
    """The command-line options both sandboxes share: where to listen and what to generate."""
    parser.add_argument("--port", type=int, default=port, help="0: any free port")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--complaints", type=int, default=600, help="generated complaints")
    parser.add_argument("--days", type=int, default=180, help="received over D days")
    parser.add_argument("--end", default=None, help=f"ISO end of the range (default: {end_default})")
