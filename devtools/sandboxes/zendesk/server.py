"""Run the sandbox with uvicorn, in a background thread (tests) or in the foreground (demo)."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn

from devtools.sandboxes.zendesk.app import SandboxApp
from devtools.sandboxes.zendesk.state import SandboxState


class SandboxServer:
    """A sandbox on 127.0.0.1; ``port=0`` picks a free port (read ``base_url`` after start).

    Example:
        with SandboxServer(SandboxState.seeded(7, 50, start=1.77e9)) as sandbox:
            url = sandbox.base_url
    """

    def __init__(self, state: SandboxState, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox only listens on loopback")
        self.state = state
        self.app = SandboxApp(state)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="critical",
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets if self._server.servers else []
        if not sockets:
            raise RuntimeError("the sandbox is not running")
        return int(sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        self._thread = threading.Thread(target=self._server.run, name="zendesk-sandbox",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Zendesk sandbox did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def serve_forever(self) -> None:
        """Foreground mode (``python -m devtools.sandboxes.zendesk``)."""
        self._server.run()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
