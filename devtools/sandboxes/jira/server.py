"""Run the sandbox: in a background thread (tests, benchmarks) or in the foreground (CLI)."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

import uvicorn

from devtools.sandboxes.jira.app import SandboxState, build_app
from devtools.sandboxes.jira.generator import generate
from devtools.sandboxes.jira.store import SandboxStore

if TYPE_CHECKING:
    from devtools.generator import GeneratorConfig

DEFAULT_EMAIL = "sandbox@example.org"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a fixed credential of a local test server


def make_state(
    *,
    mode: str = "cloud",
    seed: int = 1,
    issues: int = 50,
    project: str = "CMP",
    email: str = DEFAULT_EMAIL,
    token: str = DEFAULT_TOKEN,
    rate_per_second: float | None = None,
    record: bool = True,
) -> SandboxState:
    """A seeded sandbox state (Cloud or Data Center)."""
    if mode not in ("cloud", "datacenter"):
        raise ValueError(f"mode must be cloud or datacenter, not {mode!r}")
    store = SandboxStore(generate(seed, issues, project), mode=mode)
    return SandboxState(
        store=store, mode=mode, email=email, token=token,
        rate_per_second=rate_per_second, record=record,
    )


def realistic_state(
    config: GeneratorConfig,
    *,
    mode: str = "cloud",
    email: str = DEFAULT_EMAIL,
    token: str = DEFAULT_TOKEN,
    agent_token: str | None = None,
    rate_per_second: float | None = None,
    record: bool = False,
) -> SandboxState:
    """A sandbox seeded from the shared generator (project CS, as ``mappings/jira.yaml``).

    With ``agent_token`` every generated agent can log in (Basic: e-mail on Cloud, user name on
    Data Center, and that token) and write as themselves.
    """
    from devtools.sandboxes.jira.realistic import realistic_issues

    if mode not in ("cloud", "datacenter"):
        raise ValueError(f"mode must be cloud or datacenter, not {mode!r}")
    data = realistic_issues(config, data_center=mode == "datacenter")
    store = SandboxStore(data.issues, mode=mode, people=data.people)
    return SandboxState(
        store=store, mode=mode, email=email, token=token, rate_per_second=rate_per_second,
        record=record, agents=data.agents, agent_token=agent_token,
    )


class SandboxServer:
    """``with SandboxServer(state) as server: server.url`` -- uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, state: SandboxState, *, port: int = 0) -> None:
        self.state = state
        config = uvicorn.Config(
            build_app(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = ""

    def start(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Jira sandbox did not start")
            time.sleep(0.005)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
