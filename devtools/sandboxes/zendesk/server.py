"""The Zendesk sandbox on loopback (see :class:`devtools.sandboxes.common.LoopbackServer`)."""

from __future__ import annotations

from devtools.sandboxes.common import LoopbackServer
from devtools.sandboxes.zendesk.app import SandboxApp
from devtools.sandboxes.zendesk.state import SandboxState


class SandboxServer(LoopbackServer):
    """A Zendesk sandbox on 127.0.0.1; ``port=0`` picks a free port (read ``base_url`` after start).

    Example:
        with SandboxServer(SandboxState.seeded(7, 50, start=1.77e9)) as sandbox:
            url = sandbox.base_url
    """

    def __init__(self, state: SandboxState, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.app = SandboxApp(state)
        super().__init__(self.app, name="Zendesk sandbox", host=host, port=port,
                         log_level="critical")

    @property
    def base_url(self) -> str:
        return self.url
